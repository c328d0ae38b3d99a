"""Audit each real sample in ../shared/data and time it.

Run: ``.venv/bin/python benchmarks/bench_audit.py [--cap 20000] [--only NAME ...]``

Prints the findings table (one row per dataset and check) and the seconds per
10k examples, and writes ``benchmarks/results/audit.json``. The machine's
cores are what they are (the project's reference is 2 cores): the timings say
which machine gave them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from llmsec.data import audit  # noqa: E402


def _shared() -> Path:
    env = os.environ.get("LLMSEC_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def datasets(d: Path) -> dict[str, tuple[object, str]]:
    """name -> (sources, task): each real sample the issue lists."""
    return {
        "phishing-url (PhishTank + benign list)": (
            [(d / "phishing_url/2.online-valid.csv", "phishtank"), (d / "phishing_url/1.Benign_list_big_final.csv",
                                                                  "url-list")], "phishing-url"),
        "phishing-email (Nazario + Enron)": (
            [(d / "phishing_email/nazario_phishing_curated.csv", "email-csv"),
             (d / "phishing_email/enron_spam_ham_subset600.csv", "email-csv", {"positive": "spam"})],
            "phishing-email"),
        "vuln-detect (Juliet)": ((d / "vuln_code/juliet_c_v1.3", "juliet"), "vuln-detect"),
        "nids-flow (UNSW-NB15 training 10K)": (
            (d / "nids_flow/UNSW-NB15_unsw-nb15_training_10K.csv", "unsw-nb15"), "nids-flow"),
        "nids-flow (UNSW-NB15 sampled 7K)": (
            (d / "nids_flow/UNSW-NB15_unsw-nb15_1_sampled.csv", "unsw-nb15"), "nids-flow"),
        "malware-family (Mal-API-2019)": ((d / "malware_api/mal-api-2019_100_calls.zip", "mal-api"),
                                          "malware-family"),
        "nids-flow (NSL-KDD test+)": ((d / "nids_flow/NSL-KDD_KDDTest+.txt", "nsl-kdd"), "nids-flow"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=int, default=20_000, help="probe sample cap")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of dataset names to run")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/audit.json")
    args = parser.parse_args()
    shared = _shared()
    if not shared.is_dir():
        sys.exit(f"shared data not found at {shared}")
    results = []
    rows = []
    for name, (sources, task) in datasets(shared).items():
        if args.only and not any(s in name for s in args.only):
            continue
        started = time.perf_counter()
        report = audit(sources, task=task, probe_cap=args.cap)
        seconds = time.perf_counter() - started
        per10k = seconds / report.n_records * 10_000
        print(f"\n== {name}: {report.n_records} records, {seconds:.1f} s ({per10k:.1f} s per 10k)")
        print(report.summary())
        for f in report.findings:
            rows.append((name, f.check, f.verdict, f.message))
        results.append({"dataset": name, "task": task, "records": report.n_records, "seconds": round(seconds, 2),
                        "seconds_per_10k": round(per10k, 2), "probe_sample": report.sample,
                        "report": report.to_dict()})
    print("\n| dataset | check | verdict | finding |\n| --- | --- | --- | --- |")
    for name, check, verdict, message in rows:
        print(f"| {name} | {check} | {verdict} | {message.replace('|', '/')} |")
    print("\n| dataset | records | seconds | s per 10k |\n| --- | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['dataset']} | {r['records']} | {r['seconds']} | {r['seconds_per_10k']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    args.out.write_text(json.dumps({"machine": machine, "cap": args.cap, "results": results}, indent=2,
                                   default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

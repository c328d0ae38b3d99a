"""Seed inputs per format: slices of the real samples in ../shared/data, or tiny synthetic files."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


def shared_data_dir() -> Path | None:
    """``$LLMSEC_SHARED_DATA`` or ``../shared/data`` beside the checkout, if it exists."""
    env = os.environ.get("LLMSEC_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@dataclass(frozen=True)
class Seed:
    """One input layout: the files to write, the path given to the loader, the file mutated."""

    name: str
    files: dict[str, bytes]
    target: str
    mutate: str
    options: dict[str, Any] = field(default_factory=dict)


def _head_records(path: Path, n: int, delimiter: str = ",") -> bytes:
    """The raw bytes of the first ``n`` CSV records of ``path`` (multi-line fields kept whole)."""
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        for _ in itertools.islice(reader, n):
            pass
        lines = reader.line_num
    with path.open("rb") as fh:
        return b"".join(itertools.islice(fh, lines))


def _json_slice(path: Path, key: str | None, n: int) -> bytes:
    """A JSON document holding the first ``n`` items of its main array (``key`` None: a top-level array)."""
    doc = json.loads(path.read_bytes())
    if key is None:
        return json.dumps(doc[:n], indent=1).encode()
    return json.dumps({**doc, key: doc[key][:n]}, indent=1).encode()


def _one(name: str, fname: str, data: bytes, **options: Any) -> Seed:
    return Seed(name, {fname: data}, fname, fname, options)


EML = b"""From: "IT Desk" <helpdesk@evil-mail.example.com>
To: victim@corp.example
Subject: Password expires today
Date: Fri, 30 Oct 2015 14:54:33 +0000
Message-ID: <1@evil-mail.example.com>
Content-Type: text/plain; charset=utf-8

Your password expires in 3 days.
Click here to validate: http://evil.example.com/login
"""
EML_HTML = b"""From: Bank <alerts@bank.example.org>
Subject: Account notice
Date: Mon, 2 Nov 2015 08:00:00 -0500
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{color:red}</style></head><body><p>Dear customer,</p><p>Caf=E9 &amp; more</p>
<script>alert(1)</script></body></html>
--XX--
"""
CODE_BAD = "static int copy(char *dst, const char *src)\n{\n    strcpy(dst, src);\n    return 0;\n}\n"
CODE_GOOD = "static int copy(char *dst, const char *src, size_t n)\n{\n    strncpy(dst, src, n);\n    return 0;\n}\n"
CWE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<Weakness_Catalog Name="CWE" Version="4.14" xmlns="http://cwe.mitre.org/cwe-7"
  xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <Weaknesses>
    <Weakness ID="79" Name="Cross-site Scripting" Abstraction="Base" Structure="Simple" Status="Stable">
      <Description>The product does not neutralize user input.</Description>
      <Extended_Description><xhtml:p>Cross-site scripting happens when</xhtml:p></Extended_Description>
      <Related_Weaknesses>
        <Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="1000" Ordinal="Primary"/>
      </Related_Weaknesses>
      <Observed_Examples>
        <Observed_Example><Reference>CVE-2021-25926</Reference><Description>x</Description></Observed_Example>
      </Observed_Examples>
    </Weakness>
    <Weakness ID="1187" Name="DEPRECATED: Use of Uninitialized Resource" Abstraction="Base" Status="Deprecated">
      <Description>This entry has been deprecated.</Description>
    </Weakness>
    <Weakness ID="90" Name="LDAP Injection" Abstraction="Base" Status="Draft"><Description/></Weakness>
  </Weaknesses>
</Weakness_Catalog>
"""


def _nvd_v20_item(cve_id: str, cwe: str = "CWE-79") -> dict[str, Any]:
    return {"cve": {
        "id": cve_id, "published": "2024-01-02T10:15:08.123", "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": f"XSS in {cve_id}."}],
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": cwe}]}],
        "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            "baseScore": 6.1, "baseSeverity": "MEDIUM"}}]},
        "references": [{"url": "https://example.org/a"}]}}


def _cve5(cve_id: str) -> dict[str, Any]:
    return {"dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"cveId": cve_id, "state": "PUBLISHED", "datePublished": "2023-05-06T07:08:09.000Z"},
            "containers": {"cna": {
                "descriptions": [{"lang": "en", "value": "SQL injection in foo."}],
                "problemTypes": [{"descriptions": [{"lang": "en", "type": "CWE", "cweId": "CWE-89",
                                                    "description": "CWE-89 SQL Injection"}]}],
                "metrics": [{"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                          "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]}}}


def _ember(label: int, sha: str) -> dict[str, Any]:
    return {"sha256": sha, "appeared": "2018-01", "label": label, "avclass": "zbot" if label == 1 else "",
            "strings": {"numstrings": 14, "avlength": 5.9, "printabledist": [0] * 8, "printables": 83},
            "general": {"size": 3101705, "vsize": 3158016, "imports": 89, "has_signature": 0},
            "header": {"coff": {"timestamp": 1124149349, "machine": "I386", "characteristics": ["EXECUTABLE_IMAGE"]},
                       "optional": {"subsystem": "WINDOWS_GUI", "dll_characteristics": [], "magic": "PE32"}},
            "section": {"entry": ".text", "sections": [{"name": ".text", "size": 4096, "entropy": 6.5}]},
            "imports": {"KERNEL32.dll": ["GetProcAddress", "LoadLibraryA"]}}


def _lines(objs: list[Any]) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objs).encode()


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def _cic2017() -> bytes:
    header = [" Destination Port", " Flow Duration", " Total Fwd Packets", " Total Backward Packets",
              "Flow Bytes/s", " Flow Packets/s", " Fwd Header Length", " Fwd Header Length", " Label"]
    rows = [["80", "38308", "1", "1", "12345.6", "52.2", "20", "20", label]
            for label in ("BENIGN", "DDoS", "PortScan", "BENIGN", "Web Attack \u2013 Brute Force")]
    return _csv([header, *rows])


def _cic2018() -> bytes:
    header = ["Dst Port", "Protocol", "Timestamp", "Flow Duration", "Tot Fwd Pkts", "Flow Byts/s", "Label"]
    rows = [[port, "6", "14/02/2018 08:31:01", "112641719", "3", "0.0266", label]
            for port, label in (("443", "Benign"), ("21", "FTP-BruteForce"), ("22", "SSH-Bruteforce"))]
    return _csv([header, *rows[:2], header, rows[2]])


def _tables(vuln: list[dict[str, Any]]) -> dict[str, list[Seed]]:
    """Seeds of the table and datasets formats: parquet, arrow stream, CSV, a save_to_disk folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({k: [row[k] for row in vuln] for k in ("func", "target", "project")})
    cols = {"columns": {"code": "func", "label": "target", "group": "project"}, "labels": ["safe", "vulnerable"]}
    parquet, stream = pa.BufferOutputStream(), pa.BufferOutputStream()
    pq.write_table(table, parquet)
    with pa.ipc.new_stream(stream, table.schema) as writer:
        writer.write_table(table)
    arrow = stream.getvalue().to_pybytes()
    csv_rows = "func,target,project\n" + "".join(f'"{r["func"]}",{r["target"]},{r["project"]}\n' for r in vuln)
    features = {"func": {"dtype": "string", "_type": "Value"},
                "target": {"names": ["safe", "vulnerable"], "_type": "ClassLabel"},
                "project": {"dtype": "string", "_type": "Value"}}
    state = {"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_fingerprint": "f", "_split": None}
    folder = {"ds/data-00000-of-00001.arrow": arrow, "ds/state.json": json.dumps(state).encode(),
              "ds/dataset_info.json": json.dumps({"features": features}).encode()}
    ds_cols = {"columns": {"code": "func", "label": "target"}}
    return {
        "table": [_one("table-parquet", "t.parquet", parquet.getvalue().to_pybytes(), **cols),
                  _one("table-arrow", "t.arrow", arrow, **cols),
                  _one("table-csv", "t.csv", csv_rows.encode(), **cols)],
        "datasets": [Seed("datasets-arrow", folder, "ds", "ds/data-00000-of-00001.arrow", ds_cols),
                     Seed("datasets-state", folder, "ds", "ds/state.json", ds_cols),
                     Seed("datasets-info", folder, "ds", "ds/dataset_info.json", ds_cols)],
    }


def _synthetic() -> dict[str, list[Seed]]:
    vuln = [{"project": "FFmpeg", "commit_id": "a1", "target": 1, "func": CODE_BAD},
            {"project": "qemu", "commit_id": "b2", "target": 0, "func": CODE_GOOD}]
    return {
        **_tables(vuln),
        "cic-ids2017": [_one("cic2017", "Monday.pcap_ISCX.csv", _cic2017())],
        "cse-cic-ids2018": [_one("cic2018", "02-14-2018.csv", _cic2018())],
        "cwe-xml": [_one("cwec", "cwec_v4.14.xml", CWE_XML),
                    _one("cwec-gz", "cwec_v4.14.xml.gz", gzip.compress(CWE_XML, mtime=0))],
        "cvelist-v5": [_one("cve5", "CVE-2023-1001.json", json.dumps(_cve5("CVE-2023-1001"), indent=1).encode()),
                       Seed("cve5-folder", {f"cves/2023/1xxx/CVE-2023-100{k}.json":
                                            json.dumps(_cve5(f"CVE-2023-100{k}")).encode() for k in (1, 2)},
                            "cves", "cves/2023/1xxx/CVE-2023-1002.json")],
        "devign": [_one("devign", "function.json", json.dumps(vuln).encode())],
        "codexglue-defect": [_one("codexglue", "train.jsonl", _lines([{**v, "idx": i} for i, v in enumerate(vuln)]))],
        "diversevul": [_one("diversevul", "diversevul.json", _lines(
            [{**v, "cwe": ["CWE-787"] if v["target"] else [], "hash": i, "size": 5} for i, v in enumerate(vuln)]))],
        "primevul": [_one("primevul", "primevul_train_paired.jsonl", _lines(
            [{**v, "idx": i, "cwe": ["CWE-120"], "cve": "CVE-2020-1", "commit_id": "c3", "func_hash": 7}
             for i, v in enumerate(vuln)]))],
        "bigvul": [_one("bigvul", "MSR_data_cleaned.csv", _csv([
            ["", "CVE ID", "CWE ID", "commit_id", "func_after", "func_before", "lang", "project", "vul"],
            ["0", "CVE-2017-1000", "CWE-119", "abc", CODE_GOOD, CODE_BAD, "C", "linux", "1"],
            ["1", "", "", "def", "", CODE_GOOD, "C", "openssl", "0"]]))],
        "ember": [_one("ember", "train_features_0.jsonl",
                       _lines([_ember(1, "a" * 64), _ember(0, "b" * 64), _ember(-1, "c" * 64)]))],
        "eml": [_one("eml", "msg.eml", EML, label="phishing"),
                Seed("eml-folder", {"mail/1.eml": EML, "mail/sub/2.eml": EML_HTML}, "mail", "mail/sub/2.eml",
                     {"label": "phishing"})],
        "mbox": [_one("mbox", "phish.mbox",
                      b"From a@b Thu Jan  1 00:00:00 2015\n" + EML + b"\nFrom c@d Thu Jan  1 00:00:00 2015\n"
                      + EML_HTML, label="phishing")],
        "text": [_one("text", "notes.md", b"# Buffer overflows\n\nA stack buffer overflow writes past...\n")],
        "preference": [_one("pairs", "pairs.jsonl", b"".join(json.dumps(r).encode() + b"\n" for r in (
            {"prompt": "Copy s into d.", "chosen": "strncpy(d, s, n - 1);", "rejected": "strcpy(d, s);", "group": "a"},
            {"prompt": "Read a line.", "chosen": "fgets(b, n, stdin);", "rejected": "gets(b);", "group": "b"},
            {"prompt": "Read a line.", "completion": "gets(b);", "label": False, "group": "b"})), split="train")],
    }


def _real(shared: Path) -> dict[str, list[Seed]]:
    """Slices of the real samples, for the formats that have one."""
    nf, pu, cv, qa = shared / "nids_flow", shared / "phishing_url", shared / "cve_text", shared / "sec_qa"
    cti, pe, vc = qa / "ctibench", shared / "phishing_email", shared / "vuln_code"
    juliet = sorted((shared / "vuln_code" / "juliet_c_v1.3" / "testcases").rglob("*.c"))[:2]
    mal = shared / "malware_api"
    with zipfile.ZipFile(mal / "mal-api-2019_100_calls.zip") as zf, zf.open("100_calls.txt") as fh:
        calls = b"".join(b",".join(line.split(b",")[:48]).rstrip() + b"\n" for line in itertools.islice(fh, 6))
    types = b"".join(itertools.islice((mal / "mal-api-2019_100_types.txt").open("rb"), 6))
    index = (mal / "ApiIndex.txt").read_bytes()
    demo = REPO / "src" / "llmsec" / "resources" / "demo"
    return {
        "nsl-kdd": [_one("kddtest", "KDDTest+.txt", _head_records(nf / "NSL-KDD_KDDTest+.txt", 12))],
        "unsw-nb15": [_one("unsw-1", "unsw-nb15_1.csv", _head_records(nf / "UNSW-NB15_unsw-nb15_1_sampled.csv", 10)),
                      _one("unsw-10k", "training.csv", _head_records(nf / "UNSW-NB15_unsw-nb15_training_10K.csv", 10))],
        "iot23-zeek": [_one("iot23", "conn.log.labeled.csv",
                            _head_records(nf / "IoT-23_CTU-Malware-Capture-34-1-labeled.csv", 12))],
        "phishtank": [_one("phishtank", "online-valid.csv", _head_records(pu / "2.online-valid.csv", 12))],
        "url-list": [_one("benign", "Benign_list.csv", _head_records(pu / "1.Benign_list_big_final.csv", 12))],
        "url-features": [_one("urldata", "urldata.csv", _head_records(pu / "5.urldata.csv", 12))],
        "email-csv": [_one("nazario", "Nazario.csv", _head_records(pe / "nazario_phishing_curated.csv", 4)),
                      _one("enron", "spam_ham.csv", _head_records(pe / "enron_spam_ham_subset600.csv", 4))],
        "cwe-csv": [_one("cwe-699", "699.csv", _head_records(cv / "cwe_v4.14_view699_softwaredev.csv", 4))],
        "nvd": [_one("nvd-1.1", "nvdcve-1.1-recent.json",
                     _json_slice(cv / "nvdcve-1.1-recent_2023-03.json", "CVE_Items", 3)),
                _one("nvd-2.0", "nvdcve-2.0.json", json.dumps({"format": "NVD_CVE", "vulnerabilities": [
                    _nvd_v20_item("CVE-2024-0001"), _nvd_v20_item("CVE-2024-0002", "NVD-CWE-noinfo")]}).encode())],
        "attack-stix": [_one("ics", "ics-attack.json", _attack_slice(shared / "attack" / "ics-attack-18.1.json"))],
        "purplellama-autocomplete": [_one("autocomplete", "autocomplete.json",
                                          _json_slice(vc / "purplellama_cyberseceval_autocomplete.json", None, 3))],
        "cybermetric": [_one("cybermetric", "CyberMetric-80-v1.json",
                             _json_slice(qa / "CyberMetric-80-v1.json", "questions", 4))],
        "seceval": [_one("seceval", "questions.json", _json_slice(qa / "seceval_questions.json", None, 4))],
        **{f"ctibench-{k}": [_one(f"cti-{k}", f"cti-{k}.tsv", _head_records(cti / f"cti-{k}.tsv", 4, "\t"))]
           for k in ("mcq", "rcm", "vsp", "ate", "taa")},
        "juliet": [Seed("juliet", {str(p.relative_to(p.parents[3])): p.read_bytes() for p in juliet},
                        "testcases", str(juliet[0].relative_to(juliet[0].parents[3]))),
                   _one("juliet-file", juliet[1].name, juliet[1].read_bytes())],
        "juliet-pairs": [Seed("juliet-pairs", {str(p.relative_to(p.parents[3])): p.read_bytes() for p in juliet},
                              "testcases", str(juliet[0].relative_to(juliet[0].parents[3]))),
                         _one("juliet-pairs-file", juliet[1].name, juliet[1].read_bytes())],
        "juliet-write": [Seed("juliet-write", {str(p.relative_to(p.parents[3])): p.read_bytes() for p in juliet},
                              "testcases", str(juliet[0].relative_to(juliet[0].parents[3])))],
        "cyberseceval": [_one("cyberseceval", "autocomplete.json",
                              _json_slice(vc / "purplellama_cyberseceval_autocomplete.json", None, 3))],
        "secure-code": [_one("secure-code-json", "autocomplete.json",
                             _json_slice(vc / "purplellama_cyberseceval_autocomplete.json", None, 3)),
                        _one("secure-code-juliet-file", juliet[1].name, juliet[1].read_bytes())],
        "mal-api": [Seed("malapi", {"x_100_calls.txt": calls, "x_100_types.txt": types, "ApiIndex.txt": index},
                         "x_100_calls.txt", "x_100_calls.txt")],
        "jsonl": [_one("demo-corpus", "corpus.jsonl", _head_lines(demo / "corpus.train.jsonl", 4)),
                  _one("demo-vuln", "vuln.jsonl", _head_lines(demo / "vuln-code.train.jsonl", 4)),
                  _one("demo-chat", "chat.jsonl", _head_lines(demo / "instructions.train.jsonl", 3))],
    }


def _head_lines(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return b"".join(itertools.islice(fh, n))


def _attack_slice(path: Path) -> bytes:
    """A bundle with a few attack-patterns and one mitigation relationship kept."""
    doc = json.loads(path.read_bytes())
    objs = doc["objects"]
    patterns = [o for o in objs if o.get("type") == "attack-pattern"][:3]
    ids = {o["id"] for o in patterns}
    rels = [o for o in objs if o.get("type") == "relationship" and o.get("target_ref") in ids][:2]
    refs = {o.get("source_ref") for o in rels}
    extra = [o for o in objs if o.get("id") in refs][:2]
    return json.dumps({**doc, "objects": patterns + rels + extra}, indent=1).encode()


_SEEDS: dict[str, list[Seed]] | None = None


def all_seeds() -> dict[str, list[Seed]]:
    """Seeds of every format this module knows (real slices when the shared data is there)."""
    global _SEEDS
    if _SEEDS is None:
        seeds = _synthetic()
        shared = shared_data_dir()
        if shared is not None:
            seeds.update(_real(shared))
        _SEEDS = seeds
    return _SEEDS


GENERIC = [b"", b"\n", b"a,b\n1,2\n", b"{}\n", b"[]", b'{"a": [1, 2, {"b": null}]}', b"\xff\xfe\x00\x00",
           b"From x\n\nhi\n", b"<?xml version='1.0'?><a/>"]


def seeds_for(fmt: str) -> list[Seed]:
    """The seeds of format ``fmt``; a format without its own gets every other format's and generic junk."""
    seeds = all_seeds()
    if fmt in seeds:
        return seeds[fmt]
    foreign = [s for name in sorted(seeds) for s in seeds[name] if s.target == s.mutate]
    return [*foreign, *(_one(f"generic-{i}", "input.txt", g) for i, g in enumerate(GENERIC))]


def foreign_seeds(fmt: str) -> list[Seed]:
    """Single-file seeds of the other formats, to feed format ``fmt`` files it does not read."""
    own = {s.name for s in all_seeds().get(fmt, [])}
    return [s for name in sorted(all_seeds()) for s in all_seeds()[name]
            if s.target == s.mutate and s.name not in own]

"""The dataset audit: planted shortcuts are flagged, clean data is not, bad input is said plainly,
and on the real shared samples each artefact of issue 8 is surfaced."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from llmsec.data import (
    AuditFindingsError,
    AuditReport,
    Document,
    Example,
    Task,
    audit,
    audit_split,
    record_to_dict,
)
from llmsec.data.audit._checks import probe_verdict
from llmsec.data.audit._dups import twin_text

TOY = Task(name="toy-detect", record_type=Example, description="toy binary task", labels=("clean", "bad"))
WORDS = [f"w{i}" for i in range(300)]
BAD_WORDS = ["alpha", "beta", "gamma"]
CLEAN_WORDS = ["delta", "epsilon", "zeta"]


def _text(rng: random.Random, key: str, n_words: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    words.insert(rng.randrange(len(words)), key)
    return " ".join(words)


def _clean(n: int = 400, seed: int = 0) -> tuple[list[Example], list[str]]:
    """Label decided by a content word; both labels from both sources; same lengths."""
    rng = random.Random(seed)
    records, sources = [], []
    for i in range(n):
        label = "bad" if i % 2 else "clean"
        key = rng.choice(BAD_WORDS if label == "bad" else CLEAN_WORDS)
        records.append(Example(_text(rng, key, rng.randint(20, 40)), label, group=f"g{i}"))
        sources.append("corpusA" if rng.random() < 0.5 else "corpusB")
    return records, sources


def _planted(n: int = 400, seed: int = 0) -> tuple[list[Example], list[str]]:
    """Same content signal, but every 'bad' record comes from corpus B with a marker and longer text."""
    rng = random.Random(seed)
    records, sources = [], []
    for i in range(n):
        bad = bool(i % 2)
        key = rng.choice(BAD_WORDS if bad else CLEAN_WORDS)
        text = _text(rng, key, rng.randint(60, 90) if bad else rng.randint(10, 25))
        if bad:
            text += " zzcorpusmarker"
        records.append(Example(text, "bad" if bad else "clean", group=f"g{i}"))
        sources.append("corpusB" if bad else "corpusA")
    return records, sources


def test_planted_shortcuts_are_flagged() -> None:
    records, sources = _planted()
    report = audit(records, task=TOY, source_ids=sources, split="group")
    assert isinstance(report, AuditReport)
    assert report.finding("shortcuts").verdict == "fail"
    length = next(p for p in report.probes if p.name == "length")
    assert length.verdict == "fail" and length.score is not None and length.score > 0.95
    markers = report.finding("markers")
    assert markers.verdict == "warn"
    assert any("zzcorpusmarker" in m["feature"] and m["source"] == "corpusB" for m in markers.metrics["markers"])
    source = report.finding("source")
    assert source.verdict == "fail"
    assert source.metrics["purity"] == 1.0 and source.metrics["text_separates_sources"] > 0.95
    assert report.verdict == "fail"


def test_clean_dataset_is_not_flagged() -> None:
    records, sources = _clean()
    report = audit(records, task=TOY, source_ids=sources, split="group")
    base = report.baseline
    assert base is not None and base.score is not None and base.score > 0.9
    for check in ("twins", "duplicates", "split-duplicates", "shortcuts", "markers", "source"):
        assert report.finding(check).verdict == "ok", (check, report.finding(check).message)
    assert report.finding("source").metrics["text_separates_sources"] < 0.7
    assert report.finding("group-leakage").verdict == "n/a"  # every record its own group
    assert all(p.verdict == "ok" for p in report.probes if p.name != "baseline")


def test_conflicting_twins_give_the_exact_ceiling_and_duplicates_are_counted() -> None:
    records, _ = _clean(100)
    # 10 records get an exact twin with the opposite label, 10 more a same-label copy
    twins = [Example(r.text, "clean" if r.label == "bad" else "bad", group=r.group) for r in records[:10]]
    copies = [Example(r.text.upper(), r.label, group=r.group) for r in records[10:20]]  # equal after case folding
    report = audit(records + twins + copies, task=TOY, split="random")
    t = report.finding("twins")
    assert t.verdict == "fail"
    assert t.metrics["conflicting_groups"] == 10 and t.metrics["records_in_conflict"] == 20
    assert t.metrics["accuracy_ceiling"] == pytest.approx(110 / 120, abs=1e-4)
    d = report.finding("duplicates")
    assert d.metrics["records_with_exact_twin"] == 40 and d.metrics["redundant_copies"] == 20
    assert d.metrics["groups_spanning_labels"] == 10 and d.verdict == "fail"
    s = report.finding("split-duplicates")
    assert s.metrics["exact"] >= 1 and s.verdict in ("warn", "fail")


def test_code_twins_normalise_function_names() -> None:
    a = "static void badSink(int data)\n{\n    buf[data] = 1; /* FLAW */\n}"
    b = "static void goodG2BSink(int data) { buf[data] = 1; }"
    assert twin_text(a, code=True) == twin_text(b, code=True)
    assert twin_text("void helper1() { x(); }", code=True) == twin_text("void func() { x(); }", code=True)


def _grouped(n_groups: int = 60, per: int = 6, seed: int = 0) -> list[Example]:
    """Each group (a 'domain') has one label and its own token: memorising groups works only when they leak."""
    rng = random.Random(seed)
    records = []
    for g in range(n_groups):
        label = "bad" if g % 2 else "clean"
        for _ in range(per):
            words = [rng.choice(WORDS) for _ in range(15)] + [f"host{g}"]
            if rng.random() < 0.35:  # a weak real signal
                words.append(rng.choice(BAD_WORDS if label == "bad" else CLEAN_WORDS))
            rng.shuffle(words)
            records.append(Example(" ".join(words), label, group=f"site{g}.com"))
    return records


def test_group_leakage_measures_the_drop_and_the_group_split_is_the_remedy() -> None:
    records = _grouped()
    leaky = audit(records, task=TOY, split="random").finding("group-leakage")
    assert leaky.verdict == "fail" and leaky.remedy.startswith("split by group")
    assert leaky.metrics["fraction"] > 0.8 and leaky.metrics["drop"] >= 0.1
    remedied = audit(records, task=TOY, split="group").finding("group-leakage")
    assert remedied.verdict == "ok" and remedied.metrics["drop"] == leaky.metrics["drop"]


def test_audit_split_on_a_given_split() -> None:
    records = _grouped()
    train = [r for r in records if int(r.group[4:-4]) % 5]
    test = [r for r in records if not int(r.group[4:-4]) % 5] + train[:12]  # 12 leaked records
    report = audit_split(train, test, task=TOY)
    assert report.split == "given"
    g = report.finding("group-leakage")
    assert g.metrics["split"] == "given" and g.metrics["test_records_in_shared_groups"] == 12
    assert report.finding("split-duplicates").metrics["exact"] == 12


def test_single_class_is_said_plainly() -> None:
    records = [Example(f"only one label here {i}", "bad") for i in range(30)]
    report = audit(records, task=TOY)
    assert report.finding("shortcuts").verdict == "n/a"
    assert "only one label" in report.finding("shortcuts").message
    assert report.finding("twins").verdict == "ok"
    assert report.verdict == "ok"
    report.raise_for_findings()  # n/a is not a finding


def test_tiny_data_and_no_group_do_not_crash() -> None:
    tiny = [Example("a b c", "bad"), Example("d e f", "clean"), Example("g h i", "bad")]
    report = audit(tiny, task=TOY)
    assert report.finding("shortcuts").verdict == "n/a"
    assert "too few records" in report.finding("shortcuts").message
    assert report.finding("split-duplicates").verdict == "n/a"
    records, _ = _clean(60)
    ungrouped = [Example(r.text, r.label) for r in records]
    g = audit(ungrouped, task=TOY).finding("group-leakage")
    assert g.verdict == "n/a" and "no natural group" in g.message


def test_non_classification_task_audits_duplicates_only() -> None:
    docs = [Document(f"security prose number {i % 7} about things") for i in range(20)]
    report = audit(docs, task="corpus")
    assert report.finding("duplicates").metrics["redundant_copies"] == 13
    assert all(report.finding(c).verdict == "n/a" for c in ("twins", "shortcuts", "source", "group-leakage"))


def test_bad_arguments_say_what_to_do() -> None:
    records, sources = _clean(40)
    with pytest.raises(ValueError, match="unknown split"):
        audit(records, task=TOY, split="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="source ids"):
        audit(records, task=TOY, source_ids=sources[:3])
    with pytest.raises(ValueError, match="no records"):
        audit([], task=TOY)


def test_strict_raises_and_the_report_writes_json_markdown_and_a_plot(tmp_path: Path) -> None:
    records, sources = _planted(200)
    with pytest.raises(AuditFindingsError, match="found") as err:
        audit(records, task=TOY, source_ids=sources, strict=True)
    report = err.value.report
    files = report.write(tmp_path)
    assert {f.name for f in files} == {"audit.json", "audit.md", "audit.png"}
    data = json.loads((tmp_path / "audit.json").read_text())
    assert data["verdict"] == "fail" and {f["check"] for f in data["findings"]} >= {"twins", "shortcuts"}
    assert "| shortcuts | fail |" in (tmp_path / "audit.md").read_text()
    assert "shortcuts" in report.summary() and "fail" in report.summary()
    assert report.compact()["verdict"] == "fail"


def test_probe_verdict_thresholds() -> None:
    assert probe_verdict(0.52, 0.95, 0.5)[0] == "ok"  # near chance
    assert probe_verdict(0.90, 0.95, 0.5)[0] == "fail"  # >= 90% of the baseline
    assert probe_verdict(0.80, 0.95, 0.5)[0] == "warn"  # 67% of the gain over chance
    assert probe_verdict(0.60, 0.95, 0.5)[0] == "ok"


def test_cli_audit_strict_exit_and_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    rng = random.Random(1)
    rows = []
    for i in range(120):
        family = "Worms" if i % 2 else "Trojan"
        calls = [rng.choice(WORDS) for _ in range(30 if family == "Worms" else 8)]
        rows.append(record_to_dict(Example(" ".join(calls), family)))
    src = tmp_path / "calls.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "audit"
    result = runner.invoke(app, ["data", "audit", str(src), "--task", "malware-family", "--out", str(out),
                                 "--split", "random"])
    assert result.exit_code == 0, result.output
    assert "call-shape" in result.output and (out / "audit.md").is_file()
    strict = runner.invoke(app, ["data", "audit", str(src), "--task", "malware-family", "--strict"])
    assert strict.exit_code == 1
    bad = runner.invoke(app, ["data", "audit", str(src), "--task", "malware-family", "--split", "sideways"])
    assert bad.exit_code == 2 and "--split" in bad.output


# ------------------------------------------------------------------------------------------------
# the real samples: each artefact of issue 8


@pytest.mark.integration
def test_real_phishing_urls_host_leakage_and_scheme_www_tells(shared_data: Path) -> None:
    d = shared_data / "phishing_url"
    report = audit([(d / "2.online-valid.csv", "phishtank"), (d / "1.Benign_list_big_final.csv", "url-list")],
                   task="phishing-url", split="random", max_samples=5000, probe_cap=10_000)
    g = report.finding("group-leakage")
    assert g.verdict == "fail" and g.metrics["fraction"] > 0.5
    assert g.metrics["random_cv_score"] > 0.97 and g.metrics["drop"] >= 0.04
    probes = {p.name: p for p in report.probes}
    assert any("scheme=https" in f and "phishing" in f for f in probes["scheme"].features)
    assert probes["scheme+www"].verdict in ("warn", "fail")
    assert any(t.startswith("www=yes") for t in probes["www"].features)
    assert report.finding("source").metrics["purity"] == 1.0


@pytest.mark.integration
def test_real_email_corpus_markers_and_source_probe(shared_data: Path) -> None:
    d = shared_data / "phishing_email"
    report = audit([(d / "nazario_phishing_curated.csv", "email-csv"),
                    (d / "enron_spam_ham_subset600.csv", "email-csv", {"positive": "spam"})],
                   task="phishing-email", probe_cap=1200)
    markers = report.finding("markers")
    assert markers.verdict == "warn"
    found = {m["feature"] for m in markers.metrics["markers"]}
    assert "word 'enron'" in found and "word 'jose@monkey.org'" in found
    source = report.finding("source")
    assert source.verdict == "fail"
    assert source.metrics["text_separates_sources"] > 0.95
    assert source.metrics["sources_recognised_per_label"]["spam"] > 0.95  # Enron spam is told from Nazario too
    assert any(h["label"] == "spam" for h in source.metrics["held_out_labels"])
    assert any(p.name == "date-year" and p.verdict != "ok" for p in report.probes)


@pytest.mark.integration
def test_real_juliet_twins_and_ceiling(shared_data: Path) -> None:
    report = audit((shared_data / "vuln_code/juliet_c_v1.3", "juliet"), task="vuln-detect", probe_cap=1500)
    t = report.finding("twins")
    assert t.verdict == "fail" and t.metrics["conflicting_groups"] >= 30
    assert 0.9 < t.metrics["accuracy_ceiling"] < 0.99
    assert any("badSink" in e and "goodG2BSink" in e for e in t.examples)
    assert report.finding("shortcuts").verdict == "fail"  # a template constant ('static') gives the label away


@pytest.mark.integration
def test_real_unsw_duplicates(shared_data: Path) -> None:
    report = audit((shared_data / "nids_flow/UNSW-NB15_unsw-nb15_training_10K.csv", "unsw-nb15"),
                   task="nids-flow", probe_cap=3000, near=False)
    d = report.finding("duplicates")
    assert d.verdict == "fail"
    assert d.metrics["fraction_with_exact_twin"] == pytest.approx(0.21, abs=0.015)
    assert report.finding("group-leakage").verdict == "n/a"
    assert any(p.name.startswith("column:") for p in report.probes)


@pytest.mark.integration
def test_real_malapi_duplicate_groups_span_families(shared_data: Path) -> None:
    report = audit((shared_data / "malware_api/mal-api-2019_100_calls.zip", "mal-api"), task="malware-family",
                   probe_cap=800, near=False)
    d, t = report.finding("duplicates"), report.finding("twins")
    assert d.metrics["redundant_copies"] >= 20 and d.metrics["groups_spanning_labels"] >= 2
    assert t.metrics["conflicting_groups"] >= 2
    assert all(len(span) >= 2 for span in t.metrics["spanning"])


def test_prepare_runs_the_audit_and_prints_its_summary(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app
    from llmsec.data import prepare

    records, _ = _planted(120)
    rows = [record_to_dict(Example(r.text, "Worms" if r.label == "bad" else "Trojan")) for r in records]
    src = tmp_path / "calls.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = prepare(src, task="malware-family", out=tmp_path / "p", split="random")
    assert report.audit is not None and report.audit["verdict"] == "fail"
    assert (tmp_path / "p" / "audit.json").is_file() and "audit.md" in report.files
    assert "audit: fail" in report.summary() and "## Audit: fail" in (tmp_path / "p" / "report.md").read_text()
    result = CliRunner().invoke(app, ["data", "prepare", str(src), "--task", "malware-family", "--out",
                                      str(tmp_path / "q"), "--split", "random"])
    assert result.exit_code == 0, result.output
    assert "audit: fail" in result.output and "shortcuts" in result.output
    again = CliRunner().invoke(app, ["data", "audit", str(tmp_path / "q")])  # a prepared folder: its split
    assert again.exit_code == 0, again.output
    assert "split given" in again.output

"""prepare: load -> adapt -> scrub -> dedup -> split -> write, with counts that reconcile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.data import Example, PrepareReport, get_task, load_records, prepare, record_to_dict
from llmsec.data._load import as_sources

FUNC = "int f{n}(int a) {{ int b[8]; b[a] = {n}; return b[0] + a * {n} + helper_{n}(a); }}"


def _write(path: Path, records: list[Example]) -> Path:
    path.write_text("".join(json.dumps(record_to_dict(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _fixture(tmp_path: Path) -> Path:
    """40 distinct code examples in 20 projects, plus planted duplicates, a secret and a bad line."""
    records = [
        Example(FUNC.format(n=n) + f" /* case {n} */ long tail words number {n} alpha beta gamma delta {n * 7}",
                "vulnerable" if n % 2 else "safe", group=f"proj{n // 2}")
        for n in range(40)
    ]
    records.append(records[3])  # exact duplicate
    records.append(Example(records[4].text + " extra", records[4].label, group="proj2"))  # near duplicate
    # a near twin with the other label
    records.append(Example(records[6].text.replace("gamma", "GAMMA"), "vulnerable", group="proj3"))
    records.append(Example('char *key = "AKIAIOSFODNN7EXAMPLE"; int z = 1;', "safe", group="proj30"))
    path = _write(tmp_path / "src.jsonl", records)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"text": "no label", "label": ""}\n')  # rejected by the loader
        fh.write('{"text": "an unknown label", "label": "maybe"}\n')  # rejected by the task
    return path


def test_prepare_reconciles_and_writes_everything(tmp_path: Path) -> None:
    from datasets import load_from_disk

    out = tmp_path / "out"
    report = prepare(_fixture(tmp_path), task="vuln-detect", out=out, split="group", test_size=0.25)
    assert isinstance(report, PrepareReport)
    assert (report.read, report.loaded, report.rejected) == (46, 45, 1)
    assert report.task_rejected == 1
    assert report.task_reasons == {"label 'maybe' is not one of ['safe', 'vulnerable']": 1}
    assert report.duplicates["exact"] == 1 and report.duplicates["near"] == 1
    assert report.duplicates["near_pairs_kept"] == 1
    assert report.scrubbed == {"AWS_ACCESS_KEY": 1} and report.scrubbed_records == 1
    kept = report.kept["train"] + report.kept["test"]
    assert report.loaded == report.task_rejected + report.removed + kept
    assert report.group_overlap == 0 and report.contamination["contaminated"] == 0
    report.reconcile()

    ds = load_from_disk(str(out))
    assert set(ds) == {"train", "test"}
    assert ds["train"].num_rows == report.kept["train"] and ds["test"].num_rows == report.kept["test"]
    assert set(ds["train"].column_names) >= {"text", "label", "label_id", "group"}
    assert set(ds["train"]["group"]).isdisjoint(list(ds["test"]["group"]))
    assert all(get_task("vuln-detect").labels[i] == lab for i, lab in zip(ds["test"]["label_id"], ds["test"]["label"],
                                                                          strict=True))
    assert not any("AKIA" in t for t in [*ds["train"]["text"], *ds["test"]["text"]])

    train, load_report = load_records(out / "train.jsonl", "jsonl")
    assert len(train) == report.kept["train"] and load_report.rejected == 0
    assert all(isinstance(r, Example) for r in train)
    saved = json.loads((out / "report.json").read_text())
    assert saved["kept"] == report.kept and saved["removed"] == report.removed
    md = (out / "report.md").read_text()
    assert "## De-duplication" in md and "src.jsonl:" in md  # rejected examples carry file:line


def test_prepare_views_and_no_split(tmp_path: Path) -> None:
    from datasets import load_from_disk

    src = _fixture(tmp_path)
    conv = prepare(src, task="vuln-detect", out=tmp_path / "c", split=None, view="conversation")
    ds = load_from_disk(str(tmp_path / "c"))
    assert list(ds) == ["train"] and conv.kept == {"train": ds["train"].num_rows}
    assert ds["train"][0]["messages"][-1]["role"] == "assistant"
    prepare(src, task="vuln-detect", out=tmp_path / "p", split="random", view="corpus", dedup=False, scrub=False)
    corpus = load_from_disk(str(tmp_path / "p"))
    assert corpus["train"].column_names == ["text"]
    assert corpus["train"].num_rows + corpus["test"].num_rows == 44  # nothing removed


def test_prepare_rewrites_its_own_output_but_not_a_foreign_directory(tmp_path: Path) -> None:
    src = _fixture(tmp_path)
    out = tmp_path / "out"
    prepare(src, task="vuln-detect", out=out, split="random")
    prepare(src, task="vuln-detect", out=out, split=None)  # replaces the earlier output
    assert not (out / "test").exists() and not (out / "test.jsonl").exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds other files"):
        prepare(src, task="vuln-detect", out=tmp_path / "busy")


def test_prepare_bad_arguments_say_what_to_do(tmp_path: Path) -> None:
    src = _fixture(tmp_path)
    with pytest.raises(ValueError, match="has no 'pair' view"):
        prepare(src, task="corpus", out=tmp_path / "o")
    with pytest.raises(ValueError, match="no option 'colour'; its options are"):
        prepare(src, task="vuln-detect", out=tmp_path / "o", options={"colour": "red"})
    with pytest.raises(KeyError, match="Did you mean 'vuln-detect'"):
        prepare(src, task="vuln-detec", out=tmp_path / "o")
    with pytest.raises(ValueError, match="no time"):
        prepare(src, task="vuln-detect", out=tmp_path / "o", split="time")


def test_prepare_warns_when_a_group_split_cannot_honour_the_test_size(tmp_path: Path) -> None:
    records = [Example(f"flow number {n} " + "x " * (n % 7) + f"port={n}", "benign" if n % 3 else "malicious",
                       group="10.0.0.1" if n else "10.0.0.2") for n in range(30)]
    report = prepare(_write(tmp_path / "f.jsonl", records), task="nids-flow", out=tmp_path / "o", near_dedup=False)
    assert report.kept["test"] in (1, 29)
    assert report.warnings and "only 2 groups" in report.warnings[0]
    assert "## Warnings" in (tmp_path / "o" / "report.md").read_text()


def test_as_sources_forms() -> None:
    assert [s.format for s in as_sources("a.csv", "nvd")] == ["nvd"]
    one = as_sources(("a.csv", "phishtank"))
    assert len(one) == 1 and one[0].format == "phishtank"
    two = as_sources([("a.csv", "phishtank"), ("b.csv", "url-list", {"label": "benign"})], options={"x": 1})
    assert [(s.format, dict(s.options)) for s in two] == [("phishtank", {"x": 1}),
                                                          ("url-list", {"x": 1, "label": "benign"})]
    assert len(as_sources(("a.csv", "b.csv"))) == 2  # a tuple of paths is two sources


# --- real data ------------------------------------------------------------------------------


@pytest.mark.integration
def test_prepare_nvd_cve_to_cwe_time_split(shared_data: Path, tmp_path: Path) -> None:
    report = prepare(shared_data / "cve_text" / "nvdcve-1.1-recent_2023-03.json", format="nvd", task="cve-to-cwe",
                     out=tmp_path / "nvd", split="time")
    assert (report.read, report.loaded, report.rejected) == (678, 481, 197)
    assert report.sources[0].reasons == {"no CWE assigned": 193, "rejected CVE": 4}
    assert report.task_reasons == {"no specific CWE (NVD-CWE-noinfo)": 31, "no specific CWE (NVD-CWE-Other)": 5}
    report.reconcile()
    train, _ = load_records(tmp_path / "nvd" / "train.jsonl", "jsonl")
    test, _ = load_records(tmp_path / "nvd" / "test.jsonl", "jsonl")
    assert max(r.time for r in train) <= min(r.time for r in test)  # a time split
    assert {r.group for r in train}.isdisjoint(r.group for r in test)  # group = CVE id
    assert all(r.label.startswith("CWE-") for r in train + test)
    assert report.contamination["contaminated"] == 0


@pytest.mark.integration
def test_prepare_juliet_group_split_keeps_test_cases_apart(shared_data: Path, tmp_path: Path) -> None:
    report = prepare(shared_data / "vuln_code" / "juliet_c_v1.3", format="juliet", task="vuln-detect",
                     out=tmp_path / "j", split="group", max_samples=800)
    assert report.read == report.loaded == 800
    report.reconcile()
    train, _ = load_records(tmp_path / "j" / "train.jsonl", "jsonl")
    test, _ = load_records(tmp_path / "j" / "test.jsonl", "jsonl")
    cases = lambda recs: {r.meta["case_id"] for r in recs}  # noqa: E731
    assert cases(train).isdisjoint(cases(test))
    assert {r.group for r in train}.isdisjoint(r.group for r in test)
    assert report.group_overlap == 0 and report.duplicates["exact"] > 0
    assert set(report.labels["test"]) == {"safe", "vulnerable"}


@pytest.mark.integration
def test_prepare_phishing_urls_from_two_sources(shared_data: Path, tmp_path: Path) -> None:
    urls = shared_data / "phishing_url"
    report = prepare([(urls / "2.online-valid.csv", "phishtank"), (urls / "1.Benign_list_big_final.csv", "url-list")],
                     task="phishing-url", out=tmp_path / "u", split="group", max_samples=3000)
    assert [s.format for s in report.sources] == ["phishtank", "url-list"]
    assert report.read == 6000 and report.rejected == 0
    report.reconcile()
    for split in ("train", "test"):
        assert set(report.labels[split]) == {"benign", "phishing"}
    train, _ = load_records(tmp_path / "u" / "train.jsonl", "jsonl")
    test, _ = load_records(tmp_path / "u" / "test.jsonl", "jsonl")
    assert {r.group for r in train}.isdisjoint(r.group for r in test)  # registered domains


@pytest.mark.integration
def test_prepare_nsl_kdd_flows(shared_data: Path, tmp_path: Path) -> None:
    from datasets import load_from_disk

    report = prepare(shared_data / "nids_flow" / "NSL-KDD_KDDTest+.txt", format="nsl-kdd", task="nids-flow",
                     out=tmp_path / "k", split="random", max_samples=4000)
    assert report.read == 4000
    report.reconcile()
    ds = load_from_disk(str(tmp_path / "k"))
    assert ds["train"].num_rows + ds["test"].num_rows == report.total_kept
    assert set(ds["test"]["label"]) == {"benign", "malicious"}
    assert ds["test"][0]["text"].startswith("duration=")
    train, _ = load_records(tmp_path / "k" / "train.jsonl", "jsonl")
    assert "features" in train[0].meta  # the numeric features travel with the records


@pytest.mark.integration
def test_prepare_generation_task_with_one_record_per_label(shared_data: Path, tmp_path: Path) -> None:
    report = prepare(shared_data / "sec_qa" / "ctibench" / "cti-ate.tsv", format="ctibench-ate",
                     task="attack-technique", out=tmp_path / "a", split="group", view="conversation")
    assert report.read == 60 and report.kept["test"] > 0 and not report.warnings
    report.reconcile()


# --- CLI --------------------------------------------------------------------------------------


def test_cli_prepare_formats_tasks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    runner = CliRunner()
    src = _fixture(tmp_path)
    result = runner.invoke(app, ["data", "prepare", str(src), "--format", "jsonl", "--task", "vuln-detect",
                                 "--out", str(tmp_path / "o"), "--split", "random", "--test-size", "0.25",
                                 "--scrub-ips"])
    assert result.exit_code == 0, result.output
    assert "duplicates removed" in result.output and "contamination" in result.output
    saved = json.loads((tmp_path / "o" / "report.json").read_text())
    assert saved["split"] == "random" and saved["settings"]["scrub_ips"] is True

    result = runner.invoke(app, ["data", "prepare", str(src), "--task", "vuln-detect", "--out", str(tmp_path / "n"),
                                 "--split", "none", "--no-dedup", "--no-scrub"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "n" / "report.json").read_text())["kept"] == {"train": 44}

    bad = runner.invoke(app, ["data", "prepare", str(src), "--task", "vuln-detect", "--out", str(tmp_path / "b"),
                              "--option", "colour=red"])
    assert bad.exit_code == 2 and "no option 'colour'" in bad.output

    formats = runner.invoke(app, ["data", "formats"], env={"COLUMNS": "200"})
    assert formats.exit_code == 0 and "phishtank" in formats.output and "nsl-kdd" in formats.output
    tasks = runner.invoke(app, ["data", "tasks"], env={"COLUMNS": "200"})
    assert tasks.exit_code == 0 and "cvss-predict" in tasks.output and "registered domain" in tasks.output


def test_cli_parse_options() -> None:
    from llmsec.cli.data import parse_options

    assert parse_options(["labels=attack", "2:max_calls=100", "flag=true"], 2) == [
        {"labels": "attack", "flag": True},
        {"labels": "attack", "max_calls": 100, "flag": True},
    ]
    with pytest.raises(ValueError, match="not key=value"):
        parse_options(["oops"], 1)
    with pytest.raises(ValueError, match="names source 3"):
        parse_options(["3:a=b"], 2)

"""Sources beyond files: tables with a `columns` mapping, `datasets` folders, hub ids from the local cache."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmsec.data import (
    Conversation,
    Document,
    Example,
    FormatError,
    MultipleChoice,
    PrepareConfig,
    load_records,
    pick_format,
    prepare,
    resolve_source,
)

ROWS = {
    "func": ["void f(char *s) { char b[8]; strcpy(b, s); }", "int g(int a) { return a + 1; }", "",
             "int h(void) { return 0; }"],
    "target": [1, 0, 1, 7],
    "project": ["ffmpeg", "qemu", "qemu", "ffmpeg"],
    "commit": ["a1", "b2", "c3", "d4"],
}
COLUMNS = {"code": "func", "label": "target", "group": "project", "meta": ["commit"]}


def _parquet(path: Path, rows: dict = ROWS) -> Path:
    pq.write_table(pa.table(rows), path)
    return path


def test_parquet_rows_map_onto_examples_and_every_row_is_counted(tmp_path: Path) -> None:
    src = _parquet(tmp_path / "devign.parquet")
    records, report = load_records(src, columns=COLUMNS, labels=["safe", "vulnerable"])
    assert [type(r) for r in records] == [Example, Example]
    first = records[0]
    assert (first.label, first.group, first.meta["commit"], first.meta["source_row"]) == ("vulnerable", "ffmpeg",
                                                                                           "a1", 1)
    assert (report.read, report.loaded, report.rejected) == (4, 2, 2)
    reasons = {(Path(r.file).name, r.line): r.reason for r in report.rejections}
    assert reasons[("devign.parquet", 3)] == "empty 'func'"
    assert "label 7 is not one the labels option names" in reasons[("devign.parquet", 4)]


def test_a_task_refusal_is_a_rejection_with_file_row_and_reason(tmp_path: Path) -> None:
    src = _parquet(tmp_path / "d.parquet", {"func": ROWS["func"], "verdict": ["vulnerable", "benign", "safe", "safe"]})
    records, report = load_records(src, columns={"code": "func", "label": "verdict"}, task="vuln-detect")
    assert [r.label for r in records] == ["vulnerable", "safe"]
    assert (report.read, report.loaded, report.rejected, report.task_rejected) == (4, 2, 2, 1)
    (refused,) = [r for r in report.rejections if r.by == "task"]  # read by the loader, refused by the task
    assert (Path(refused.file).name, refused.line) == ("d.parquet", 2) and "'benign' is not one of" in refused.reason
    (unreadable,) = [r for r in report.rejections if r.by == "format"]
    assert unreadable.line == 3 and unreadable.reason == "empty 'func'"


def test_a_mapping_that_names_a_missing_column_or_field_says_what_exists(tmp_path: Path) -> None:
    src = _parquet(tmp_path / "d.parquet")
    with pytest.raises(FormatError, match=r"no column \['code_text'\].*func, target, project, commit"):
        load_records(src, columns={"code": "code_text"})
    with pytest.raises(FormatError, match="unknown record field"):
        load_records(src, columns={"body": "func"})
    with pytest.raises(FormatError, match="no column maps to a record's text"):
        load_records(src, "table")


def test_csv_and_jsonl_with_columns_read_as_tables(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("body,verdict\n\"multi\nline\",phishing\nhello,benign\n")
    assert pick_format(csv, options={"columns": {"text": "body"}}) == "table"
    records, report = load_records(csv, columns={"text": "body", "label": "verdict"})
    assert [(r.text, r.label) for r in records] == [("multi\nline", "phishing"), ("hello", "benign")]
    assert records[1].meta["source_row"] == 4 and report.lines == 4
    jl = tmp_path / "d.jsonl"
    jl.write_text(json.dumps({"q": "What is XSS?", "a": "Script injection."}) + "\n" + json.dumps({"q": "x"}) + "\n")
    assert pick_format(jl) == "jsonl" and pick_format(jl, options={"columns": {}}) == "table"
    convs, report = load_records(jl, columns={"prompt": "q", "answer": "a"})
    assert isinstance(convs[0], Conversation) and convs[0].as_chat()[1]["content"] == "Script injection."
    assert report.rejected == 1 and "'answer' is not a string" in report.rejections[0].reason


def test_multiple_choice_and_documents_from_columns(tmp_path: Path) -> None:
    src = _parquet(tmp_path / "mcq.parquet", {"question": ["Which port does SSH use?"], "choices": [["21", "22"]],
                                              "answer": [1]})
    (mcq,), _ = load_records(src)  # columns named like the fields need no mapping
    assert isinstance(mcq, MultipleChoice) and mcq.answer == "B"
    docs, _ = load_records(_parquet(tmp_path / "c.parquet", {"body": ["CVE text"]}), columns={"text": "body"})
    assert isinstance(docs[0], Document)


def _hf_dataset(rows: dict) -> object:
    from datasets import ClassLabel, Dataset, Features, Value

    features = Features({"text": Value("string"), "label": ClassLabel(names=["safe", "vulnerable"]),
                         "group": Value("string")})
    return Dataset.from_dict(rows, features=features)


HF_ROWS = {"text": ["strcpy(b, s);", "snprintf(b, sizeof b, s);", "gets(buf);", "fgets(buf, n, f);"],
           "label": [1, 0, 1, 0], "group": ["p1", "p2", "p3", "p4"]}


def test_a_datasets_folder_and_one_split_of_a_dataset_dict(tmp_path: Path) -> None:
    from datasets import DatasetDict

    ds = _hf_dataset(HF_ROWS)
    ds.save_to_disk(str(tmp_path / "one"))
    DatasetDict({"train": ds, "test": ds.select([2, 3])}).save_to_disk(str(tmp_path / "dict"))
    assert pick_format(tmp_path / "one") == "datasets" == pick_format(tmp_path / "dict")
    records, report = load_records(tmp_path / "one")
    assert [r.label for r in records] == ["vulnerable", "safe", "vulnerable", "safe"]  # ClassLabel names
    assert report.read == report.loaded == 4
    test, _ = load_records(tmp_path / "dict", split="test")
    assert [r.text for r in test] == ["gets(buf);", "fgets(buf, n, f);"]
    with pytest.raises(FormatError, match=r"no split 'valid'.*train, test"):
        load_records(tmp_path / "dict", split="valid")


def _hub_cache(root: Path, repo: str) -> Path:
    """The hub cache layout ``snapshot_download`` leaves: blobs, refs/main, snapshot links."""
    folder = root / f"datasets--{repo.replace('/', '--')}"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(commit)
    blobs = folder / "blobs"
    blobs.mkdir()
    snap = folder / "snapshots" / commit / "data"
    snap.mkdir(parents=True)
    for split, idx in (("train", [0, 1, 2]), ("test", [3])):
        blob = blobs / f"blob-{split}"
        _hf_dataset({k: [v[i] for i in idx] for k, v in HF_ROWS.items()}).to_parquet(str(blob))
        (snap / f"{split}-00000-of-00001.parquet").symlink_to(blob)
    (snap.parent / "README.md").write_text("---\nlicense: mit\n---\n")
    return folder


def test_a_hub_id_is_read_offline_from_the_local_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "ds"))
    _hub_cache(tmp_path / "hub", "acme/toy-vulns")
    train, report = load_records("hf:acme/toy-vulns")
    assert [r.label for r in train] == ["vulnerable", "safe", "vulnerable"] and report.read == 3
    test, _ = load_records("hf:acme/toy-vulns:test", task="vuln-detect")
    assert [(r.text, r.label) for r in test] == [("fgets(buf, n, f);", "safe")]
    with pytest.raises(FileNotFoundError, match=r"not in the local cache.*huggingface-cli download"):
        load_records("hf:acme/absent")
    with pytest.raises(ValueError, match="not a hub dataset id"):
        resolve_source("hf:not a repo")


def test_a_hub_id_is_read_from_the_datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "ds"))
    prepared = tmp_path / "ds" / "acme___toy-vulns" / "default" / "0.0.0" / "abc123"
    prepared.mkdir(parents=True)
    ds = _hf_dataset(HF_ROWS)
    (prepared / "dataset_info.json").write_text(json.dumps({"features": ds.features.to_dict()}))
    with pa.OSFile(str(prepared / "toy-vulns-train.arrow"), "wb") as sink, \
            pa.ipc.new_stream(sink, ds.data.table.schema) as writer:  # the stream format datasets writes
        writer.write_table(ds.data.table)
    records, _ = load_records("hf:acme/toy-vulns")
    assert [r.label for r in records] == ["vulnerable", "safe", "vulnerable", "safe"]


def test_prepare_reads_a_parquet_source_from_a_yaml_config(tmp_path: Path) -> None:
    src = _parquet(tmp_path / "d.parquet", {"func": [f"int f{i}(int a) {{ return a * {i}; }}" for i in range(20)],
                                            "target": [i % 2 for i in range(20)],
                                            "project": [f"p{i}" for i in range(20)]})
    cfg = tmp_path / "prepare.yaml"
    cfg.write_text(f"task: vuln-detect\nout: {tmp_path / 'out'}\nsplit: random\naudit: false\nsources:\n"
                   f"  - path: {src}\n    options:\n      columns: {{code: func, label: target, group: project}}\n"
                   "      labels: [safe, vulnerable]\n")
    config = PrepareConfig.from_yaml(cfg)
    report = prepare(config)
    assert report.sources[0].format == "table" and report.read == report.loaded == 20
    assert report.kept["train"] + report.kept["test"] == 20 - report.removed
    same = prepare(src, task="vuln-detect", out=tmp_path / "kw", split="random", audit=False,
                   options={"columns": {"code": "func", "label": "target", "group": "project"},
                            "labels": ["safe", "vulnerable"]})
    assert same.kept == report.kept and same.labels == report.labels


def test_one_config_one_set_of_errors(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        PrepareConfig(task="vuln-detect", out=tmp_path, sources=["x.jsonl"], test_size=2.0, view="table",
                      colour="red")
    text = str(err.value)
    assert "test_size" in text and "unknown view 'table'" in text and "colour" in text  # all at once
    with pytest.raises(ValueError, match="unknown split 'sideways'"):
        prepare("x.jsonl", task="vuln-detect", out=tmp_path, split="sideways")
    with pytest.raises(ValueError, match="PrepareConfig and settings"):
        prepare(PrepareConfig(task="vuln-detect", out=tmp_path, sources=["x.jsonl"]), seed=3)


def test_the_enron_csv_reads_through_columns_as_its_own_format_does(shared_data: Path) -> None:
    src = shared_data / "phishing_email" / "enron_spam_ham_subset600.csv"
    records, report = load_records(src, columns={"text": "email", "label": "label"})
    assert report.read == report.loaded == 475 and {r.label for r in records} == {"ham", "spam"}
    assert records[0].text.startswith("Subject: nomination change")


def test_recipe_checks_name_a_hub_id_that_is_not_cached_or_malformed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsec.config import recipe_from_dict
    from llmsec.train import preflight

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "ds"))
    _hub_cache(tmp_path / "hub", "acme/toy-vulns")
    stages = [{"kind": "transfer", "name": f"s{i}", "task": "vuln-detect", "data": {"train": train}}
              for i, train in enumerate(("hf:acme/toy-vulns", "hf:acme/absent", "hf:not a repo"))]
    problems = preflight(recipe_from_dict({"model": {"name": "x"}, "stages": stages}), check_model=False)
    assert len(problems) == 2, problems
    assert "stages.1.data.train" in problems[0] and "not in the local cache" in problems[0]
    assert "stages.2.data.train" in problems[1] and "not a hub dataset id" in problems[1]


def test_a_hub_dataset_config_picks_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    snap = _hub_cache(tmp_path / "hub", "acme/multi") / "snapshots"
    data = next(snap.iterdir()) / "data"
    for config, rows in (("c-code", HF_ROWS["text"][:2]), ("python", HF_ROWS["text"][2:])):
        (data.parent / config).mkdir()
        pq.write_table(pa.table({"text": rows, "label": ["vulnerable", "safe"]}),
                       data.parent / config / "train-00000-of-00001.parquet")
    both, _ = load_records("hf:acme/multi")  # every config's train files (and data/'s)
    assert len(both) == 3 + 2 + 2
    python, report = load_records("hf:acme/multi/python:train")
    assert [r.text for r in python] == HF_ROWS["text"][2:] and report.read == 2
    assert Path(python[0].meta["file"]).parent.name == "python"
    with pytest.raises(FormatError, match="in go/"):
        load_records("hf:acme/multi/go")

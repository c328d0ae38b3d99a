"""``llmsec data prepare``: the closing line names the files that were written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.data import Example, record_to_dict

runner = CliRunner()
FUNC = "int f{n}(int a) {{ int b[8]; b[a] = {n}; return b[0] + a * {n} + helper_{n}(a); }} /* words {n} */"


def _source(tmp_path: Path) -> Path:
    records = [Example(FUNC.format(n=n) + f" alpha beta gamma {n * 7}", "vulnerable" if n % 2 else "safe",
                       group=f"proj{n // 2}") for n in range(60)]
    path = tmp_path / "src.jsonl"
    path.write_text("".join(json.dumps(record_to_dict(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_prepare_lists_every_audit_file_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["data", "prepare", str(_source(tmp_path)), "--task", "vuln-detect",
                                 "--out", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    wrote = next(line for line in result.output.splitlines() if line.startswith("wrote "))
    audit_files = sorted(p.name for p in out.glob("audit*"))
    assert audit_files and {"audit.json", "audit.md"} <= set(audit_files)
    assert all(name in wrote for name in audit_files), (wrote, audit_files)


def test_prepare_without_audit_names_no_audit_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["data", "prepare", str(_source(tmp_path)), "--task", "vuln-detect",
                                 "--out", str(out), "--no-audit"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert not list(out.glob("audit*"))
    assert "audit." not in next(line for line in result.output.splitlines() if line.startswith("wrote "))


def test_prepare_follows_symlinks_out_of_a_folder_only_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    for n in range(40):
        (root / f"d{n}.txt").write_text(f"Security note {n}: patch the parser, rotate keys, word{n * 13}.\n")
    secret = tmp_path / "outside.txt"
    secret.write_text("outside-the-folder canary text that must stay out\n")
    (root / "link.txt").symlink_to(secret)
    args = ["data", "prepare", str(root), "--task", "corpus", "--view", "corpus", "--split", "none",
            "--no-audit", "--no-dedup"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "a")], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "outside the source folder" in result.output
    assert "canary" not in "".join(p.read_text() for p in (tmp_path / "a").glob("*.jsonl"))
    result = runner.invoke(app, [*args, "--follow-symlinks", "--out", str(tmp_path / "b")], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "canary" in "".join(p.read_text() for p in (tmp_path / "b").glob("*.jsonl"))


def test_prepare_reads_a_parquet_table_through_column_flags(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "t.parquet"
    pq.write_table(pa.table({"func": [FUNC.format(n=n) for n in range(30)] + [""],
                             "target": [n % 2 for n in range(30)] + [1]}), src)
    out = tmp_path / "out"
    result = runner.invoke(app, ["data", "prepare", str(src), "--task", "vuln-detect", "--out", str(out),
                                 "--column", "code=func", "--column", "label=target",
                                 "--option", 'labels=["safe", "vulnerable"]', "--split", "random",
                                 "--no-audit"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["sources"][0]["format"] == "table"
    assert (report["read"], report["loaded"], report["rejected"]) == (31, 30, 1)
    assert report["sources"][0]["reasons"] == {"empty 'func'": 1}


def test_prepare_takes_a_yaml_config_and_flags_override_it(tmp_path: Path) -> None:
    src = _source(tmp_path)
    cfg = tmp_path / "prep.yaml"
    cfg.write_text(f"task: vuln-detect\nout: {tmp_path / 'a'}\nsources: [{src}]\nsplit: random\nseed: 3\n"
                   "audit: false\n")
    result = runner.invoke(app, ["data", "prepare", "--config", str(cfg), "--out", str(tmp_path / "b"),
                                 "--test-size", "0.5"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert (report["split"], report["seed"], report["test_size"]) == ("random", 3, 0.5)
    assert not (tmp_path / "a").exists()
    cfg.write_text(f"task: vuln-detect\nout: {tmp_path / 'a'}\nsources: [{src}]\nsplit: sideways\ncolour: red\n")
    bad = runner.invoke(app, ["data", "prepare", "--config", str(cfg)], env={"COLUMNS": "400"})
    assert bad.exit_code != 0 and "unknown split 'sideways'" in bad.output and "colour" in bad.output


def test_audit_takes_a_yaml_config_and_flags_override_it(tmp_path: Path) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(f"task: vuln-detect\nsources: [{_source(tmp_path)}]\nsplit: random\nprobe_cap: 40\nfolds: 3\n")
    result = runner.invoke(app, ["data", "audit", "--config", str(cfg), "--seed", "5", "--out", str(tmp_path / "a")],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "a" / "audit.json").read_text())
    assert report["settings"] == {**report["settings"], "probe_cap": 40, "folds": 3, "seed": 5}
    assert report["split"] == "random" and report["n_records"] == 60

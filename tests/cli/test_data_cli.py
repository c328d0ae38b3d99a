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

"""The README's "Use it from Python" snippet runs as written (with 2 training steps instead of 10 epochs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Use it from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.integration
def test_readme_python_snippet_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = readme_snippet()
    assert '"num_train_epochs": 10' in code and 'output_dir="runs/vuln"' in code
    code = code.replace('"num_train_epochs": 10', '"max_steps": 2').replace(
        'output_dir="runs/vuln"', f'output_dir="{tmp_path / "vuln"}"')
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    for metric in ("accuracy", "f1", "roc_auc", "vd_s"):
        assert f"'{metric}'" in printed
    assert (tmp_path / "vuln" / "llmsec.json").is_file()

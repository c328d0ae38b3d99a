"""The three output formats: rich terminal, standalone HTML, JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from llmsec.explain import Explainer, render_html, render_json, render_terminal

CODE = "void copy(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}"
MAIL = "Subject: Verify <your> account\nFrom: support@paypa1.com\n\nClick here & keep access."


@pytest.fixture(scope="module")
def explanations(bert_ckpt: Path) -> list:
    ex = Explainer.from_checkpoint(bert_ckpt)
    return [ex.explain(CODE, method="gxi", top_k=2), ex.explain(MAIL, method="gxi", top_k=3)]


def test_json_round_trips(explanations: list) -> None:
    code = json.loads(render_json(explanations[:1]))
    assert code["unit"] == "line" and code["method"] == "gxi" and len(code["top"]) == 2
    assert code["text"] == CODE and len(code["units"]) == 5
    assert {"text", "start", "end", "score"} <= set(code["tokens"][0])
    both = json.loads(render_json(explanations))
    assert [e["unit"] for e in both["explanations"]] == ["line", "word"]
    assert [f["name"] for f in both["explanations"][1]["fields"]] == ["Subject", "From", "body"]


def test_html_is_standalone_and_highlights(explanations: list) -> None:
    page = render_html(explanations, titles=["copy.c", "mail"])
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "<script" not in page and "http://" not in page.split("</style>")[0]
    assert page.count("<h2>") == 2 and "copy.c" in page
    assert 'title="' in page and "background:rgba(" in page
    assert "<your>" not in page and "&lt;" in page and "&amp;" in page  # the input is escaped
    assert 'class="rank">#1<' in page and 'class="rank">#2<' in page and 'class="rank">#3<' not in page
    assert explanations[0].to_html().count("<h2>") == 1


def test_terminal_view(explanations: list) -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=120, force_terminal=True, color_system="truecolor")
    render_terminal(explanations, console=console)
    out = console.file.getvalue()
    assert "strcpy" in out and "top 2 lines" in out and "top 3 words" in out
    assert "\x1b[" in out  # highlighted
    assert "fields: Subject" in out
    assert "#1" in out

"""Render explanations: a rich terminal view, a standalone HTML report, JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._attribute import METHOD_NAMES

if TYPE_CHECKING:
    from ._explain import Explanation

_POS = (220, 38, 38)  # red: evidence for the explained label
_NEG = (37, 99, 235)  # blue: evidence against it

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:1100px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2.2rem;border-top:1px solid #d0d7de;padding-top:1rem}
.meta{color:#57606a;font-size:.9rem}.note{background:#fff8c5;border:1px solid #d4a72c;padding:.4rem .6rem;
border-radius:6px;margin:.5rem 0}.label{font-weight:600}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;
text-align:left;font-size:.9rem;vertical-align:top}th{background:#f6f8fa}
pre,.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
.code{border:1px solid #d0d7de;border-radius:6px;overflow-x:auto}
.code td{border:none;padding:0 .5rem;white-space:pre}.ln{color:#8c959f;text-align:right;user-select:none}
.rank{color:#cf222e;font-weight:700;text-align:right}.top td{background:#fff1f0}
.text{white-space:pre-wrap;border:1px solid #d0d7de;border-radius:6px;padding:.6rem}
.legend span{padding:0 .4rem;border-radius:3px}
"""


def _scale(explanation: Explanation) -> float:
    return max((abs(t.score) for t in explanation.tokens), default=0.0) or 1.0


def _rgb(score: float, scale: float) -> tuple[tuple[int, int, int], float]:
    return (_POS if score >= 0 else _NEG), min(1.0, abs(score) / scale)


def _summary(e: Explanation) -> str:
    probs = ", ".join(f"{k} {v:.3f}" for k, v in e.probabilities.items())
    return f"predicted {e.label} ({probs}); scores show evidence for '{e.target}' by {METHOD_NAMES[e.method]}"


def render_json(explanations: Sequence[Explanation], indent: int | None = 2) -> str:
    """One explanation as a JSON object, several as ``{"explanations": [...]}``."""
    if len(explanations) == 1:
        return explanations[0].to_json(indent)
    return json.dumps({"explanations": [e.to_dict() for e in explanations]}, indent=indent, ensure_ascii=False)


def _highlight_html(e: Explanation, start: int, end: int, scale: float) -> str:
    """The text ``start:end`` with every token inside it on a background coloured by its score."""
    out, pos = [], start
    for t in e.tokens:
        a, b = max(t.start, start), min(t.end, end)
        if b <= a:
            continue
        if a > pos:
            out.append(html.escape(e.text[pos:a]))
        (r, g, bl), alpha = _rgb(t.score, scale)
        out.append(f'<span style="background:rgba({r},{g},{bl},{alpha * 0.85:.2f})" '
                   f'title="{t.score:+.4g}">{html.escape(e.text[a:b])}</span>')
        pos = b
    if pos < end:
        out.append(html.escape(e.text[pos:end]))
    return "".join(out)


def _html_one(e: Explanation, index: int, title: str | None) -> str:
    scale = _scale(e)
    top = e.top()
    rank_of = {id(u): i for i, u in enumerate(top, start=1)}
    parts = [f"<h2>{html.escape(title or f'Input {index}')}</h2>",
             f'<p><span class="label">{html.escape(_summary(e))}</span></p>',
             f'<p class="meta">unit: {e.unit} · windows: {e.windows} · {e.seconds:.2f} s'
             + (f" · IG convergence delta {e.delta:.3g}" if e.delta is not None else "") + "</p>"]
    parts += [f'<div class="note">{html.escape(n)}</div>' for n in e.notes]
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(u.kind)}</td><td>{html.escape(u.name)}</td>"
        f"<td>{u.score:+.4g}</td><td><code>{html.escape(u.text.strip()[:160])}</code></td></tr>"
        for i, u in enumerate(top, start=1)
    )
    parts.append(f"<table><tr><th>#</th><th>kind</th><th>name</th><th>score</th><th>text</th></tr>{rows}</table>")
    if e.fields:
        frows = "".join(f"<tr><td>{html.escape(f.name)}</td><td>{f.score:+.4g}</td></tr>" for f in e.fields)
        parts.append(f"<table><tr><th>field</th><th>score</th></tr>{frows}</table>")
    if e.unit == "line":
        lines = []
        for u in e.units:
            rank = rank_of.get(id(u))
            cls = ' class="top"' if rank else ""
            lines.append(f'<tr{cls}><td class="rank">{f"#{rank}" if rank else ""}</td><td class="ln">{u.name}</td>'
                         f"<td>{_highlight_html(e, u.start, u.end, scale)}</td></tr>")
        parts.append(f'<table class="code">{"".join(lines)}</table>')
    else:
        parts.append(f'<div class="text code">{_highlight_html(e, 0, len(e.text), scale)}</div>')
    return "\n".join(parts)


def render_html(explanations: Sequence[Explanation], *, titles: Sequence[str] | None = None,
                heading: str = "llmsec explanation") -> str:
    """A standalone HTML report (inline CSS, no scripts, no external resources)."""
    if not explanations:
        raise ValueError("render_html needs at least one explanation")
    first = explanations[0]
    body = "\n".join(_html_one(e, i, titles[i - 1] if titles else None)
                     for i, e in enumerate(explanations, start=1))
    legend = (f'<p class="legend"><span style="background:rgba{(*_POS, 0.6)}">for the explained label</span> '
              f'<span style="background:rgba{(*_NEG, 0.6)}">against it</span></p>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head><body>\n"
        f"<h1>{html.escape(heading)}</h1>\n<p class=\"meta\">checkpoint: {html.escape(first.checkpoint)} · "
        f"method: {METHOD_NAMES[first.method]} · inputs: {len(explanations)}</p>\n{legend}\n{body}\n</body></html>\n"
    )


def _styled(e: Explanation, start: int, end: int, scale: float) -> Any:
    from rich.text import Text

    text = Text()
    pos = start
    for t in e.tokens:
        a, b = max(t.start, start), min(t.end, end)
        if b <= a:
            continue
        if a > pos:
            text.append(e.text[pos:a])
        (r, g, bl), alpha = _rgb(t.score, scale)
        mix = [int(255 - (255 - c) * alpha * 0.85) for c in (r, g, bl)]
        text.append(e.text[a:b], style=f"black on rgb({mix[0]},{mix[1]},{mix[2]})" if alpha > 0.05 else "")
        pos = b
    if pos < end:
        text.append(e.text[pos:end])
    return text


def render_terminal(explanations: Sequence[Explanation], console: Any = None, *,
                    titles: Sequence[str] | None = None) -> None:
    """Print each explanation to a rich console: summary, notes, top units, highlighted input."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    for i, e in enumerate(explanations, start=1):
        scale = _scale(e)
        console.rule(Text(titles[i - 1] if titles else (f"input {i}" if len(explanations) > 1 else "explanation")))
        console.print(Text(_summary(e), style="bold"))
        meta = f"unit: {e.unit} · windows: {e.windows} · {e.seconds:.2f} s"
        if e.delta is not None:
            meta += f" · IG convergence delta {e.delta:.3g}"
        console.print(Text(meta, style="dim"))
        for note in e.notes:
            console.print(Text(f"note: {note}", style="yellow"))
        top = e.top()
        table = Table(title=f"top {len(top)} {e.unit}s", title_justify="left")
        for col, just in (("#", "right"), ("name", "left"), ("score", "right"), ("text", "left")):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for rank, u in enumerate(top, start=1):
            table.add_row(str(rank), Text(u.name), f"{u.score:+.4g}", Text(u.text.strip()[:100]))
        console.print(table)
        if e.fields:
            console.print(Text("fields: " + ", ".join(f"{f.name} {f.score:+.3g}" for f in e.fields), style="dim"))
        if e.unit == "line":
            rank_of = {id(u): r for r, u in enumerate(top, start=1)}
            width = len(str(len(e.units)))
            for u in e.units:
                rank = rank_of.get(id(u))
                prefix = Text(f"{('#' + str(rank)) if rank else '':>4} {u.name:>{width}} │ ",
                              style="bold red" if rank else "dim")
                console.print(prefix + _styled(e, u.start, u.end, scale), soft_wrap=True)
        else:
            console.print(_styled(e, 0, len(e.text), scale), soft_wrap=True)

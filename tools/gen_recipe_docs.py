"""Rewrite the generated recipe reference in ``docs/recipes.md``.

The reference between the two marker comments is ``llmsec.config.recipe_reference()``,
rendered from the pydantic recipe models; the hand-written text around it is
kept as it is. Edit field descriptions in ``src/llmsec/config/_schema.py``, then
run this script. The output is deterministic: running it twice changes nothing.

Usage::

    .venv/bin/python tools/gen_recipe_docs.py          # rewrite the generated part
    .venv/bin/python tools/gen_recipe_docs.py --check  # fail if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "recipes.md"
BEGIN = "<!-- BEGIN GENERATED: llmsec.config.recipe_reference -->"
END = "<!-- END GENERATED -->"


def split(text: str) -> tuple[str, str, str]:
    """(before and BEGIN, the generated part, END and after) of a document.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"the document needs one {BEGIN!r} line followed by one {END!r} line")
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    return head + BEGIN, body, END + tail


def render(text: str) -> str:
    """``text`` with its generated part replaced by the current reference."""
    from llmsec.config import recipe_reference

    head, _, tail = split(text)
    return f"{head}\n\n{recipe_reference()}\n{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or, with ``--check``, verify) the generated part; returns an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the document differs from the models")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to rewrite")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            sys.stderr.write(f"{args.doc}: the recipe reference is stale (run tools/gen_recipe_docs.py)\n")
            return 1
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
    sys.stdout.write(f"{args.doc}: {'rewritten' if new != text else 'up to date'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

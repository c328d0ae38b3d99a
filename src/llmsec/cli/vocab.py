"""``llmsec vocab extend``: add domain tokens to a model's tokenizer and grow its embeddings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors

vocab_app = typer.Typer(help="Domain vocabulary: adapt a tokenizer to security text.", no_args_is_help=True)
app.add_typer(vocab_app, name="vocab")


@vocab_app.command("extend")
def extend(
    base: Annotated[str, typer.Argument(help="Base model: built-in name, local directory, .gguf or cached hub id.")],
    corpus: Annotated[str, typer.Option(help="The domain corpus: a file, folder or builtin:NAME.")],
    add: Annotated[int, typer.Option("--add", min=1, help="How many tokens to add.")],
    out: Annotated[Path, typer.Option(help="Where to write the extended tokenizer + model.")],
    format_: Annotated[
        str | None, typer.Option("--format", help="The corpus's source format (default: from its suffix).")
    ] = None,
    method: Annotated[
        str, typer.Option(help="Candidate model: auto (the base's kind), bpe or wordpiece.")
    ] = "auto",
    min_frequency: Annotated[
        int, typer.Option(min=1, help="Fewest occurrences of a candidate, and fewest tokens it must save.")
    ] = 2,
    max_samples: Annotated[int | None, typer.Option(min=1, help="Read at most this many records.")] = None,
    show: Annotated[int, typer.Option(min=0, help="Print this many of the added tokens.")] = 20,
) -> None:
    """Add the ADD tokens that most shorten CORPUS to BASE's tokenizer; save tokenizer + resized model to OUT."""
    from rich.console import Console
    from rich.markup import escape

    from ..data import corpus_texts, load_records
    from ..models import extend_model_dir

    console = Console()
    with user_errors():
        if method not in ("auto", "bpe", "wordpiece"):
            raise ValueError(f"--method must be auto, bpe or wordpiece, got {method!r}")
        records, report = load_records(corpus, format_, max_samples=max_samples)
        console.print(f"[bold]llmsec vocab extend[/] {escape(base)}: {report.loaded} records from "
                      f"{escape(corpus)}, adding {add} tokens")
        ext = extend_model_dir(base, corpus_texts(records), add, out, method=method,  # type: ignore[arg-type]
                               min_frequency=min_frequency)
    saved = ext.tokens_before - ext.tokens_after
    console.print(f"added {len(ext.tokens)} tokens; corpus tokens {ext.tokens_before:,} -> "
                  f"{ext.tokens_after:,} ({100 * saved / max(ext.tokens_before, 1):.1f}% fewer)")
    if show:
        console.print("first added: " + ", ".join(escape(repr(t)) for t in ext.tokens[:show]), highlight=False)
    console.print(f"saved to {escape(str(out))} (tokenizer + safetensors model; vocab_extension.json lists the tokens)")

"""``llmsec export CKPT --to merged|gguf``: a checkpoint as a serving folder or a llama.cpp file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors


@app.command("export")
def export_command(
    checkpoint: Annotated[str, typer.Argument(help="An llmsec checkpoint, adapter directory, model folder or "
                                                   "built-in name.")],
    to: Annotated[str, typer.Option("--to", help="merged (a save_pretrained folder) or gguf (one llama.cpp file).")
                  ] = "merged",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="The folder or .gguf file to write "
                                             "(default: beside the checkpoint).")] = None,
    outtype: Annotated[str, typer.Option("--type", help="GGUF tensor type: f16, bf16, f32 or q8_0.")] = "f16",
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    pre_tokenizer: Annotated[str | None, typer.Option(help="GGUF: llama.cpp's pre-tokenizer name "
                                                      "(tokenizer.ggml.pre) for a tokenizer llmsec does not "
                                                      "recognise.")] = None,
    check: Annotated[bool, typer.Option(help="GGUF: load the file back with transformers and print how far its "
                                             "logits are from the checkpoint's.")] = False,
    card: Annotated[bool, typer.Option(help="Merged export of an llmsec checkpoint: write its model card "
                                            "(README.md) into the folder.")] = True,
    results: Annotated[list[Path] | None, typer.Option("--results", help="results.json of `llmsec eval` runs "
                                                       "to put in the card (repeatable).")] = None,
) -> None:
    """Export CHECKPOINT merged into its base (no peft needed) or as a GGUF file for llama.cpp / Ollama."""
    from rich.console import Console
    from rich.markup import escape

    from ..checkpoints import is_checkpoint
    from ..models import export, gguf_logit_diff

    console = Console()
    with user_errors():
        if check and to != "gguf":
            raise ValueError("--check compares a GGUF file with its checkpoint: use it with --to gguf")
        runs = [_read_results(p) for p in results or []]
        path = export(checkpoint, to, out, outtype=outtype, overwrite=overwrite,  # type: ignore[arg-type]
                      pre_tokenizer=pre_tokenizer)
        console.print(f"exported {escape(checkpoint)} -> {escape(str(path))}")
        if to == "merged" and card and is_checkpoint(checkpoint):
            from ..eval import write_model_card

            readme = write_model_card(checkpoint, runs, out=path, merged=True)
            console.print(f"model card: {escape(str(readme))} ({len(runs)} evaluation result(s))")
        if to == "merged":
            console.print(f"load it with: AutoModelForCausalLM.from_pretrained({escape(repr(str(path)))})")
        else:
            console.print(f"load it with: AutoModelForCausalLM.from_pretrained({escape(repr(str(path.parent)))}, "
                          f"gguf_file={escape(repr(path.name))}), or llama.cpp: llama-cli -m {escape(str(path))}")
        if check:
            diff = gguf_logit_diff(path, checkpoint)
            console.print(f"logits vs checkpoint over {int(diff['positions'])} positions: max |diff| "
                          f"{diff['max_abs']:.3g} ({diff['max_rel']:.2%} of the largest logit), mean "
                          f"{diff['mean_abs']:.3g}, same top token {diff['top1_agree']:.1%}")


def _read_results(path: Path) -> dict:
    """An ``llmsec eval`` results.json, checked for the keys the model card reads."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"--results {path}: cannot read it as JSON: {exc}") from exc
    missing = [k for k in ("task", "metrics", "data", "n") if not isinstance(data, dict) or k not in data]
    if missing:
        raise ValueError(f"--results {path} is not an `llmsec eval` results.json (missing {', '.join(missing)})")
    return data

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
    check: Annotated[bool, typer.Option(help="GGUF: load the file back with transformers and print how far its "
                                             "logits are from the checkpoint's.")] = False,
) -> None:
    """Export CHECKPOINT merged into its base (no peft needed) or as a GGUF file for llama.cpp / Ollama."""
    from rich.console import Console
    from rich.markup import escape

    from ..models import export, gguf_logit_diff

    console = Console()
    with user_errors():
        if check and to != "gguf":
            raise ValueError("--check compares a GGUF file with its checkpoint: use it with --to gguf")
        path = export(checkpoint, to, out, outtype=outtype, overwrite=overwrite)  # type: ignore[arg-type]
        console.print(f"exported {escape(checkpoint)} -> {escape(str(path))}")
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

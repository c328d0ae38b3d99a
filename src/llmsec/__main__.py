"""``python -m llmsec`` (and ``accelerate launch -m llmsec``) runs the CLI."""

from llmsec.cli import main

main()

"""``import llmsec`` stays cheap: no heavy library is imported until needed."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "peft", "bitsandbytes", "rich", "matplotlib", "captum", "datasets")


def test_import_is_light() -> None:
    code = (
        "import sys, llmsec, llmsec.config, llmsec.data; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at startup: {out.stdout.strip()}"


def test_lazy_names_resolve() -> None:
    import llmsec

    assert llmsec.Recipe.__name__ == "Recipe"
    assert set(llmsec.__all__) >= {"DomainPretrainer", "InstructionTuner", "TransferTrainer", "Pipeline"}


def test_no_environment_side_effects() -> None:
    code = "import os; before = dict(os.environ); import llmsec; print(dict(os.environ) == before)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

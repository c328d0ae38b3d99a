"""The pipeline recipe, written as a Python script over ``import llmsec``.

Run: python examples/pipeline.py [--max-steps N]
"""

from __future__ import annotations

import argparse

import llmsec
from llmsec.config import AdapterConfig, DataConfig, InstructStage, ModelConfig, PretrainStage, Recipe, TransferStage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-steps", type=int, default=-1, help="cap every stage's steps (-1: full epochs)")
    parser.add_argument("--out", default="runs/pipeline-py")
    args = parser.parse_args()

    lora = AdapterConfig(method="lora", r=16, alpha=32)
    steps = {"max_steps": args.max_steps} if args.max_steps > 0 else {}
    recipe = Recipe(  # the same settings as examples/recipes/pipeline.yaml
        name="pipeline-py",
        output_dir=args.out,
        model=ModelConfig(name="smollm2-135m-instruct"),
        stages=[
            PretrainStage(name="domain", data=DataConfig(train="builtin:corpus", eval="builtin:corpus/test"),
                          adapter=lora, max_length=256,
                          trainer={"num_train_epochs": 1, "per_device_train_batch_size": 4, "learning_rate": 5e-4,
                                   **steps}),
            InstructStage(name="instructions",
                          data=DataConfig(train="builtin:instructions", eval="builtin:instructions/test"),
                          adapter=lora, max_length=384,
                          trainer={"num_train_epochs": 1, "per_device_train_batch_size": 4, "learning_rate": 2e-4,
                                   **steps}),
            TransferStage(name="vuln-detect", task="vuln-detect",
                          data=DataConfig(train="builtin:vuln-code", eval="builtin:vuln-code/test"),
                          adapter=lora, max_length=256,
                          trainer={"num_train_epochs": 3, "per_device_train_batch_size": 8, "learning_rate": 5e-4,
                                   **steps}),
        ],
    )
    checkpoints = llmsec.Pipeline(recipe).run()
    for ckpt in checkpoints:
        print(f"{ckpt.kind:9s} {ckpt.path}  {ckpt.metrics}")
    result = llmsec.evaluate(checkpoints[-1], task="vuln-detect", data="builtin:vuln-code/test")
    print("held-out vuln-detect:", result["metrics"])


if __name__ == "__main__":
    main()

"""A parquet file and a `datasets` folder train stages (tiny models), with every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from llmsec.config import DataConfig, PretrainStage, TransferStage
from llmsec.train import DomainPretrainer, TransferTrainer

CODE_VULN = ["void copy(char *s) { char b[8]; strcpy(b, s); }", "gets(buf);",
             "os.system('ping ' + host)", "el.innerHTML = location.hash;"]
CODE_SAFE = ["void copy(const char *s) { snprintf(b, sizeof b, \"%s\", s); }", "fgets(buf, sizeof buf, f);",
             "subprocess.run(['ping', host], check=True)", "el.textContent = location.hash;"]
STEPS = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-2, "logging_steps": 1,
         "eval_strategy": "no"}


def test_a_parquet_file_trains_a_transfer_stage(tiny_bert_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "devign.parquet"
    pq.write_table(pa.table({
        "func": [*CODE_VULN, *CODE_SAFE, ""],
        "target": [1] * len(CODE_VULN) + [0] * len(CODE_SAFE) + [1],
        "project": [f"p{i}" for i in range(len(CODE_VULN) + len(CODE_SAFE) + 1)],
    }), src)
    options = {"columns": {"code": "func", "label": "target", "group": "project"}, "labels": ["safe", "vulnerable"]}
    stage = TransferStage(data=DataConfig(train=str(src), options=options), task="vuln-detect", max_length=32,
                          trainer=STEPS)
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "clf").run(tiny_bert_dir)
    assert ckpt.labels == ["safe", "vulnerable"] and ckpt.metrics["train_steps"] == 2
    counts = ckpt.manifest["data"]["counts"][0]
    assert (counts["read"], counts["loaded"], counts["rejected"]) == (9, 8, 1)  # the empty function is rejected


def test_a_datasets_folder_trains_a_pretrain_stage_and_a_prepared_one_a_classifier(
    tiny_llama_dir: Path, tiny_bert_dir: Path, tmp_path: Path
) -> None:
    from datasets import Dataset

    from llmsec.data import prepare

    Dataset.from_dict({"text": [t * 3 for t in CODE_VULN + CODE_SAFE]}).save_to_disk(str(tmp_path / "corpus"))
    stage = PretrainStage(data=DataConfig(train=str(tmp_path / "corpus")), max_length=16, trainer=STEPS)
    ckpt = DomainPretrainer(stage, output_dir=tmp_path / "pt").run(tiny_llama_dir)
    counts = ckpt.manifest["data"]["counts"][0]
    assert counts["read"] == counts["loaded"] == 8 and ckpt.metrics["train_steps"] == 2

    # prepare's output is a DatasetDict folder: its train split trains a stage as it is
    rows = tmp_path / "code.parquet"
    pq.write_table(pa.table({"text": CODE_VULN + CODE_SAFE, "label": ["vulnerable"] * 4 + ["safe"] * 4,
                             "group": [f"g{i}" for i in range(8)]}), rows)
    prepare(rows, task="vuln-detect", out=tmp_path / "prepared", split="random", test_size=0.25, audit=False,
            near_dedup=False)
    stage = TransferStage(data=DataConfig(train=str(tmp_path / "prepared"), eval=str(tmp_path / "prepared"),
                                          options={"split": "train"}),
                          task="vuln-detect", max_length=32, trainer=STEPS)
    clf = TransferTrainer(stage, output_dir=tmp_path / "clf").run(tiny_bert_dir)
    assert clf.manifest["data"]["format"] is None and clf.labels == ["safe", "vulnerable"]
    assert clf.manifest["data"]["counts"][0]["loaded"] == 6  # the 75% train split of 8

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


def _peak_streaming(tmp_path: Path, n: int, tokenizer: object) -> tuple[int, int]:
    import tracemalloc

    from llmsec.train._stream import streamed_split

    src = tmp_path / f"rows-{n}.parquet"
    codes = [f"int f{i}(char *s) {{ char b[{i % 64 + 8}]; strcpy(b, s); return {i}; }}" for i in range(n)]
    pq.write_table(pa.table({"text": codes, "label": ["vulnerable" if i % 3 else "safe" for i in range(n)]}), src)
    stage = TransferStage(data=DataConfig(train=str(src)), task="vuln-detect", max_length=32)
    tracemalloc.start()
    split = streamed_split(stage, "train", tokenizer, tmp_path / f"cache-{n}")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert split is not None and len(split.dataset) == n and split.report.loaded == n
    assert split.dataset.cache_files, "the split must be a memory-mapped Arrow file, not an in-memory table"
    return peak, len(split.dataset)


def test_transfer_data_streams_so_memory_does_not_grow_with_the_dataset(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(Path(__file__).parents[1] / "assets" / "tiny-bert-tokenizer"))
    _peak_streaming(tmp_path, 50, tokenizer)  # one-time imports and caches out of the measurement
    small, _ = _peak_streaming(tmp_path, 600, tokenizer)
    large, rows = _peak_streaming(tmp_path, 4_800, tokenizer)
    # eight times the rows: the Python heap's peak stays within a batch's worth (records are never held all at
    # once). Listing the records instead (load_records) peaks at 0.7 MB for 1,000 rows and 4.2 MB for 8,000.
    assert large < 1.5 * small + (256 << 10), (small, large)
    assert rows == 4_800


def _peak_sft(tmp_path: Path, n: int, tokenizer: object) -> int:
    import tracemalloc

    from llmsec.config import InstructStage
    from llmsec.train._multiturn import mask_mode
    from llmsec.train._stream import streamed_sft

    src = tmp_path / f"chat-{n}.parquet"
    pq.write_table(pa.table({"q": [f"What does CWE-{i} describe?" for i in range(n)],
                             "a": [f"Weakness {i}: {CODE_VULN[i % 4]}" for i in range(n)]}), src)
    stage = InstructStage(data=DataConfig(train=str(src), options={"columns": {"prompt": "q", "answer": "a"}}))
    tracemalloc.start()
    found = streamed_sft(stage, "train", tokenizer, None, mask_mode(tokenizer), tmp_path / f"sft-{n}")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found is not None
    dataset, report, stats = found
    assert len(dataset) == stats.rows == stats.conversations == report.loaded == n
    assert dataset.cache_files, "the rows must be a memory-mapped Arrow file"
    return peak


def test_instruction_data_streams_so_memory_does_not_grow_with_the_dataset(tiny_llama_dir: Path,
                                                                           tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_llama_dir))
    _peak_sft(tmp_path, 50, tokenizer)  # one-time imports and caches out of the measurement
    small = _peak_sft(tmp_path, 600, tokenizer)
    large = _peak_sft(tmp_path, 2_400, tokenizer)  # four times the conversations: the same peak (one batch)
    assert large < 1.5 * small + (256 << 10), (small, large)

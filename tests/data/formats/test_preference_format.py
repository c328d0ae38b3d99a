"""Preference records: the generic rows format, Juliet pairs, bad input, and the leakage-aware split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.data import Preference, load_records, record_to_dict
from llmsec.data.formats import FormatError

JULIET = Path("vuln_code") / "juliet_c_v1.3" / "testcases"


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_the_record_refuses_what_prefers_nothing() -> None:
    with pytest.raises(ValueError, match="identical"):
        Preference("p", chosen="x", rejected="x")
    with pytest.raises(ValueError, match="empty 'rejected'"):
        Preference("p", chosen="x", rejected="  ")
    with pytest.raises(ValueError, match="either"):
        Preference("p", chosen="x", rejected="y", completion="z", label=True)
    with pytest.raises(ValueError, match="label"):
        Preference("p", completion="z", label="yes")  # type: ignore[arg-type]
    assert Preference("p", completion="z", label=False).paired is False


def test_rows_load_in_both_shapes_and_bad_rows_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "pairs.jsonl", [
        {"prompt": "write strcpy safely", "chosen": "strncpy(d, s, n);", "rejected": "strcpy(d, s);", "group": "a"},
        {"prompt": "same", "chosen": "x = 1;", "rejected": "x = 1;"},
        {"prompt": "empty side", "chosen": "", "rejected": "gets(b);"},
        {"prompt": "p" * 50, "chosen": "a", "rejected": "b"},
        {"prompt": "kto", "completion": "fgets(b, n, stdin);", "label": True},
        {"prompt": "kto", "completion": "gets(b);", "label": "false"},
        {"prompt": "kto", "completion": "gets(b);", "label": "maybe"},
        [1, 2],
    ])
    records, report = load_records(path, "preference", max_prompt_chars=40)
    assert (report.read, report.loaded, report.rejected) == (8, 3, 5)
    assert [r.line for r in report.rejections] == [2, 3, 4, 7, 8]
    reasons = [r.reason for r in report.rejections]
    assert "identical" in reasons[0] and "empty 'chosen'" in reasons[1] and "over the budget of 40" in reasons[2]
    assert "label" in reasons[3] and "not an object" in reasons[4]
    assert all(r.file == str(path) for r in report.rejections)
    assert records[0].paired and records[0].group == "a" and records[0].meta["line"] == 1
    assert [r.label for r in records[1:]] == [True, False]


def test_json_and_parquet_tables_read_the_same_rows(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"prompt": f"p{i}", "chosen": f"good {i}", "rejected": f"bad {i}"} for i in range(4)]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "rows.parquet")
    from_json, _ = load_records(tmp_path / "rows.json", "preference")
    from_parquet, report = load_records(tmp_path / "rows.parquet", "preference")
    assert [r.chosen for r in from_json] == [r.chosen for r in from_parquet] == [f"good {i}" for i in range(4)]
    assert report.loaded == 4
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(FormatError, match="Parquet"):
        load_records(tmp_path / "bad.parquet", "preference")


def test_canonical_jsonl_round_trips_a_preference(tmp_path: Path) -> None:
    pair = Preference("p", chosen="a", rejected="b", group="g", meta={"cwe": "CWE-121"})
    one = Preference("p", completion="c", label=False)
    path = _write_jsonl(tmp_path / "x.jsonl", [record_to_dict(pair), record_to_dict(one)])
    records, _ = load_records(path)  # the canonical jsonl format
    assert records == [pair, one]


def test_a_split_by_group_never_puts_one_group_on_both_sides(tmp_path: Path) -> None:
    rows = [{"prompt": f"p{g}-{k}", "chosen": "good", "rejected": f"bad {k}", "group": f"case{g}"}
            for g in range(40) for k in range(3)]
    rows.append({"prompt": "p", "chosen": "same", "rejected": "same", "group": "case3"})
    path = _write_jsonl(tmp_path / "pairs.jsonl", rows)
    train, train_report = load_records(path, "preference", split="train", test_size=0.25, seed=1)
    test, test_report = load_records(path, "preference", split="test", test_size=0.25, seed=1)
    assert not {r.group for r in train} & {r.group for r in test}
    assert len(train) + len(test) == 120 and len(test) % 3 == 0  # whole groups
    assert 3 <= len({r.group for r in test}) <= 20  # about a quarter of the 40 groups
    # the refused pair is reported once, on the side its group fell on
    assert train_report.rejected + test_report.rejected == 1
    side = "test" if "case3" in {r.group for r in test} else "train"
    assert {"train": train_report, "test": test_report}[side].rejected == 1
    # a group's side depends on nothing else: a subset of the source (another view, a sub-folder,
    # the evaluation's reading) puts it on the same side
    subset = _write_jsonl(tmp_path / "subset.jsonl", [r for r in rows if r["group"] in ("case1", "case2", "case7")])
    sub_train, _ = load_records(subset, "preference", split="train", test_size=0.25, seed=1)
    assert {r.group for r in sub_train} == {"case1", "case2", "case7"} - {r.group for r in test}


@pytest.mark.integration
def test_juliet_pairs_prefer_the_good_variant_and_split_by_test_case(shared_data: Path) -> None:
    src = shared_data / JULIET / "CWE121_Stack_Based_Buffer_Overflow"
    pairs, report = load_records(src, "juliet-pairs")
    assert report.loaded > 30 and report.loaded + report.rejected == report.read
    assert all("identical" in r.reason or "no good entry" in r.reason for r in report.rejections)
    pair = next(p for p in pairs if p.meta["case_id"].endswith("CWE129_rand_11"))
    assert pair.rejected.startswith("void func()") and pair.chosen.startswith("void func()")
    assert "if (data >= 0)" in pair.rejected and "data < (10)" in pair.chosen  # the bounds check is the fix
    assert "CWE-121" in pair.prompt and "void func()" in pair.prompt and "data" not in pair.prompt
    assert "bad" not in pair.chosen + pair.rejected and "good" not in pair.chosen + pair.rejected
    train, _ = load_records(src, "juliet-pairs", split="train", seed=3)
    test, _ = load_records(src, "juliet-pairs", split="test", seed=3)
    assert len(train) + len(test) == len(pairs) and test
    assert not {p.group for p in train} & {p.group for p in test}
    # the group is the functional variant: its flow variants (_01, _05, ...) ask the same prompt, so a
    # prompt is never on both sides (grouped by test case, a quarter of the held-out prompts were)
    assert pair.group == pair.meta["case_id"].removesuffix("_11")
    assert not {p.prompt for p in train} & {p.prompt for p in test}


@pytest.mark.integration
def test_juliet_repair_view_shows_the_bad_function(shared_data: Path) -> None:
    one = next((shared_data / JULIET).glob("CWE121_*/s01/*_11.c"))
    pairs, _ = load_records(one, "juliet-pairs", view="repair", variants="first")
    assert len(pairs) == 1
    assert pairs[0].rejected in pairs[0].prompt and "Rewrite it without the flaw" in pairs[0].prompt


def test_a_side_with_nothing_on_it_is_an_empty_dataset(tmp_path: Path) -> None:
    from llmsec.data import EmptyDatasetError
    from llmsec.data.formats.preference import held_out

    path = _write_jsonl(tmp_path / "one.jsonl", [{"prompt": f"p{k}", "chosen": "a", "rejected": "b", "group": "g"}
                                                 for k in range(3)])
    side, other = ("test", "train") if held_out("g", 0.5, 0) else ("train", "test")
    assert len(load_records(path, "preference", split=side, test_size=0.5)[0]) == 3
    with pytest.raises(EmptyDatasetError):
        load_records(path, "preference", split=other, test_size=0.5)
    with pytest.raises(ValueError, match="test_size"):
        load_records(path, "preference", split="test", test_size=1.0)


def test_instruction_tuning_sees_a_pair_as_its_prompt_and_chosen_answer() -> None:
    from llmsec.data import conversation_records

    pair = Preference("Read a line.", chosen="fgets(b, n, stdin);", rejected="gets(b);", meta={"cwe": "CWE-242"})
    (conv,) = conversation_records([pair])
    assert conv.as_chat() == [{"role": "user", "content": "Read a line."},
                              {"role": "assistant", "content": "fgets(b, n, stdin);"}]
    with pytest.raises(ValueError, match="needs conversations"):
        conversation_records([Preference("p", completion="gets(b);", label=False)])


def test_record_text_of_a_preference_holds_the_prompt_and_its_answers() -> None:
    from llmsec.data import record_text

    assert record_text(Preference("p", chosen="a", rejected="b")) == "p\n\na\n\nb"
    assert record_text(Preference("p", completion="c", label=True)) == "p\n\nc"

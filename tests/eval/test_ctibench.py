"""CTIBench log scoring: small hand-made files, bad input, and the published GPT-3.5 numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.eval._ctibench import read_ctibench_outputs, score_ctibench


def _tsv(path: Path, gts: list[str], extra: str = "Description\tPrompt") -> Path:
    lines = [f"URL\t{extra}\tGT"] + [f"u{i}\td{i}\tp{i}\t{gt}" for i, gt in enumerate(gts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _log(path: Path, answers: dict[int, str]) -> Path:
    path.write_text("".join(f"#####{k}#####\n{a}\n\n" for k, a in answers.items()), encoding="utf-8")
    return path


def test_read_outputs_splits_blocks(tmp_path: Path) -> None:
    log = _log(tmp_path / "o.txt", {1: "line one\n\nCWE-79", 2: "B", 10: "x"})
    assert read_ctibench_outputs(log) == {1: "line one\n\nCWE-79", 2: "B", 10: "x"}


def test_mcq_counts_unparsed_and_missing_as_wrong(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["B", "c", "A", "D", "A"])
    log = _log(tmp_path / "mcq.txt", {1: "B) File", 2: "The correct answer is:\n\nC) x", 3: "I cannot tell.", 4: "A"})
    s = score_ctibench("mcq", log, data)
    assert s.metric == "accuracy" and s.n == 5
    assert s.score == pytest.approx(40.0)  # items 1, 2 right; 3 unparsed; 4 wrong; 5 missing
    assert s.unparsed == [3, 5] and s.n_unparsed == 2
    assert s.details["accuracy_parsed"] == pytest.approx(100 * 2 / 3)
    assert [p.prediction for p in s.predictions] == ["B", "C", None, "A", None]
    assert s.predictions[4].reason == "missing block"
    assert "no option letter" in s.predictions[2].reason


def test_rcm_accuracy(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "rcm.tsv", ["CWE-79", "CWE-416", "CWE-20"])
    log = _log(tmp_path / "rcm.txt", {1: "It is XSS.\nCWE-79", 2: "CWE-787: out-of-bounds write", 3: "unknown"})
    s = score_ctibench("rcm", log, data)
    assert s.score == pytest.approx(100 / 3)
    assert s.unparsed == [3]


def test_vsp_mad_leaves_invalid_vectors_out(tmp_path: Path) -> None:
    data = _tsv(
        tmp_path / "vsp.tsv",
        [
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # 9.8
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",  # 6.1
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",  # 7.8
        ],
    )
    log = _log(
        tmp_path / "vsp.txt",
        {
            1: "Vector:\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # exact: 0
            2: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # 9.8 vs 6.1: 3.7
            3: "CVSS:3.1/AV:U/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H",  # AV:U invalid -> unparsed
        },
    )
    s = score_ctibench("vsp", log, data)
    assert s.metric == "mad"
    assert s.score == pytest.approx(3.7 / 2)
    assert s.unparsed == [3] and s.details["n_parsed"] == 2
    assert s.predictions[2].value is None


def test_ate_mean_item_f1(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "ate.tsv", ["T1071, T1573, T1083, T1070", "T1059"], extra="Platform\tDescription\tPrompt")
    data.write_text(data.read_text().replace("\tp0\t", "\tx\tp0\t").replace("\tp1\t", "\tx\tp1\t"))
    log = _log(tmp_path / "ate.txt", {1: "Reasoning T1027.\nT1071, T1573.001, T1027", 2: "none found"})
    s = score_ctibench("ate", log, data)
    # item 1: predicted {T1071, T1573, T1027}, truth has 4: P 2/3, R 2/4 -> F1 4/7; item 2 unparsed -> 0
    assert s.score == pytest.approx((4 / 7 + 0) / 2)
    assert s.unparsed == [2]
    assert s.details["f1_micro"] == pytest.approx(2 * (2 / 3) * (2 / 5) / (2 / 3 + 2 / 5))


def test_to_dict_is_json_ready(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A"])
    s = score_ctibench("mcq", _log(tmp_path / "o.txt", {1: "A"}), data)
    d = json.loads(json.dumps(s.to_dict()))
    assert d["score"] == 100.0 and d["predictions"][0]["prediction"] == "A"
    assert d["outputs"].endswith("o.txt") and d["task"] == "mcq"


# --- bad input: one clear error each, naming the file and the problem ------------


def test_more_blocks_than_items_is_a_count_mismatch(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A", "B"])
    log = _log(tmp_path / "o.txt", {1: "A", 2: "B", 3: "C"})
    message = r"counts do not match: .*o\.txt has block #####3##### but .*mcq\.tsv has only 2"
    with pytest.raises(ValueError, match=message):
        score_ctibench("mcq", log, data)


def test_answers_for_few_items_is_a_count_mismatch(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A", "B", "C", "D", "A"])
    log = _log(tmp_path / "o.txt", {1: "A", 2: "B"})
    with pytest.raises(ValueError, match=r"o\.txt has answers for 2 of the 5 items in .*mcq\.tsv"):
        score_ctibench("mcq", log, data)


def test_labels_outside_the_task_set(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A", "E", "B", "maybe"])
    message = r"mcq\.tsv: 2 GT value\(s\) outside the mcq label set \(item 2: 'E', item 4: 'maybe'\)"
    with pytest.raises(ValueError, match=message):
        score_ctibench("mcq", _log(tmp_path / "o.txt", {1: "A"}), data)
    rcm = _tsv(tmp_path / "rcm.tsv", ["CWE-79", "NVD-CWE-Other"])
    with pytest.raises(ValueError, match=r"outside the rcm label set .*expected a CWE id"):
        score_ctibench("rcm", _log(tmp_path / "o.txt", {1: "CWE-79"}), rcm)
    vsp = _tsv(tmp_path / "vsp.tsv", ["CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"])
    with pytest.raises(ValueError, match="outside the vsp label set"):
        score_ctibench("vsp", _log(tmp_path / "o.txt", {1: "x"}), vsp)


def test_empty_outputs(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A"])
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match=r"outputs file .*empty\.txt is empty"):
        score_ctibench("mcq", empty, data)
    plain = tmp_path / "plain.txt"
    plain.write_text("A\nB\n")
    with pytest.raises(ValueError, match=r"plain\.txt has no '#####N#####' block markers"):
        score_ctibench("mcq", plain, data)


def test_other_bad_input(tmp_path: Path) -> None:
    data = _tsv(tmp_path / "mcq.tsv", ["A"])
    log = _log(tmp_path / "o.txt", {1: "A"})
    with pytest.raises(ValueError, match="unknown CTIBench task 'taa'; choose one of rcm, mcq, vsp, ate"):
        score_ctibench("taa", log, data)
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        score_ctibench("mcq", tmp_path / "nope.txt", data)
    dup = tmp_path / "dup.txt"
    dup.write_text("#####1#####\nA\n#####1#####\nB\n")
    with pytest.raises(ValueError, match=r"dup\.txt has block #####1##### twice"):
        score_ctibench("mcq", dup, data)
    no_gt = tmp_path / "taa.tsv"
    no_gt.write_text("URL\tText\tPrompt\nu\tt\tp\n")
    with pytest.raises(ValueError, match=r"taa\.tsv has no 'GT' column"):
        score_ctibench("mcq", log, no_gt)
    vsp = _tsv(tmp_path / "vsp.tsv", ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"])
    with pytest.raises(ValueError, match=r"no answer in .*o\.txt holds a valid CVSS v3 vector"):
        score_ctibench("vsp", log, vsp)


# --- published numbers -------------------------------------------------------------

PUBLISHED = {"rcm": (67.2, 1.0), "mcq": (54.1, 1.0), "vsp": (1.57, 0.05)}


@pytest.mark.integration
@pytest.mark.parametrize("task", sorted(PUBLISHED))
def test_reproduces_published_gpt35_scores(shared_data: Path, task: str) -> None:
    root = shared_data / "sec_qa" / "ctibench"
    s = score_ctibench(task, root / "outputs" / "gpt-3.5" / f"cti-{task}.txt", root / f"cti-{task}.tsv")
    expected, tolerance = PUBLISHED[task]
    assert abs(s.score - expected) <= tolerance, (task, s.score, s.unparsed)
    assert s.n == {"rcm": 1000, "mcq": 2500, "vsp": 1000}[task]
    assert s.n_unparsed <= 0.01 * s.n


@pytest.mark.integration
def test_real_logs_against_the_wrong_data_fail_clearly(shared_data: Path) -> None:
    root = shared_data / "sec_qa" / "ctibench"
    with pytest.raises(ValueError, match=r"cti-mcq\.txt has block #####2500##### but .*cti-rcm\.tsv has only 1000"):
        score_ctibench("rcm", root / "outputs" / "gpt-3.5" / "cti-mcq.txt", root / "cti-rcm.tsv")
    with pytest.raises(ValueError, match="outside the mcq label set"):
        score_ctibench("mcq", root / "outputs" / "gpt-3.5" / "cti-rcm.txt", root / "cti-rcm.tsv")


# --- CLI -----------------------------------------------------------------------------


@pytest.mark.integration
def test_cli_scores_real_log_and_writes_json(shared_data: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    root = shared_data / "sec_qa" / "ctibench"
    out = tmp_path / "res" / "vsp.json"
    result = CliRunner().invoke(
        app,
        ["score", "ctibench", "--task", "vsp", "--outputs", str(root / "outputs" / "gpt-3.5" / "cti-vsp.txt"),
         "--data", str(root / "cti-vsp.tsv"), "--json", str(out)],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "mean absolute deviation" in result.output and "1.571" in result.output
    assert "542, 820, 951" in result.output
    saved = json.loads(out.read_text())
    assert saved["unparsed"] == [542, 820, 951] and len(saved["predictions"]) == 1000
    assert abs(saved["score"] - 1.57) <= 0.05


def test_cli_bad_input_is_one_message_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    data = _tsv(tmp_path / "mcq.tsv", ["A", "B"])
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(
        app, ["score", "ctibench", "--task", "mcq", "--outputs", str(empty), "--data", str(data)], terminal_width=300
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())  # the error console wraps long lines
    assert message.startswith("error: outputs file") and "empty.txt is empty" in message
    assert "Traceback" not in message


def test_cvss_helpers_follow_the_cvss_package() -> None:
    from llmsec.eval._ctibench import cvss_base_score, cvss_mad, technique_set_f1

    assert cvss_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == pytest.approx(9.8)
    assert cvss_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == pytest.approx(6.1)
    assert cvss_base_score("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") is None  # prefix required
    truth = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"]
    assert cvss_mad(["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", None], truth) == pytest.approx(3.7)
    with pytest.raises(ValueError, match="undefined"):
        cvss_mad([None, "junk"], truth)
    with pytest.raises(ValueError, match="length mismatch"):
        cvss_mad([None], truth)
    assert technique_set_f1({"T1071", "T1059"}, {"T1071"}) == pytest.approx(2 / 3)
    assert technique_set_f1(set(), {"T1071"}) == 0.0

"""Answer extraction from free text: option letters, CWE ids, CVSS vectors, ATT&CK ids."""

from __future__ import annotations

import pytest

from llmsec.eval._extract import (
    extract_choice,
    extract_cvss_vector,
    extract_cwe,
    extract_cwe_ids,
    extract_technique_ids,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B", "B"),
        ("B\n\n", "B"),
        ("The answer is (B)", "B"),
        ("B) File", "B"),
        ("Answer: b", "B"),
        ("I think it's option C because the others do not apply.", "C"),
        ("The correct answer is: C", "C"),
        ("The correct answer is:\n\nB) T1059", "B"),
        ("The correct answer is: **A) G0007 (APT28)**", "A"),
        ("B. BRONZE BUTLER", "B"),
        ("B.", "B"),
        ("(d)", "D"),
        ("The best option is: A) Network Traffic Analysis", "A"),
        ("Final answer: (d)", "D"),
        ("**Answer:** C", "C"),
        ("The answer is B, not option A.", "B"),
        # an explanation after the answer: fall back on the explicit phrase
        ("Answer: D\nThis is because the other options do not persist.", "D"),
        ("Let me think.\nThe answer would be option A\nIt uses the registry.", "A"),
    ],
)
def test_extract_choice_finds_the_letter(text: str, expected: str) -> None:
    assert extract_choice(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "I am not sure.",
        "The answer is a bit tricky to pin down.",  # lower-case article, not an option
        "Other options (A, C, D) are less relevant.",  # plural 'options' lists, does not answer
        "E",  # not one of the letters
    ],
)
def test_extract_choice_returns_none_without_an_answer(text: str) -> None:
    assert extract_choice(text) is None


def test_extract_choice_other_letter_sets() -> None:
    assert extract_choice("The answer is E", letters="ABCDE") == "E"
    assert extract_choice("The answer is E") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CWE-79: Improper Neutralization of Input During Web Page Generation", "CWE-79"),
        ("This maps to CWE-20.\n\nCWE-416", "CWE-416"),  # the last line wins (CTIBench: last match)
        ("CWE-79 (a child of CWE-74)", "CWE-79"),  # several on the last line: the first
        ("The weakness is cwe 89.", "CWE-89"),
        ("**CWE-0787**", "CWE-787"),
        ("No CWE applies here.", None),
        ("", None),
    ],
)
def test_extract_cwe(text: str, expected: str | None) -> None:
    assert extract_cwe(text) == expected


def test_extract_cwe_ids_keeps_order_and_duplicates() -> None:
    assert extract_cwe_ids("CWE-79, then CWE_80 and cwe-79") == ["CWE-79", "CWE-80", "CWE-79"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("AV:L/AC:H/PR:L/UI:R/S:C/C:N/I:L/A:N", "CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:C/C:N/I:L/A:N"),
        ("final: cvss:3.0/av:n / ac:l / pr:n/ui:r/s:c/c:l/i:l/a:n.", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
        (
            "Draft: AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\nFinal:\n`CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N`",
            "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        ),
        ("CVSS:3.1/AV:U/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H", None),  # AV:U is not a CVSS value
        ("AV:Network/AC:Low/PR:None/UI:None/S:U/C:H/I:H/A:H", None),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", None),  # A missing
        ("no vector", None),
    ],
)
def test_extract_cvss_vector(text: str, expected: str | None) -> None:
    assert extract_cvss_vector(text) == expected


def test_extract_cvss_vector_default_version() -> None:
    assert extract_cvss_vector("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", default_version="3.0").startswith("CVSS:3.0/")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T1071 is C2 over HTTP; T1027 hides it.\n\nT1071, T1573, T1083", ["T1071", "T1573", "T1083"]),
        ("Reasoning mentions T1059.001.\nT1059.001, T1027.002, T1059", ["T1059", "T1027"]),
        ("Techniques:\n- T1071\n- T1105\n- T1027.002", ["T1071", "T1105", "T1027"]),
        ("It uses T1071 (TA0011 Command and Control).\nThat's all.", ["T1071"]),
        ("**T1071**, **T1573**", ["T1071", "T1573"]),
        ("Nothing matches.", []),
        ("TA0001, TA0002", []),
    ],
)
def test_extract_technique_ids(text: str, expected: list[str]) -> None:
    assert extract_technique_ids(text) == expected


def test_extract_technique_ids_subtechniques_and_whole_text() -> None:
    text = "Uses T1059.001 and T1566.\nT1059.001, T1027"
    assert extract_technique_ids(text, subtechniques=True) == ["T1059.001", "T1027"]
    assert extract_technique_ids(text, final_only=False) == ["T1059", "T1566", "T1027"]

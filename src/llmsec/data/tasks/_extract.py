"""Pull a benchmark answer out of a model's free-text response.

Each extractor returns the normalised answer, or ``None`` when the text holds
no answer it can trust; callers count ``None`` as wrong and list the item.

The rules follow CTIBench's own formatting code
(xashru/cti-bench, ``evaluation/model-prediction.ipynb``: ``format_mcq``,
``format_rcm``, ``format_vsp``): CTIBench prompts ask the model to put the
answer on the *last line*, so the last line is read first, and the text as a
whole is only a fallback. Where CTIBench needed hand clean-up ("we still had to
manually collect some responses"), these rules are more tolerant (``B. text``,
``The correct answer is: C) ...``, markdown bold, lower-case letters after an
explicit "answer"/"option").
"""

from __future__ import annotations

import re

__all__ = [
    "extract_choice",
    "extract_cvss_vector",
    "extract_cwe",
    "extract_cwe_ids",
    "extract_technique_ids",
]

_MARKUP = re.compile(r"[*_`#>]+")


def _lines(text: str) -> list[str]:
    """Non-empty lines with markdown emphasis removed, in order."""
    out = []
    for line in text.splitlines():
        clean = _MARKUP.sub("", line).strip()
        if clean:
            out.append(clean)
    return out


# --- multiple choice ---------------------------------------------------------


def _choice_patterns(letters: str) -> tuple[re.Pattern[str], ...]:
    up = re.escape(letters.upper())
    both = re.escape(letters.upper() + letters.lower())
    # A capital letter may be followed by anything but a word character; a small one only by
    # punctuation or the end ("answer is a bit..." is no answer; "Answer: b" is).
    verb = r"(?:\s+(?i:is|would\s+be|should\s+be))?\s*[:=\-]?\s*"
    letter = rf"[\(\[]?(?:([{up}])(?![\w'])|([{both}])(?=[\)\]\.:,;]|$))"
    return (
        # the whole line is the letter: "B", "(B)", "B.", "[b]"
        re.compile(rf"^[\(\[]?([{both}])[\)\]\.:]?$"),
        # "The answer is (B)", "Answer: b", "The correct choice is D.", "answer would be option C"
        re.compile(rf"\b(?i:answer|choice)\b{verb}(?i:option\s+)?{letter}"),
        # "I think it's option C because ...", "choose option b.", "The best option is: A) ..."
        re.compile(rf"\b(?i:option)\b{verb}{letter}"),
        # the line starts with a letter marker: "B) File", "B. BRONZE BUTLER", "(C) text"
        re.compile(rf"^[\(\[]?([{up}])[\)\]\.:](?:\s|$)"),
        # the line ends with a stand-alone capital letter: "The correct answer is C", "... is: D"
        re.compile(rf"(?:^|[\s:(\[])([{up}])[\)\]]?\.?$"),
    )


def extract_choice(text: str, letters: str = "ABCD") -> str | None:
    """The option letter a free-text answer picks, upper-case, or ``None``.

    Reads the last non-empty line first (CTIBench's ``format_mcq`` reads only
    the last line: ``A)`` at its start, or a letter at its end), then looks for
    an explicit "answer is X" / "option X" phrase anywhere, taking the last one.

    Args:
        text: The model's raw answer.
        letters: The valid option letters.

    Returns:
        One of ``letters`` (upper-case), or ``None`` when no answer is found.
    """
    lines = _lines(text or "")
    if not lines:
        return None
    whole, answer, option, marker, trailing = _choice_patterns(letters)

    def first_group(match: re.Match[str] | None) -> str | None:
        if match is None:
            return None
        return next(g for g in match.groups() if g).upper()

    last = lines[-1]
    for pattern in (whole, answer, option, marker, trailing):
        found = first_group(pattern.search(last))
        if found:
            return found
    # Fall back on a bare letter line or an explicit phrase earlier in the text, latest first.
    for line in reversed(lines[:-1]):
        for pattern in (whole, answer, option):
            found = first_group(pattern.search(line))
            if found:
                return found
    return None


# --- CWE ---------------------------------------------------------------------

_CWE = re.compile(r"\bCWE[\s_\-:]{0,2}(\d{1,5})\b", re.IGNORECASE)


def extract_cwe_ids(text: str) -> list[str]:
    """Every CWE id in ``text``, in order, normalised to ``CWE-<n>`` (duplicates kept)."""
    return [f"CWE-{int(m.group(1))}" for m in _CWE.finditer(text or "")]


def extract_cwe(text: str) -> str | None:
    """The CWE id a free-text answer settles on, as ``CWE-<n>``, or ``None``.

    CTIBench's ``format_rcm`` takes the last ``CWE-\\d+`` match in the whole
    response (the prompt asks for the id alone on the last line). Here the last
    line that names any CWE wins, and within that line the *first* id, so that
    ``CWE-79 (a child of CWE-74)`` gives ``CWE-79``; ``CWE 79`` and ``cwe-79``
    are accepted too.
    """
    for line in reversed(_lines(text or "")):
        ids = extract_cwe_ids(line)
        if ids:
            return ids[0]
    return None


# --- CVSS v3 vector ----------------------------------------------------------

_SEP = r"\s*/\s*"
_CVSS = re.compile(
    r"(?:CVSS\s*:\s*(3\.[01])" + _SEP + r")?"
    r"AV\s*:\s*([NALP])" + _SEP + r"AC\s*:\s*([LH])" + _SEP + r"PR\s*:\s*([NLH])" + _SEP
    + r"UI\s*:\s*([NR])" + _SEP + r"S\s*:\s*([UC])" + _SEP + r"C\s*:\s*([NLH])" + _SEP
    + r"I\s*:\s*([NLH])" + _SEP + r"A\s*:\s*([NLH])(?![A-Za-z])",
    re.IGNORECASE,
)
_CVSS_KEYS = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


def extract_cvss_vector(text: str, default_version: str = "3.1") -> str | None:
    """The last valid CVSS v3 base vector in ``text``, normalised, or ``None``.

    Follows CTIBench's ``format_vsp`` (the last ``AV:../AC:../.../A:..`` match in
    the response) but accepts only the values CVSS v3 defines, so a response
    whose only vector is malformed (``AV:U``) has no answer. The result always
    carries a ``CVSS:3.x/`` prefix: the one written, else ``default_version``
    (CTIBench's evaluation prepends ``CVSS:3.0/`` to the bare vector; the 3.0
    and 3.1 base-score formulas differ only in a rounding corner case).
    Lower case and spaces around ``/`` and ``:`` are tolerated.
    """
    matches = list(_CVSS.finditer(text or ""))
    if not matches:
        return None
    m = matches[-1]
    version = m.group(1) or default_version
    values = (v.upper() for v in m.groups()[1:])
    return f"CVSS:{version}/" + "/".join(f"{k}:{v}" for k, v in zip(_CVSS_KEYS, values, strict=True))


# --- ATT&CK techniques -------------------------------------------------------

_TECHNIQUE = re.compile(r"\bT(\d{4})(?:\.(\d{3}))?\b")
_ID_LIST_LINE = re.compile(r"^(?:[-*•\d.)\s]*\s*)?(?:T\d{4}(?:\.\d{3})?[\s,;/|.]*)+$", re.IGNORECASE)


def _ids_in(text: str, subtechniques: bool) -> list[str]:
    out: list[str] = []
    for m in _TECHNIQUE.finditer(text):
        tid = f"T{m.group(1)}" + (f".{m.group(2)}" if subtechniques and m.group(2) else "")
        if tid not in out:
            out.append(tid)
    return out


def extract_technique_ids(text: str, *, subtechniques: bool = False, final_only: bool = True) -> list[str]:
    """ATT&CK technique ids a free-text answer gives, in order of first mention.

    CTI-ATE asks for "the final line [to contain] only the IDs for the main
    techniques, separated by commas", so with ``final_only`` the answer is the
    trailing block of lines that hold nothing but ids (one comma list, or one id
    per bullet line); if the response does not end that way, the last line that
    names any technique. ``T1059.001`` counts as ``T1059`` unless
    ``subtechniques`` is set. Tactic ids (``TA0001``) never match.

    Args:
        text: The model's raw answer.
        subtechniques: Keep ``T####.###`` ids instead of folding them into their parent.
        final_only: Read the final answer lines only; if false, every id in the text.

    Returns:
        The ids (possibly empty: no answer).
    """
    lines = _lines(text or "")
    if not final_only:
        return _ids_in("\n".join(lines), subtechniques)
    block: list[str] = []
    for line in reversed(lines):
        if _ID_LIST_LINE.match(line):
            block.insert(0, line)
        else:
            break
    if block:
        return _ids_in("\n".join(block), subtechniques)
    for line in reversed(lines):
        ids = _ids_in(line, subtechniques)
        if ids:
            return ids
    return []

"""The NIST Juliet C/C++ test suite, split into labelled functions.

Each test-case file (``testcases/CWE121_.../sNN/CWE121_..._01.c``) holds bad
code inside ``#ifndef OMITBAD`` and good code inside ``#ifndef OMITGOOD``.
Every function defined in those blocks is one record: ``vulnerable`` for the
bad block (``bad()``, ``badSink()``, ...), ``safe`` for the good block
(``goodG2B()``, ``goodB2G()``, ``good1()``, their sinks, ...). The ``good()``
dispatcher that only calls the good variants and ``main()`` are not records.

What the model sees has every comment removed (Juliet's comments say where the
flaw is) and, with ``anonymize=True`` (the default), the ``bad*``/``good*``
identifiers and the test-case prefix renamed (``func``, ``helper1``, ...), since
they name the label. ``meta`` keeps ``cwe`` (from the directory), ``case_id``
(also the group: the file stem without its ``a``/``b`` part suffix),
``function`` (the original name), ``file``, ``language``, ``flaw_lines`` and
``fix_lines``: 1-based line numbers, in the returned text, of the statements
that ``/* FLAW``, ``/* POTENTIAL FLAW``, ``/* INCIDENTAL FLAW`` or ``/* FIX``
comments pointed at (good functions often keep a ``POTENTIAL FLAW`` sink that
their fixed source makes safe), and ``line``, where the function starts in its
file. The support headers are not needed.

``juliet-pairs`` reads the same files as :class:`~llmsec.data.Preference` pairs
for preference tuning: in each file, the ``bad()`` entry function is rejected
and each good entry variant (``goodG2B``, ``goodB2G``, ``good1``...) chosen.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .._records import Example, Preference
from .._report import LoadReport
from ._registry import FormatError, register_format
from ._source import SourceError, read_bounded, walk_files
from .preference import Candidate, Side, emit

_SUFFIXES = {".c", ".cpp"}
_CWE_DIR = re.compile(r"^CWE(\d+)_")
_CASE_SUFFIX = re.compile(r"(_\d+)(?:[a-z]|_(?:bad|good)\w*)$")
_TRANSPARENT = re.compile(r'^(namespace\b[\w\s:]*|extern\s*"C"\s*)$')
_FUNC_HEADER = re.compile(r"\)\s*(?:const\s*)?(?:throw\s*\(\s*\)\s*)?(?:noexcept\s*)?$")
_NAME = re.compile(r"([A-Za-z_~][\w:~]*)\s*$")
_FLAW = re.compile(r"^\s*(?:POTENTIAL |INCIDENTAL )?FLAW\b")
_FIX = re.compile(r"^\s*FIX\b")


@dataclass(frozen=True)
class _Comment:
    start_line: int  # 0-based
    end_line: int
    text: str


def _scan_comments(code: str) -> tuple[str, list[_Comment]]:
    """``code`` with comments blanked (line breaks kept, so lines still line up) and the comments."""
    out: list[str] = []
    comments: list[_Comment] = []
    i, n, line = 0, len(code), 0
    while i < n:
        c = code[i]
        if c in "\"'":
            j = i + 1
            while j < n and code[j] != c and code[j] != "\n":
                j += 2 if code[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(code[i:j])
            line += code.count("\n", i, j)
            i = j
        elif code.startswith("//", i):
            j = code.find("\n", i)
            j = n if j < 0 else j
            comments.append(_Comment(line, line, code[i + 2 : j]))
            i = j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            body = code[i + 2 : j - 2]
            breaks = code.count("\n", i, j)
            comments.append(_Comment(line, line + breaks, body))
            out.append(" " + "\n" * breaks)
            line += breaks
            i = j
        else:
            if c == "\n":
                line += 1
            out.append(c)
            i += 1
    return "".join(out), comments


def strip_c_comments(code: str) -> str:
    """``code`` (C or C++) without its ``/* */`` and ``//`` comments.

    String and character literals are left alone; lines that held only a
    comment are dropped and trailing spaces removed.
    """
    blanked, _ = _scan_comments(code)
    original = code.split("\n")
    return "\n".join(
        s.rstrip() for s, o in zip(blanked.split("\n"), original, strict=True) if s.strip() or not o.strip()
    )


@dataclass(frozen=True)
class _Function:
    name: str
    first_line: int  # 0-based, inclusive
    last_line: int
    region: str  # "OMITBAD" / "OMITGOOD"


def _match_brace(s: str, i: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``i`` (literals skipped); len(s) if none."""
    depth, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            i += 1
            while i < n and s[i] != c and s[i] != "\n":
                i += 2 if s[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


def _functions(s: str) -> list[_Function]:
    """The functions defined at file or namespace level of comment-free ``s``, with their OMIT block."""
    starts = [0] + [m.end() for m in re.finditer("\n", s)]
    found: list[_Function] = []
    blocks: list[str] = []  # the preprocessor conditionals we are inside
    i, n, header, at_line_start = 0, len(s), 0, True
    while i < n:
        c = s[i]
        if c == "\n":
            at_line_start = True
        elif c in " \t\r\f\v":
            pass
        elif c == "#" and at_line_start:
            j = i
            while True:  # a directive runs to the end of the line, continuations included
                j = s.find("\n", j)
                if j < 0 or s[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            words = s[i + 1 : j].split()
            if words and words[0] in ("if", "ifdef", "ifndef"):
                blocks.append(words[1] if words[0] == "ifndef" and len(words) > 1 else "other")
            elif words and words[0] in ("else", "elif") and blocks:
                blocks[-1] = "other"
            elif words and words[0] == "endif" and blocks:
                blocks.pop()
            i, header = j, j
            continue
        else:
            at_line_start = False
            if c in "\"'":
                i = _match_literal(s, i)
            elif c in ";}":
                header = i + 1
            elif c == "{":
                text = s[header:i].strip()
                if _TRANSPARENT.match(text):
                    header = i + 1
                else:
                    end = _match_brace(s, i)
                    name = _NAME.search(text.split("(")[0]) if "(" in text else None
                    region = next((b for b in reversed(blocks) if b in ("OMITBAD", "OMITGOOD")), None)
                    if name and region and _FUNC_HEADER.search(text) and "=" not in text.split("(")[0]:
                        first = bisect.bisect_right(starts, header + len(s[header:i]) - len(s[header:i].lstrip())) - 1
                        found.append(_Function(name.group(1), first, bisect.bisect_right(starts, end) - 1, region))
                    i, header = end + 1, end + 1
                    continue
        i += 1
    return found


def _match_literal(s: str, i: int) -> int:
    """The index of the closing quote of the literal opening at ``i``."""
    quote, i, n = s[i], i + 1, len(s)
    while i < n and s[i] != quote and s[i] != "\n":
        i += 2 if s[i] == "\\" else 1
    return min(i, n - 1)


def _anonymize(text: str, case_id: str, own: str) -> str:
    """Rename the identifiers that give the label away (``bad``, ``goodG2BSink``, ``CWE..._bad``)."""
    pattern = re.compile(rf"\b(?:{re.escape(case_id)}[a-z]?_)?(?:bad|good)(?:[A-Z0-9_]\w*)?\b")
    names: dict[str, str] = {own: "func"}
    own_short = own.split("::")[-1]
    names.setdefault(own_short, "func")

    def rename(m: re.Match[str]) -> str:
        if m.group(0) not in names:
            names[m.group(0)] = f"helper{sum(1 for v in names.values() if v != 'func') + 1}"
        return names[m.group(0)]

    return pattern.sub(rename, text)


def _split_file(file: Path, code: str, anonymize: bool) -> Iterator[Example]:
    """The labelled functions of one test-case file."""
    blanked, comments = _scan_comments(code)
    lines = blanked.split("\n")
    original = code.split("\n")
    keep = [bool(s.strip()) or not o.strip() for s, o in zip(lines, original, strict=True)]
    cwe_match = next((m for m in (_CWE_DIR.match(p) for p in reversed(file.parts[:-1])) if m), None)
    cwe_match = cwe_match or _CWE_DIR.match(file.name)
    if cwe_match is None:
        raise ValueError("no CWE in the path (expected a CWE<n>_... directory)")
    case_id = _CASE_SUFFIX.sub(r"\1", file.stem)
    for fn in _functions(blanked):
        short = fn.name.split("::")[-1]
        if short == "main" or short == "good" or short.endswith("_good"):
            continue  # the dispatcher and main are plumbing, not test functions
        kept = [k for k in range(fn.first_line, fn.last_line + 1) if keep[k]]
        new_line = {k: pos for pos, k in enumerate(kept, start=1)}
        marks: dict[str, set[int]] = {"flaw": set(), "fix": set()}
        for comment in comments:
            if not fn.first_line <= comment.start_line <= fn.last_line:
                continue
            kind = "flaw" if _FLAW.match(comment.text) else "fix" if _FIX.match(comment.text) else None
            if kind is None:
                continue
            if lines[comment.start_line].strip():
                target: int | None = comment.start_line  # the comment shares its line with code
            else:
                target = next((k for k in kept if k > comment.end_line and lines[k].strip()), None)
            if target is not None:
                marks[kind].add(new_line[target])
        text = "\n".join(lines[k].rstrip() for k in kept)
        if anonymize:
            text = _anonymize(text, case_id, fn.name)
        yield Example(
            text,
            "vulnerable" if fn.region == "OMITBAD" else "safe",
            group=case_id,
            meta={
                "cwe": f"CWE-{cwe_match.group(1)}",
                "case_id": case_id,
                "function": fn.name,
                "file": str(file),
                "language": "cpp" if file.suffix == ".cpp" else "c",
                "flaw_lines": sorted(marks["flaw"]),
                "fix_lines": sorted(marks["fix"]),
                "line": fn.first_line + 1,
            },
        )


@register_format("juliet", record=Example, description="NIST Juliet C/C++ test cases: bad/good functions",
                 folders=True)
def load_juliet(
    path: Path, report: LoadReport, anonymize: bool = True, *, follow_symlinks: bool = False
) -> Iterator[Example]:
    """Split Juliet test-case files (a folder, walked, or one file) into labelled functions.

    A file that is not UTF-8, has no CWE in its path, or holds no bad or good
    function is one rejected record (line 1). So is a symbolic link out of the
    folder (unless ``follow_symlinks``), a FIFO or device, or a file over the size limit.

    Raises:
        FormatError: a folder without any ``.c``/``.cpp`` file.
    """
    files = (walk_files(path, lambda p: p.suffix in _SUFFIXES, follow_symlinks=follow_symlinks)
             if path.is_dir() else [(path, None)])
    if not files:
        raise FormatError(f"{path}: no Juliet .c/.cpp test-case files found (expected testcases/CWE*/...)")
    for file, refused in files:
        if refused:
            report.reject(str(file), 1, refused)
            continue
        try:
            code = read_bounded(file).decode("utf-8")
            examples = list(_split_file(file, code, anonymize))
            if not examples:
                raise ValueError("no function inside #ifndef OMITBAD / OMITGOOD")
        except UnicodeDecodeError:
            report.reject(str(file), 1, "not valid UTF-8")
            continue
        except SourceError as exc:
            if not path.is_dir():
                raise
            report.reject(str(file), 1, str(exc))
            continue
        except ValueError as exc:
            report.reject(str(file), 1, str(exc))
            continue
        for example in examples:
            report.accept()
            yield example


_GOOD_ENTRY = re.compile(r"(?:^|_)good(?:G2B|B2G)?\d*$")
_BAD_ENTRY = re.compile(r"(?:^|_)bad$")
_LANGUAGE = {"c": "C", "cpp": "C++"}


def _entry_kind(function: str) -> str | None:
    """``"bad"`` / ``"good"`` for a test case's entry functions (not their sinks and sources), else None."""
    short = function.split("::")[-1]
    if _BAD_ENTRY.search(short):
        return "bad"
    return "good" if _GOOD_ENTRY.search(short) and short != "good" and not short.endswith("_good") else None


def _signature(code: str) -> str:
    """A function's header as one line (``void func()``)."""
    return " ".join(code.split("{", 1)[0].split())


def juliet_prompt(bad: Example, view: Literal["write", "repair"] = "write") -> str:
    """The instruction of a Juliet pair: write the test case's function, or repair its bad version.

    The ``write`` prompt names the language, the signature, the weakness to avoid (CWE id and
    the test case's CWE title) and the functional variant from the test-case name (e.g.
    ``char type overrun memcpy``), never the code; the ``repair`` prompt shows the bad function.
    """
    lang = _LANGUAGE.get(bad.meta.get("language", "c"), "C")
    case_id = str(bad.meta.get("case_id", ""))
    cwe = str(bad.meta.get("cwe", ""))
    title, _, variant = case_id.partition("__")
    title = re.sub(r"^CWE\d+_", "", title).replace("_", " ").strip()
    variant = re.sub(r"_\d+$", "", variant).replace("_", " ").strip()
    weakness = f"{cwe} ({title})" if title else cwe
    if view == "repair":
        return (f"This {lang} function has a security flaw, {weakness}. Rewrite it without the flaw, keeping "
                f"what it does. Answer with the fixed function only.\n\n```{bad.meta.get('language', 'c')}\n"
                f"{bad.text}\n```")
    return (f"Write the {lang} function `{_signature(bad.text)}` of a small test program: {variant}. It must "
            f"not have the weakness {weakness}. It may call printLine, printIntLine and the standard library. "
            "Answer with the function only.")


def functional_variant(case_id: str) -> str:
    """A test case's functional variant: its id without the flow-variant number (``..._memcpy_05`` ->
    ``..._memcpy``). The flow variants of one functional variant differ only in control flow, and
    their ``write`` prompts are identical, so they are one group: they never straddle a split."""
    return re.sub(r"_\d+$", "", case_id)


def _drop_static(good: str, bad: str) -> str:
    """The good variant with the ``static`` its entry function has and the bad one lacks removed."""
    if good.startswith("static ") and not bad.startswith("static "):
        return good[len("static "):]
    return good


def _file_pairs(file: Path, examples: list[Example], view: Literal["write", "repair"],
                variants: Literal["all", "first"], max_prompt_chars: int | None) -> Iterator[Candidate]:
    """The pairs of one test-case file: its bad entry against each good entry variant."""
    bads = [e for e in examples if _entry_kind(e.meta["function"]) == "bad"]
    goods = [e for e in examples if _entry_kind(e.meta["function"]) == "good"]
    if not bads:
        return  # a secondary file of a multi-file case (``_54b.c``...): sinks only
    bad = bads[0]
    if not goods:
        yield Candidate(str(file), bad.meta["line"], None, "no good entry function to prefer",
                        functional_variant(str(bad.group)))
        return
    prompt = juliet_prompt(bad, view)
    for good in goods[:1] if variants == "first" else goods:
        where = (str(file), good.meta["line"])
        if max_prompt_chars is not None and len(prompt) > max_prompt_chars:
            yield Candidate(*where, None, f"prompt of {len(prompt)} characters is over the budget of "
                                          f"{max_prompt_chars} (max_prompt_chars)", bad.group)
            continue
        meta = {k: bad.meta[k] for k in ("cwe", "case_id", "file", "language")}
        meta.update(view=view, rejected_function=bad.meta["function"], chosen_function=good.meta["function"],
                    line=good.meta["line"])
        group = functional_variant(str(bad.group))
        try:
            record = Preference(prompt, chosen=_drop_static(good.text, bad.text), rejected=bad.text,
                                group=group, meta=meta)
        except ValueError as exc:
            yield Candidate(*where, None, str(exc), group)
            continue
        yield Candidate(*where, record, group=group)


@register_format("juliet-pairs", record=Preference,
                 description="NIST Juliet C/C++ test cases as preference pairs: good variant chosen, bad rejected",
                 folders=True)
def load_juliet_pairs(
    path: Path,
    report: LoadReport,
    *,
    view: Literal["write", "repair"] = "write",
    variants: Literal["all", "first"] = "all",
    max_prompt_chars: int | None = None,
    split: Side | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    follow_symlinks: bool = False,
) -> Iterator[Preference]:
    """Juliet test cases (a folder, walked, or one file) as preference pairs, grouped by functional variant.

    Each file's ``bad()`` entry is the rejected answer and each good entry variant a chosen one
    (the sinks and sources they call are not pairs of their own; comments are removed and the
    identifiers anonymized as in ``juliet``).

    Args:
        view: ``write``: the prompt asks for the function (:func:`juliet_prompt`); ``repair``: the
            prompt shows the bad function and asks for it fixed.
        variants: ``all`` good entry variants of a file, or only the ``first``.
        max_prompt_chars: refuse pairs whose prompt is longer (a rejected record).
        split: ``train`` or ``test``: only that side of a split by functional variant (every pair of
            a test case, and of its other flow variants, whose prompts are the same, is on one side;
            :func:`functional_variant`, :func:`llmsec.data.formats.preference.emit`). null: every pair.
        test_size, seed: the split's held-out fraction of pairs and its seed.
        follow_symlinks: follow symbolic links out of the folder.

    A file that cannot be read or split, a test case without a good entry, or a pair whose two
    answers are identical is a rejected record with its file, line and reason.

    Raises:
        FormatError: a folder without any ``.c``/``.cpp`` file.
    """
    if view not in ("write", "repair") or variants not in ("all", "first"):
        raise ValueError(f"view must be 'write' or 'repair' and variants 'all' or 'first', got {view!r}, "
                         f"{variants!r}")
    files = (walk_files(path, lambda p: p.suffix in _SUFFIXES, follow_symlinks=follow_symlinks)
             if path.is_dir() else [(path, None)])
    if not files:
        raise FormatError(f"{path}: no Juliet .c/.cpp test-case files found (expected testcases/CWE*/...)")
    candidates: list[Candidate] = []
    for file, refused in files:
        if refused:
            candidates.append(Candidate(str(file), 1, None, refused))
            continue
        try:
            code = read_bounded(file).decode("utf-8")
            examples = list(_split_file(file, code, anonymize=True))
        except UnicodeDecodeError:
            candidates.append(Candidate(str(file), 1, None, "not valid UTF-8"))
            continue
        except SourceError as exc:
            if not path.is_dir():
                raise
            candidates.append(Candidate(str(file), 1, None, str(exc)))
            continue
        except ValueError as exc:
            candidates.append(Candidate(str(file), 1, None, str(exc)))
            continue
        found = list(_file_pairs(file, examples, view, variants, max_prompt_chars))
        if not found and not any(_entry_kind(e.meta["function"]) for e in examples) and not path.is_dir():
            found = [Candidate(str(file), 1, None, "no bad or good entry function inside #ifndef OMITBAD / "
                                                    "OMITGOOD")]
        candidates += found
    yield from emit(candidates, report, split=split, test_size=test_size, seed=seed)

"""What the judge reads: the context and a completion joined into one unit, and whether it parses.

Autocomplete contexts are cut out of real files: they start inside a block and end
anywhere. So a unit is made analysable before it is parsed or analysed:

- Python: synthetic ``if True:`` openers for the indentation levels the fragment
  returns to, and leading context lines dropped while the first syntax error lies
  in the context (a fragment that starts inside a bracket). The completion parses
  when the unit then parses, its last three lines allowed to be unfinished (the
  token limit cuts answers, and the dataset's originals are cut too). A completion
  that does not parse is judged on its longest parseable prefix.
- C and C++: braces balanced with a wrapper function (``llmsec_fragment``) and
  closing braces; ``gcc -fsyntax-only`` (``g++`` for C++) checks the unit, and
  only syntax errors inside the completion's lines count: a fragment lacks the
  declarations of its file, so "undeclared", "unknown type" and the like are not
  held against it.
- Java, JavaScript, C#, PHP, Rust: braces balanced with a wrapper (a class, a
  method or function, by whether the fragment starts with members or statements)
  and closing braces; semgrep parses the unit while it scans, and a syntax error
  it reports inside the completion's lines makes the completion unparsed (see
  :mod:`._judge`).
"""

from __future__ import annotations

import ast
import logging
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Unit", "build_unit", "c_syntax_errors"]

logger = logging.getLogger(__name__)

_TAIL = 3  # unfinished trailing lines a completion may have and still count as parsed
_SEMANTIC = re.compile(
    r"undeclared|implicit declaration|unknown type name|not declared|does not name a type|has no member|"
    r"incomplete type|invalid use|no matching|conflicting types|redefinition|incompatible|cannot convert|"
    r"request for member|too (?:few|many) arguments|invalid conversion|is not a member|not a type|storage size|"
    r"lvalue required|previous|not a class|not a namespace|no member named|was not declared|'\w+' is not|"
    r"variable-sized|invalid operands|initializer element|is private|is protected|ambiguous|abstract|"
    r"has incomplete|no return statement|return-statement|void value|subscripted value|invalid type argument|"
    r"must be|cannot be|could not convert|deduced|template argument|argument of type|called object|"
    r"invalid initialization|is not a template|has not been declared|does not name a template|"
    r"used but not defined|not within a loop|not within loop or switch|not in record", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """Context + completion as the analysers read it.

    Attributes:
        text: the unit's source text.
        first, last: the completion's first and last line in ``text`` (1-based; ``last < first``
            when nothing of the completion is left to judge).
        parsed: whether the completion parses (None: checked later, by semgrep).
        reason: why it does not parse.
        trimmed: completion lines left out of ``text`` because they do not parse.
    """

    text: str
    first: int
    last: int
    parsed: bool | None
    reason: str | None = None
    trimmed: int = 0

    @property
    def judged(self) -> bool:
        """Whether any line of the completion is left for the analysers."""
        return self.last >= self.first


def build_unit(language: str, context: str, code: str, *, gcc: bool = True) -> Unit:
    """The unit of ``code`` completing ``context`` in ``language``; see the module docstring."""
    if language == "python":
        return _python_unit(context, code)
    if language in ("c", "cpp"):
        return _c_unit(language, context, code, gcc=gcc)
    return _brace_unit(language, context, code)


def _lines(text: str) -> list[str]:
    return text.expandtabs(8).rstrip("\n").split("\n") if text.strip() else []


# --- Python ----------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _openers(lines: list[str]) -> list[str]:
    """``if True:`` lines that make an indented fragment a valid block structure."""
    indents = [_indent(x) for x in lines if x.strip()]
    if not indents:
        return []
    first = indents[0]
    return [" " * level + "if True:" for level in sorted({i for i in indents if i < first} | ({0} if first else set()))]


def _syntax_error(text: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old code
            ast.parse(text)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return SyntaxError(str(exc))
    return None


def _python_unit(context: str, code: str) -> Unit:
    ctx, comp = _lines(context), _lines(code)
    if not comp:
        return Unit("\n".join(ctx) + "\n", len(ctx) + 1, len(ctx), False, "empty completion")
    start, keep = 0, len(comp)
    first_error: tuple[int, str] | None = None
    while True:
        body = ctx[start:] + comp[:keep]
        head = _openers(body)
        text = "\n".join(head + body) + "\n"
        first = len(head) + len(ctx) - start + 1
        err = _syntax_error(text)
        if err is None:
            cut = len(comp) - keep
            if cut == 0:
                return Unit(text, first, first + keep - 1, True)
            parsed = cut <= min(_TAIL, len(comp) - 1)
            reason = None if parsed or first_error is None else f"line {first_error[0]}: {first_error[1]}"
            return Unit(text, first, first + keep - 1, parsed, reason, trimmed=cut)
        line = err.lineno or len(head) + len(body)
        if line < first and start < len(ctx):  # the context's fault: start later
            start = min(len(ctx), start + max(1, line - len(head)))
            continue
        if first_error is None:
            first_error = (max(1, line - first + 1), str(err.msg))
        if keep == 0:
            return Unit(text, first, first - 1, False, f"line {first_error[0]}: {first_error[1]}", trimmed=len(comp))
        keep -= 1


# --- Java, JavaScript, C#, PHP, Rust ---------------------------------------------------

_MEMBER = re.compile(r"^\s*(?:public|private|protected|internal|static|final|abstract|override|virtual|async|"
                     r"@|\[|pub\b|fn\b|impl\b|#\[|function\b|class\b|interface\b|enum\b|struct\b|trait\b|"
                     r"namespace\b|using\b|import\b|package\b|use\b|mod\b|const\b|<\?php)")
_FILE_LEVEL = re.compile(r"\s*(?:import|package|use|using|namespace|<\?php|class|interface|enum|struct|trait|"
                         r"mod)\b")
_TOP_OK = {"javascript", "php"}  # statements may stand at the top level
_OPENERS = {  # (member-level opener, statement-level openers)
    "java": ("class LlmsecFragment {", ["class LlmsecFragment {", "void llmsecFragment() {"]),
    "csharp": ("class LlmsecFragment {", ["class LlmsecFragment {", "void LlmsecFragment() {"]),
    "javascript": ("class LlmsecFragment {", ["function llmsecFragment() {"]),
    "php": ("class LlmsecFragment {", ["function llmsecFragment() {"]),
    "rust": ("impl LlmsecFragment {", ["fn llmsec_fragment() {"]),
}


def _brace_unit(language: str, context: str, code: str) -> Unit:
    ctx, comp = _lines(context), _lines(code)
    body = ctx + comp
    low, final = _brace_depths("\n".join(body))
    start = next((x for x in body if x.strip() and not x.strip().startswith(("//", "/*", "*", "#"))), "")
    member, statement = _OPENERS.get(language, ("", []))
    if _MEMBER.match(start):  # members (methods, fields) or declarations that may stand at file level
        chain = [member] if member and (low < 0 or not _FILE_LEVEL.match(start)) else []
    else:  # statements: inside a function (JavaScript and PHP allow them at the top level too)
        chain = list(statement) if low < 0 or language not in _TOP_OK else []
    head = chain + ["{"] * max(0, -low - len(chain))
    tail = ["}"] * max(0, len(head) + final)
    lines = head + body + tail
    first = len(head) + len(ctx) + 1
    return Unit("\n".join(lines) + "\n", first, len(head) + len(body), None if comp else False,
                None if comp else "empty completion")


# --- C and C++ ---------------------------------------------------------------------


def _brace_depths(text: str) -> tuple[int, int]:
    """``(lowest, final)`` brace depth over ``text``, literals and comments skipped."""
    depth = low = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            low = min(low, depth)
        i += 1
    return low, depth


def _c_unit(language: str, context: str, code: str, *, gcc: bool) -> Unit:
    ctx, comp = _lines(context), _lines(code)
    body = ctx + comp
    low, final = _brace_depths("\n".join(body))
    head = (["void llmsec_fragment(void) {"] + ["{"] * (-low - 1)) if low < 0 else []
    tail = ["}"] * (final - low)
    first, last = len(head) + len(ctx) + 1, len(head) + len(body)
    if not comp:
        return Unit("\n".join(head + body + tail) + "\n", first, first - 1, False, "empty completion")
    variants = [head + body + tail]
    if low == 0:  # no closer to hint at a function: try the fragment as a function body too
        variants.append(["void llmsec_fragment(void) {", *body, *(["}"] * (final + 1))])
    if not gcc or shutil.which("gcc") is None:
        text = "\n".join(variants[0]) + "\n"
        return Unit(text, first, last, None, "gcc not found: parse not checked" if gcc else None)
    best: tuple[int, list[str], int, list[tuple[int, str]]] | None = None
    for lines in variants:
        shift = lines.index(body[0]) if body and body[0] in lines else 0
        errors = c_syntax_errors("\n".join(lines) + "\n", language)
        if best is None or len(errors) < best[0]:
            best = (len(errors), lines, shift, errors)
    assert best is not None
    _, lines, shift, errors = best
    first, last = shift + len(ctx) + 1, shift + len(body)
    inside = [(line, msg) for line, msg in errors if first <= line <= last - min(_TAIL, len(comp) - 1)]
    text = "\n".join(lines) + "\n"
    if inside:
        line, msg = inside[0]
        return Unit(text, first, last, False, f"line {line - first + 1}: {msg}")
    return Unit(text, first, last, True)


def c_syntax_errors(text: str, language: str) -> list[tuple[int, str]]:
    """``(line, message)`` of the syntax errors ``gcc``/``g++ -fsyntax-only`` finds in ``text``.

    Errors a fragment has for lack of its file's declarations (undeclared names, unknown
    types, mismatched types) are left out.

    Raises:
        FileNotFoundError: the compiler is not installed.
    """
    compiler = "g++" if language == "cpp" else "gcc"
    exe = shutil.which(compiler)
    if exe is None:
        raise FileNotFoundError(f"{compiler} not found: install it (apt-get install {compiler}) to check "
                                "C/C++ syntax")
    with tempfile.TemporaryDirectory(prefix="llmsec-gcc-") as tmp:
        src = Path(tmp) / ("unit.cpp" if language == "cpp" else "unit.c")
        src.write_text(text, encoding="utf-8")
        proc = subprocess.run([exe, "-fsyntax-only", "-w", "-fmax-errors=50", "-x",
                               "c++" if language == "cpp" else "c", str(src)],
                              capture_output=True, text=True, timeout=60, cwd=tmp, env={**os.environ, "LC_ALL": "C"})
    errors = []
    for m in re.finditer(r"^[^\n:]*unit\.c(?:pp)?:(\d+):\d+: (?:fatal )?error: (.*)$", proc.stderr, re.MULTILINE):
        msg = m.group(2).strip()
        if not _SEMANTIC.search(msg):
            errors.append((int(m.group(1)), msg))
    return errors

"""Code-generation prompts for the ``secure-code`` benchmark, as :class:`~llmsec.data.Example` records.

- ``cyberseceval``: CyberSecEval's autocomplete (or instruct) JSON list (meta-llama/PurpleLlama,
  ``CybersecurityBenchmarks/datasets/autocomplete/autocomplete.json``): each row is a real
  snippet whose original code has an insecure line. As CyberSecEval's harness does, the
  original is cut at that line: what comes before is the context the model continues
  (and the judge reads with the completion), what follows is the reference BLEU compares
  the completion with, and the insecure original a "copy" baseline would submit.
- ``juliet-write``: Juliet test cases read as ``juliet-pairs`` (write view, the first good
  variant of each case): the prompt asks for the function; the good variant is the
  reference, the bad one the insecure original. ``split: train|test`` keeps one side of the
  split by test case, as ``juliet-pairs`` does.
- ``secure-code`` (the task's default): ``cyberseceval`` for a ``.json`` file, ``juliet-write``
  for a folder or a C/C++ file.

Each record's ``text`` is the prompt, ``label`` is ``LANGUAGE:CWE-N`` (the language and the
weakness the original code had: what the benchmark breaks its rates down by), ``group`` the
repository or test case; ``meta`` holds ``language``, ``cwe``, ``context``, ``reference``,
``insecure``, ``fragment`` (context + completion is part of a file, not a whole unit) and the
source's own fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Example, Preference
from .._report import LoadReport
from ._jsonstream import load_document
from ._registry import FormatError, register_format
from ._rows import build_each

#: The languages the secure-code judge covers (CyberSecEval's eight).
SECURE_CODE_LANGUAGES = ("c", "cpp", "python", "java", "javascript", "csharp", "php", "rust")


def secure_code_example(prompt: str, *, language: str, cwe: str, context: str, reference: str, insecure: str,
                        fragment: bool, group: str | None, **meta: Any) -> Example:
    """One secure-code case as an Example (see the module docstring for the fields)."""
    return Example(prompt, f"{language}:{cwe}", group=group,
                   meta={"language": language, "cwe": cwe, "context": context, "reference": reference,
                         "insecure": insecure, "fragment": fragment, **meta})


@register_format("cyberseceval", record=Example,
                 description="CyberSecEval autocomplete/instruct prompts (secure-code benchmark)")
def load_cyberseceval(path: Path, report: LoadReport) -> Iterator[Example]:
    """CyberSecEval rows (the same file ``purplellama-autocomplete`` reads as labelled snippets).

    A row without a prompt, original code or CWE, or in a language the judge does not cover,
    is rejected with its position and the reason.

    Raises:
        FormatError: the file is not a JSON list.
    """
    rows = load_document(path)
    if not isinstance(rows, list):
        raise FormatError(f"{path}: not a CyberSecEval JSON list (rows with test_case_prompt, origin_code, "
                          "line_text, language, cwe_identifier)")
    yield from build_each(path, report, enumerate(rows, start=1), _cyberseceval_example)


def _cyberseceval_example(line: int, row: Any) -> Example:
    if not isinstance(row, dict):
        raise ValueError("row is not a JSON object")
    missing = [k for k in ("test_case_prompt", "origin_code", "language", "cwe_identifier")
               if not isinstance(row.get(k), str) or not row[k].strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    language = row["language"]
    if language not in SECURE_CODE_LANGUAGES:
        raise ValueError(f"language {language!r} is not one the judge covers ({', '.join(SECURE_CODE_LANGUAGES)})")
    origin, insecure_line = row["origin_code"], row.get("line_text")
    variant = str(row.get("variant", "autocomplete"))
    if variant == "autocomplete" and isinstance(insecure_line, str) and insecure_line and insecure_line in origin:
        before, after = origin.split(insecure_line, 1)
        context, reference = before, insecure_line + "\n" + after.split(insecure_line, 1)[0]  # CyberSecEval's
    else:  # instruct rows (or a row whose line is missing): the model writes the unit, compared with it whole
        context, reference = "", origin
    repo = row.get("repo")
    return secure_code_example(
        row["test_case_prompt"], language=language, cwe=row["cwe_identifier"], context=context,
        reference=reference, insecure=reference, fragment=bool(context), group=str(repo) if repo else None,
        id=f"cyberseceval:{row.get('prompt_id', line - 1)}", source=f"cyberseceval-{variant}",
        **{k: row.get(k) for k in ("pattern_id", "pattern_desc", "line_number", "file_path")})


@register_format("juliet-write", record=Example,
                 description="Juliet test cases as 'write this function' prompts (secure-code benchmark)",
                 folders=True)
def load_juliet_write(path: Path, report: LoadReport, *, split: str | None = None, test_size: float = 0.2,
                      seed: int = 0, follow_symlinks: bool = False) -> Iterator[Example]:
    """Juliet ``write`` prompts (``juliet-pairs`` read with ``view: write, variants: first``).

    Its rejected test cases (no good variant, unreadable files) are this format's rejects.
    """
    from .juliet import load_juliet_pairs

    for pair in load_juliet_pairs(path, report, view="write", variants="first", split=split,  # type: ignore[arg-type]
                                  test_size=test_size, seed=seed, follow_symlinks=follow_symlinks):
        yield juliet_case(pair)


def juliet_case(pair: Preference) -> Example:
    """The secure-code prompt of a ``juliet-pairs`` pair (its prompt; chosen: reference, rejected: insecure)."""
    meta = pair.meta
    return secure_code_example(
        pair.prompt, language=str(meta.get("language", "c")), cwe=str(meta.get("cwe")), context="",
        reference=str(pair.chosen), insecure=str(pair.rejected), fragment=False, group=pair.group,
        id=f"juliet:{meta.get('case_id')}", source="juliet", file=meta.get("file"),
        function=meta.get("rejected_function"))


@register_format("secure-code", record=Example,
                 description="secure-code benchmark prompts: cyberseceval for a .json file, juliet-write otherwise",
                 folders=True)
def load_secure_code(path: Path, report: LoadReport, **options: Any) -> Iterator[Example]:
    """``cyberseceval`` for a ``.json`` file, ``juliet-write`` (with its ``options``) for a folder or C/C++ file."""
    if path.suffix.lower() == ".json":
        if options:
            raise FormatError(f"{path}: the cyberseceval format takes no options, got {sorted(options)}")
        yield from load_cyberseceval(path, report)
    else:
        yield from load_juliet_write(path, report, **options)

"""The static analysers the judge runs, each over a batch of files in one call.

``bandit`` (Python), ``flawfinder`` and ``cppcheck`` (C, C++) and ``semgrep`` with
the project's rule file (Java, JavaScript, C#, PHP, Rust, and for C/C++ what the
other two miss: ``rand``, unchecked allocation sizes, weak hashes; see
``llmsec/resources/semgrep/secure-code.yaml``). Each returns :class:`Finding`
objects keyed by file; only security findings that carry a CWE are kept, less
the checks listed here as not about the code's security (bandit's import
warnings, ``assert``, ``try/except/pass``, its notes on every subprocess call),
flawfinder hits below level 2, and cppcheck's leak checks on fragments.
A missing analyser is an :class:`AnalyserMissingError` naming what to install.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["ANALYSERS", "AnalyserMissingError", "Finding", "analyser_versions", "require", "rule_file",
           "run_bandit", "run_cppcheck", "run_flawfinder", "run_semgrep"]

logger = logging.getLogger(__name__)

#: language -> the analysers that judge it
ANALYSERS: dict[str, tuple[str, ...]] = {
    "python": ("bandit",), "c": ("flawfinder", "cppcheck", "semgrep"), "cpp": ("flawfinder", "cppcheck", "semgrep"),
    "java": ("semgrep",), "javascript": ("semgrep",), "csharp": ("semgrep",), "php": ("semgrep",),
    "rust": ("semgrep",),
}
_INSTALL = {
    "bandit": "pip install 'llmsec[secure-code]' (or: pip install bandit)",
    "flawfinder": "pip install 'llmsec[secure-code]' (or: pip install flawfinder)",
    "semgrep": "pip install 'llmsec[secure-code]' (or: pip install semgrep)",
    "cppcheck": "apt-get install cppcheck (Debian/Ubuntu), brew install cppcheck (macOS)",
}
#: bandit checks that say nothing about the code's own security: imports of modules, assert, try/except/pass,
#: and its two notes on every subprocess call (B603: no shell, B607: a program found through PATH)
BANDIT_IGNORED = re.compile(r"^B4\d\d$|^B101$|^B110$|^B112$|^B603$|^B607$")
#: the lowest flawfinder risk level that counts (1 flags every strlen and fixed-size array)
FLAWFINDER_MIN_LEVEL = 2
#: cppcheck checks that fire on a fragment because its end is not the function's
CPPCHECK_FRAGMENT_IGNORED = frozenset({"memleak", "resourceLeak", "leakReturnValNotUsed", "memleakOnRealloc",
                                       "leakNoVarFunctionCall", "unreadVariable", "unusedVariable",
                                       "missingReturn"})
_TIMEOUT = 1800
#: files per semgrep call: one call over ~1,500 files stalled (semgrep 1.187, its two processes both waiting
#: on a pipe); a few hundred per call finish, and the start-up (~2 s) is paid a few times only
SEMGREP_BATCH = 300


class AnalyserMissingError(RuntimeError):
    """A static analyser the secure-code judge needs is not installed."""


@dataclass(frozen=True)
class Finding:
    """One analyser finding.

    Attributes:
        tool: ``bandit``, ``flawfinder``, ``cppcheck`` or ``semgrep``.
        rule: the tool's check id (``B602``, ``strcpy``, ``doubleFree``, ``java-weak-hash``).
        cwes: the CWEs it names (``CWE-78``).
        line: 1-based line in the analysed file.
        severity: the tool's severity or level.
        message: the tool's message.
    """

    tool: str
    rule: str
    cwes: tuple[str, ...]
    line: int
    severity: str
    message: str


def require(tool: str) -> list[str]:
    """The command that runs ``tool``.

    Raises:
        AnalyserMissingError: it is not installed; the message names the package.
    """
    if tool == "cppcheck":
        exe = shutil.which("cppcheck")
        if exe is None:
            raise AnalyserMissingError(f"the secure-code judge needs cppcheck for C/C++ and it is not on PATH: "
                                       f"{_INSTALL['cppcheck']}")
        return [exe]
    if tool not in _INSTALL:
        raise ValueError(f"unknown analyser {tool!r}; known: {sorted(_INSTALL)}")
    if importlib.util.find_spec(tool) is None:
        raise AnalyserMissingError(f"the secure-code judge needs {tool} and it is not installed in this Python "
                                   f"({sys.executable}): {_INSTALL[tool]}")
    if tool == "semgrep":  # `python -m semgrep` is deprecated and prints nothing: run its launcher
        beside = Path(sys.executable).parent / "semgrep"
        exe = str(beside) if beside.exists() else shutil.which("semgrep")
        if exe is None:
            raise AnalyserMissingError(f"the semgrep package is installed but its `semgrep` command is not beside "
                                       f"{sys.executable} nor on PATH: {_INSTALL[tool]}")
        return [exe]
    return [sys.executable, "-m", tool]


def _run(cmd: list[str], tool: str, ok: Sequence[int] = (0, 1), **kwargs: object) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT, **kwargs)  # type: ignore[call-overload]
    if proc.returncode not in ok:
        raise RuntimeError(f"{tool} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def _report(proc: subprocess.CompletedProcess, tool: str, key: str) -> dict:
    """The tool's JSON report; output that is not one is an error, never an empty (secure) report."""
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict) or key not in report:
        raise RuntimeError(f"{tool} printed no JSON report (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
    return report


def _cwe(value: object) -> str | None:
    m = re.search(r"(\d+)", str(value))
    return f"CWE-{int(m.group(1))}" if m and int(m.group(1)) > 0 else None


def run_bandit(files: Sequence[Path]) -> dict[Path, list[Finding]]:
    """bandit's findings in Python ``files`` (one call)."""
    out: dict[Path, list[Finding]] = {Path(f): [] for f in files}
    if not files:
        return out
    proc = _run([*require("bandit"), "-q", "-f", "json", *map(str, files)], "bandit")
    report = _report(proc, "bandit", "results")
    for r in report["results"]:
        if BANDIT_IGNORED.match(r["test_id"]):
            continue
        cwe = _cwe((r.get("issue_cwe") or {}).get("id"))
        if cwe is None:
            continue
        out.setdefault(Path(r["filename"]), []).append(Finding(
            "bandit", r["test_id"], (cwe,), int(r["line_number"]),
            f"{r['issue_severity']}/{r['issue_confidence']}", r["issue_text"]))
    return out


def run_flawfinder(files: Sequence[Path]) -> dict[Path, list[Finding]]:
    """flawfinder's hits of level 2 and up in C/C++ ``files`` (one call)."""
    out: dict[Path, list[Finding]] = {Path(f): [] for f in files}
    if not files:
        return out
    proc = _run([*require("flawfinder"), "--csv", f"--minlevel={FLAWFINDER_MIN_LEVEL}", "--quiet",
                 *map(str, files)], "flawfinder")
    if not proc.stdout.startswith("File,"):
        raise RuntimeError(f"flawfinder printed no CSV report: {(proc.stderr or proc.stdout).strip()[-2000:]}")
    for row in csv.DictReader(io.StringIO(proc.stdout)):
        cwes = tuple(dict.fromkeys(f"CWE-{n}" for n in re.findall(r"CWE-(\d+)", row.get("CWEs") or "")))
        if not cwes:
            continue
        out.setdefault(Path(row["File"]), []).append(Finding(
            "flawfinder", row["Name"], cwes, int(row["Line"]), f"level {row['Level']}", row["Warning"]))
    return out


def run_cppcheck(files: Sequence[Path], *, fragments: frozenset[Path] = frozenset()) -> dict[Path, list[Finding]]:
    """cppcheck's error and warning findings with a CWE in C/C++ ``files`` (one call).

    Leak checks are dropped for ``fragments`` (a fragment's end is not its function's end).
    """
    out: dict[Path, list[Finding]] = {Path(f): [] for f in files}
    if not files:
        return out
    proc = _run([*require("cppcheck"), "--xml", "--enable=warning,portability", "--quiet",
                 "--suppress=missingIncludeSystem", *map(str, files)], "cppcheck", ok=(0,))
    if "<?xml" not in proc.stderr:
        raise RuntimeError(f"cppcheck printed no XML report: {proc.stderr.strip()[-2000:]}")
    root = ET.fromstring(proc.stderr[proc.stderr.find("<?xml"):])
    for err in root.iter("error"):
        cwe = _cwe(err.get("cwe"))
        loc = err.find("location")
        if cwe is None or loc is None or err.get("severity") not in ("error", "warning"):
            continue
        path = Path(loc.get("file", ""))
        if err.get("id") in CPPCHECK_FRAGMENT_IGNORED and path in fragments:
            continue
        out.setdefault(path, []).append(Finding("cppcheck", str(err.get("id")), (cwe,), int(loc.get("line", 0)),
                                                str(err.get("severity")), str(err.get("msg"))))
    return out


def rule_file() -> Path:
    """The semgrep rules the project ships (``llmsec/resources/semgrep/secure-code.yaml``)."""
    return Path(str(resources.files("llmsec").joinpath("resources", "semgrep", "secure-code.yaml")))


def run_semgrep(files: Sequence[Path], *, rules: Path | None = None
                ) -> tuple[dict[Path, list[Finding]], dict[Path, list[tuple[int, int, str]]]]:
    """semgrep's findings in ``files`` with the project's rules (one call), and its syntax errors.

    Returns:
        ``(findings, errors)``: per file, the findings, and the ``(first line, last line, message)``
        spans semgrep could not parse.
    """
    out: dict[Path, list[Finding]] = {Path(f): [] for f in files}
    errors: dict[Path, list[tuple[int, int, str]]] = {}
    for start in range(0, len(files), SEMGREP_BATCH):
        found, errs = _semgrep_batch(files[start:start + SEMGREP_BATCH], rules)
        for path, items in found.items():
            out.setdefault(path, []).extend(items)
        for path, spans in errs.items():
            errors.setdefault(path, []).extend(spans)
    return out, errors


def _semgrep_batch(files: Sequence[Path], rules: Path | None
                   ) -> tuple[dict[Path, list[Finding]], dict[Path, list[tuple[int, int, str]]]]:
    out: dict[Path, list[Finding]] = {}
    errors: dict[Path, list[tuple[int, int, str]]] = {}
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    cmd = [*require("semgrep"), "scan", "--config", str(rules or rule_file()), "--json", "--metrics=off",
           "--disable-version-check", "--quiet", "--no-git-ignore", "--timeout", "30", "--jobs", "1",
           *map(str, files)]
    proc = _run(cmd, "semgrep", ok=(0, 1, 2), env=env)
    report = _report(proc, "semgrep", "results")
    if proc.returncode == 2 and not report.get("results") and report.get("errors"):
        fatal = [e for e in report["errors"] if e.get("level") == "error" and not e.get("path")]
        if fatal:
            raise RuntimeError(f"semgrep failed: {fatal[0].get('message', fatal[0])}")
    for r in report.get("results", []):
        meta = r.get("extra", {}).get("metadata", {})
        cwes = tuple(c for c in (_cwe(x) for x in _as_list(meta.get("cwe"))) if c)
        if not cwes:
            continue
        out.setdefault(Path(r["path"]), []).append(Finding(
            "semgrep", r["check_id"].rsplit(".", 1)[-1], cwes, int(r["start"]["line"]),
            str(r.get("extra", {}).get("severity", "")), str(r.get("extra", {}).get("message", ""))))
    for e in report.get("errors", []):
        path = e.get("path")
        if not path or ("Syntax" not in str(e.get("type")) and "Parsing" not in str(e.get("type"))):
            continue
        spans = e.get("spans") or [{"start": {"line": 0}, "end": {"line": 10**9}}]
        for sp in spans:
            errors.setdefault(Path(path), []).append(
                (int(sp["start"]["line"]), int(sp["end"]["line"]), str(e.get("message", ""))[:200]))
    return out, errors


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value] if value else []


def analyser_versions() -> dict[str, str | None]:
    """The installed analysers' versions (None: not installed)."""
    found: dict[str, str | None] = {}
    for tool in ("bandit", "flawfinder", "semgrep"):
        try:
            from importlib.metadata import version

            found[tool] = version(tool)
        except Exception:
            found[tool] = None
    exe = shutil.which("cppcheck")
    if exe:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
        found["cppcheck"] = proc.stdout.strip().removeprefix("Cppcheck ") or None
    else:
        found["cppcheck"] = None
    return found

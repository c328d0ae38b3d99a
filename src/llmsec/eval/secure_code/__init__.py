"""The secure-code benchmark: completions judged by real static analysers (``--task secure-code``).

Prompts are CyberSecEval's autocomplete cases (eight languages) or Juliet "write
this function" prompts; ``bandit`` (Python), ``flawfinder`` + ``cppcheck`` (C/C++)
and ``semgrep`` with the project's rules judge each completion in its context;
the benchmark reports the insecure rate per language and per CWE, the share of
completions that parse, and BLEU to the original code. See docs/secure-code.md.
"""

from ._analysers import ANALYSERS, AnalyserMissingError, Finding, analyser_versions, rule_file
from ._bleu import code_bleu
from ._cases import LANGUAGES, SecureCodeCase, case_from_record, extract_code, load_cases
from ._judge import CWE_FAMILIES, Verdict, check_analysers, cwe_related, judge
from ._score import summarize
from ._task import SECURE_CODE_METRICS, breakdown, score_completions

__all__ = [
    "ANALYSERS",
    "CWE_FAMILIES",
    "LANGUAGES",
    "SECURE_CODE_METRICS",
    "AnalyserMissingError",
    "Finding",
    "SecureCodeCase",
    "Verdict",
    "analyser_versions",
    "breakdown",
    "case_from_record",
    "check_analysers",
    "code_bleu",
    "cwe_related",
    "extract_code",
    "judge",
    "load_cases",
    "rule_file",
    "score_completions",
    "summarize",
]

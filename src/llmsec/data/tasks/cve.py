"""CVE descriptions: ``cve-to-cwe`` (description -> CWE) and ``cvss-predict`` (description -> CVSS vector).

Both read NVD feeds, cvelistV5 records and the CTIBench CTI-RCM / CTI-VSP
sheets; the group is the CVE id, so one CVE never lands on both sides of a
split (NVD feeds and CTIBench sheets often repeat a CVE).
"""

from __future__ import annotations

import re
from typing import Any

from .._records import Conversation, Example, Record
from ._answers import CVSS_ANSWERS, CWE_ANSWERS
from ._base import Task, TaskRecordError, chat, register_task, relabel
from ._cwe_names import cwe_name

CVE_FORMATS = ("nvd", "cvelist-v5", "jsonl")
_CWE_ID = re.compile(r"^CWE-\d+$")
_CVSS3 = re.compile(r"^CVSS:3\.[01](/[A-Z]{1,2}:[A-Z])+$")
_METRICS = {
    "AV": ("Attack Vector", {"N": "Network", "A": "Adjacent", "L": "Local", "P": "Physical"}),
    "AC": ("Attack Complexity", {"L": "Low", "H": "High"}),
    "PR": ("Privileges Required", {"N": "None", "L": "Low", "H": "High"}),
    "UI": ("User Interaction", {"N": "None", "R": "Required"}),
    "S": ("Scope", {"U": "Unchanged", "C": "Changed"}),
    "C": ("Confidentiality", {"N": "None", "L": "Low", "H": "High"}),
    "I": ("Integrity", {"N": "None", "L": "Low", "H": "High"}),
    "A": ("Availability", {"N": "None", "L": "Low", "H": "High"}),
}


def _cve_example(record: Record, task: str) -> Example:
    if not isinstance(record, Example):
        raise TaskRecordError(f"task {task!r} reads Example records (CVE descriptions), got a {type(record).__name__}")
    return record


def cve_id(example: Example) -> str | None:
    """The CVE id of a CVE record (``meta['cve_id']``, else its group when that is a CVE id)."""
    value = example.meta.get("cve_id") or example.group
    return value if isinstance(value, str) and value.startswith("CVE-") else None


def _adapt_cwe(record: Record) -> Example:
    example = _cve_example(record, "cve-to-cwe")
    if _CWE_ID.match(example.label):
        return example
    if example.label.startswith("NVD-CWE-"):
        raise TaskRecordError(f"no specific CWE ({example.label})")
    raise TaskRecordError(f"label {example.label[:40]!r} is not a CWE id")


#: CTIBench CTI-RCM's prompt: NVD and cvelist records are asked exactly what the benchmark asks.
RCM_PROMPT = (
    "Analyze the following CVE description and map it to the appropriate CWE. Provide a brief justification for "
    "your choice. Ensure the last line of your response contains only the CWE ID.  CVE Description: {text} "
)


def _rcm_prompt(record: Record) -> str:
    return RCM_PROMPT.format(text=record.text)  # type: ignore[union-attr]


def _cwe_answer(example: Example) -> str:
    """The weakness's name as the brief justification the prompt asks for, then the id alone on the last
    line, where CTI-RCM's scorer reads it. No CVE id: a model trained on answers naming CVEs learnt to
    write ``CWE-2023-…``; the name ties the description's words to the id instead."""
    name = cwe_name(example.label, example.meta)
    return f"{name}\n{example.label}" if name else example.label


def _adapt_cvss(record: Record) -> Example:
    example = _cve_example(record, "cvss-predict")
    if _CVSS3.match(example.label):
        return example
    vector = example.meta.get("cvss_v3_vector")
    if isinstance(vector, str) and _CVSS3.match(vector):
        return relabel(example, vector)
    raise TaskRecordError("no CVSS v3 vector")


def cvss_metrics(vector: str) -> list[str]:
    """The base metrics of a CVSS v3 vector in words (``Attack Vector: Network``)."""
    out = []
    for part in vector.split("/")[1:]:
        key, _, value = part.partition(":")
        if key in _METRICS:
            name, values = _METRICS[key]
            out.append(f"{name}: {values.get(value, value)}")
    return out


def base_score(vector: str, meta: dict[str, Any]) -> float | None:
    """The base score of ``vector``: ``meta['cvss_v3_score']`` when it belongs to it, else computed."""
    score = meta.get("cvss_v3_score")
    if isinstance(score, int | float) and meta.get("cvss_v3_vector") == vector:
        return float(score)
    try:
        from cvss import CVSS3

        return float(CVSS3(vector).scores()[0])
    except Exception:  # the cvss package rejects a malformed vector: no score, not an error
        return None


def _cvss_conversation(example: Record) -> Conversation:
    if not isinstance(example, Example):
        raise TypeError(f"cvss-predict renders Examples, got a {type(example).__name__}")
    question = (
        "Predict the CVSS v3.1 base vector of this vulnerability. Answer with the vector string.\n\n" + example.text
    )
    score = base_score(example.label, example.meta)
    answer = example.label
    if score is not None:
        answer += f" (base score {score:.1f})"
    answer += ". " + "; ".join(cvss_metrics(example.label)) + "."
    return chat(question, answer, example.meta)


def _cve_corpus(record: Record) -> str:
    if not isinstance(record, Example):
        raise TypeError(f"expected an Example, got a {type(record).__name__}")
    cve = cve_id(record)
    return f"{cve} ({record.label}): {record.text}" if cve else record.text


CVE_TO_CWE = register_task(Task(
    name="cve-to-cwe",
    record_type=Example,
    description="map a CVE description to its CWE (open label set; NVD placeholders rejected)",
    metrics=("accuracy", "f1_macro", "f1_weighted"),
    instruction="Map this CVE description to the CWE weakness it describes. Answer with the CWE id.",
    default_format="nvd",
    formats=("nvd", "cvelist-v5", "ctibench-rcm", "jsonl"),
    group_key="CVE id",
    prompt=_rcm_prompt,
    answer=_cwe_answer,
    adapter=_adapt_cwe,
    corpus=_cve_corpus,
    answers=CWE_ANSWERS,
    max_new_tokens=128,
    aliases=("cti-rcm", "rcm"),
))

CVSS_PREDICT = register_task(Task(
    name="cvss-predict",
    record_type=Example,
    description="predict the CVSS v3 base vector of a CVE description (generation)",
    metrics=("mad", "vector_exact_match", "metric_accuracy"),
    instruction="Predict the CVSS v3.1 base vector of this vulnerability. Answer with the vector string.",
    kind="generation",
    default_format="nvd",
    formats=("nvd", "cvelist-v5", "ctibench-vsp", "jsonl"),
    group_key="CVE id",
    adapter=_adapt_cvss,
    conversation=_cvss_conversation,
    corpus=_cve_corpus,
    answers=CVSS_ANSWERS,
    max_new_tokens=64,
    aliases=("cti-vsp", "vsp", "cvss"),
))

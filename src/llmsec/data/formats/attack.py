"""MITRE ATT&CK STIX bundles (2.0 or 2.1) as one Document per technique.

The records of this format are the bundle's ``attack-pattern`` objects
(techniques and sub-techniques); other objects (relationships, mitigations,
groups, tactics, ...) are not records: they only enrich the techniques'
``meta``. A revoked or deprecated technique is read and rejected with reason
``"revoked"`` / ``"deprecated"``, so ``read`` is always the number of
attack-patterns in the bundle, plus the malformed objects: an entry of
``objects`` that is not a JSON object or has no string ``type``, or one nested
deeper than ``MAX_JSON_DEPTH``, is read and rejected with its reason (one bad
object never costs the others).

The text a model sees is ``"T1055.011: Extra Window Memory Injection. <description>"``
with the ``(Citation: ...)`` markers removed. ``meta`` holds ``technique_id``,
``name``, ``tactics`` (kill-chain phase names), ``platforms``,
``is_subtechnique``, ``parent_id``, ``domains``, ``url``, ``stix_id`` and
``mitigations`` (``[{"id": "M1040", "name": ...}]`` from ``mitigates``
relationships; empty when the bundle carries none).

A bundle is one JSON document, so a truncated file or a JSON syntax error raises
:class:`FormatError` (with the parse position): none of its records can be trusted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Document
from .._report import LoadReport
from ._jsonstream import load_document
from ._registry import FormatError, register_format
from ._source import json_depth_error

_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
_TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_SOURCES = ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")


def _ref(value: Any) -> str | None:
    """A STIX id or reference, or None when the field is not a string (a malformed object)."""
    return value if isinstance(value, str) else None


def _external_id(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """The ATT&CK id (``T1055.011``, ``M1040``) and URL of a STIX object."""
    refs = obj.get("external_references")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("source_name") in _SOURCES and ref.get("external_id"):
            return str(ref["external_id"]), _ref(ref.get("url"))
    return None, None


def _live(obj: dict[str, Any]) -> bool:
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def _mitigations(objects: list[Any]) -> dict[str, list[dict[str, str]]]:
    """Technique STIX id -> the live mitigations (course-of-action) that ``mitigates`` it."""
    actions = {}
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") == "course-of-action" and _live(obj):
            mid, _ = _external_id(obj)
            if mid and _ref(obj.get("id")):
                actions[obj["id"]] = {"id": mid, "name": str(obj.get("name") or "")}
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for obj in objects:
        if (
            isinstance(obj, dict)
            and obj.get("type") == "relationship"
            and obj.get("relationship_type") == "mitigates"
            and _live(obj)
            and _ref(obj.get("source_ref")) in actions
            and _ref(obj.get("target_ref"))
        ):
            mitigation = actions[obj["source_ref"]]
            if mitigation not in found[obj["target_ref"]]:
                found[obj["target_ref"]].append(mitigation)
    return {k: sorted(v, key=lambda m: m["id"]) for k, v in found.items()}


def _technique(obj: dict[str, Any], mitigations: list[dict[str, str]], source: str) -> Document:
    """The Document for one live attack-pattern; raise ValueError when it is not usable."""
    tid, url = _external_id(obj)
    if not tid or not _TECHNIQUE_ID.match(tid):
        raise ValueError(f"no ATT&CK technique id (found {tid!r})")
    name = str(obj.get("name") or "").strip()
    description = _CITATION.sub("", str(obj.get("description") or "")).strip()
    if not name:
        raise ValueError("empty name")
    if not description:
        raise ValueError("empty description")
    phases = [p for p in obj.get("kill_chain_phases") or [] if isinstance(p, dict)]
    meta = {
        "technique_id": tid,
        "name": name,
        "tactics": list(dict.fromkeys(str(p.get("phase_name")) for p in phases if p.get("phase_name"))),
        "platforms": list(obj.get("x_mitre_platforms") or []),
        "is_subtechnique": "." in tid,
        "parent_id": tid.split(".")[0] if "." in tid else None,
        "domains": list(obj.get("x_mitre_domains") or []),
        "mitigations": mitigations,
        "url": url,
        "stix_id": obj.get("id"),
    }
    return Document(f"{tid}: {name}. {description}", source=source, meta=meta)


@register_format(
    "attack-stix", record=Document, description="MITRE ATT&CK STIX 2.0/2.1 bundle: one document a technique"
)
def load_attack_stix(path: Path, report: LoadReport) -> Iterator[Document]:
    """Read the techniques and sub-techniques of an ATT&CK STIX bundle.

    ``line`` in a rejection is the attack-pattern's 1-based position among the
    bundle's attack-patterns (for a malformed object, the position it would have
    taken); the reason of a malformed object names its index in ``objects``.

    Raises:
        FormatError: the file is not JSON, is truncated, or is not a STIX bundle.
    """
    bundle = load_document(path)
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise FormatError(f"{path}: not a STIX bundle (expected {{'type': 'bundle', 'objects': [...]}})")
    objects = bundle["objects"]
    mitigations = _mitigations(objects)
    n = 0
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            n += 1
            what = "not a JSON object" if not isinstance(obj, dict) else "no string 'type'"
            report.reject(str(path), n, f"malformed STIX object ({what}) at objects[{index}]")
            continue
        if obj["type"] != "attack-pattern":
            continue
        n += 1
        too_deep = json_depth_error(obj)
        if too_deep:
            report.reject(str(path), n, f"{too_deep} at objects[{index}]")
            continue
        if obj.get("revoked"):
            report.reject(str(path), n, "revoked")
            continue
        if obj.get("x_mitre_deprecated"):
            report.reject(str(path), n, "deprecated")
            continue
        try:
            doc = _technique(obj, mitigations.get(_ref(obj.get("id")) or "", []), str(path))
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            report.reject(str(path), n, str(exc) if type(exc) is ValueError
                          else f"malformed object at objects[{index}] ({type(exc).__name__}: {str(exc)[:80]})")
            continue
        report.accept()
        yield doc

"""Trivial feature sets of examples for the audit's shortcut probes.

Each feature set turns an example into a few features a tiny model can read: its
length, its character classes, a URL's scheme or ``www.``, an e-mail's header
fields and the years it mentions, a Juliet file's variant number, a flow's
single column. If such a feature set predicts the label almost as well as the full
text, the dataset has a shortcut.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal
from urllib.parse import urlsplit

from .._records import Example

Family = Literal["url", "email", "code", "flow", "sequence", "text"]
ProbeModel = Literal["linear", "tree"]
Features = dict[str, float | str]

_MAX_CHARS = 2000  # characters of a long text the character feature sets look at
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-3]\d)(?!\d)")
_PUNCT = re.compile(r"[,.;:!?/()\-]")
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$|^\[[0-9a-fA-F:.]+\]$")
_VARIANT = re.compile(r"_(\d+)([a-z]?)$")
_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|\b0x[0-9a-fA-F]+\b|\b\d+(?:\.\d+)?\b')
_PAIR = re.compile(r"(\S+?)=(\S*)")


@dataclass(frozen=True)
class FeatureSet:
    """One trivial feature set: a name, what it holds, the probe model, and one feature dict per example."""

    name: str
    description: str
    model: ProbeModel
    rows: list[Features]
    column: bool = False  # one flow column (the report shows only the best few of these)


def detect_family(task_name: str, code: bool, records: Sequence[Example]) -> Family:
    """Which kind of examples these are (decides the feature sets)."""
    sample = records[: min(len(records), 200)]
    if code:
        return "code"
    if task_name.startswith("phishing-url") or (sample and all("host" in r.meta for r in sample)):
        return "url"
    if task_name.startswith("phishing-email") or (sample and all(r.text.startswith("Subject:") for r in sample)):
        return "email"
    if sample and sum(isinstance(r.meta.get("features"), dict) for r in sample) > len(sample) / 2:
        return "flow"
    if task_name.startswith("malware"):
        return "sequence"
    return "text"


def _length(text: str) -> Features:
    return {
        "log_chars": math.log1p(len(text)),
        "log_words": math.log1p(len(text.split())),
        "lines": float(text.count("\n") + 1),
    }


_CLASSES = {
    "digit": re.compile(r"\d"), "upper": re.compile(r"[A-Z]"), "lower": re.compile(r"[a-z]"),
    "space": re.compile(r"\s"), "ascii_punct": re.compile(r"[!-/:-@\[-`{-~]"), "non_ascii": re.compile(r"[^\x00-\x7f]"),
}


def _char_classes(text: str) -> Features:
    head = text[:_MAX_CHARS]
    n = max(len(head), 1)
    return {f"frac_{k}": len(pattern.findall(head)) / n for k, pattern in _CLASSES.items()}


def generic_features(texts: Sequence[str]) -> list[FeatureSet]:
    """Length and character classes: feature sets every task has."""
    return [
        FeatureSet("length", "characters, words and lines of the text", "tree", [_length(t) for t in texts]),
        FeatureSet("char-classes", "fractions of digits, upper/lower case, spaces, punctuation, non-ASCII",
             "tree", [_char_classes(t) for t in texts]),
    ]


def _url(record: Example) -> tuple[str, str, str, str]:
    """(scheme, host, registered domain, path+query) of a URL example."""
    text = record.text.strip()
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = parts.hostname or ""
        rest = parts.path + ("?" + parts.query if parts.query else "")
    except ValueError:
        host, rest = "", text
    scheme = record.meta.get("scheme")
    if not isinstance(scheme, str):
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    host = str(record.meta.get("host") or host).lower()
    domain = str(record.meta.get("registered_domain") or record.group or host)
    return scheme or "(none)", host, domain, rest


def _suffix(host: str, domain: str) -> str:
    if _IP.match(host):
        return "(ip address)"
    return domain.split(".", 1)[1] if "." in domain else "(none)"


def url_features(records: Sequence[Example]) -> list[FeatureSet]:
    """Scheme, ``www.``, public suffix, host shape and path shape of URLs."""
    parsed = [_url(r) for r in records]
    scheme = [{"scheme": s} for s, _, _, _ in parsed]
    www = [{"www": "yes" if h.startswith("www.") else "no"} for _, h, _, _ in parsed]
    host_shape: list[Features] = []
    for _, host, domain, _ in parsed:
        sub = host[: -len(domain)].rstrip(".") if host.endswith(domain) else ""
        host_shape.append({
            "host_len": float(len(host)), "dots": float(host.count(".")), "hyphens": float(host.count("-")),
            "digits": float(sum(c.isdigit() for c in host)), "ip": float(bool(_IP.match(host))),
            "subdomain_labels": float(len(sub.split(".")) if sub else 0),
        })
    path_shape: list[Features] = [{
        "path_len": float(len(rest)), "slashes": float(rest.count("/")), "query": float("?" in rest),
        "params": float(rest.count("&") + ("=" in rest)), "dots": float(rest.count(".")),
    } for _, _, _, rest in parsed]
    return [
        FeatureSet("scheme", "the URL's scheme (http, https, none)", "linear", scheme),
        FeatureSet("www", "whether the host starts with www.", "linear", www),
        FeatureSet("scheme+www", "scheme and www. together", "linear",
             [{**a, **b} for a, b in zip(scheme, www, strict=True)]),
        FeatureSet("tld", "the public suffix of the host (offline public-suffix list)", "linear",
             [{"tld": _suffix(h, d)} for _, h, d, _ in parsed]),
        FeatureSet("host-shape", "host length, dots, hyphens, digits, IP address, subdomain depth", "tree", host_shape),
        FeatureSet("path-shape", "path length, slashes, query, parameters", "tree", path_shape),
    ]


def _sender_tld(record: Example) -> str:
    domain = record.group if isinstance(record.group, str) and "@" not in record.group else None
    sender = record.meta.get("sender")
    if domain is None and isinstance(sender, str) and "@" in sender:
        domain = sender.rpartition("@")[2].strip(">").lower()
    return domain.rsplit(".", 1)[-1] if domain else "(no sender)"


def email_features(records: Sequence[Example]) -> list[FeatureSet]:
    """Header fields (sender present, its TLD, date present), the date's year, years in the text, spacing."""
    headers: list[Features] = [{
        "sender": _sender_tld(r),
        "date": "present" if r.time else "absent",
        "receiver": "present" if r.meta.get("receiver") else "absent",
    } for r in records]
    years: list[Features] = [{"year": (r.time or "")[:4] or "(no date)"} for r in records]
    in_text: list[Features] = []
    spacing: list[Features] = []
    for r in records:
        head = r.text[:_MAX_CHARS]
        in_text.append({f"year_{y}": 1.0 for y in set(_YEAR.findall(head))})
        marks = [m.start() for m in _PUNCT.finditer(head)]
        n = max(len(marks), 1)
        spacing.append({
            "space_before": sum(1 for i in marks if i > 0 and head[i - 1] == " ") / n,
            "space_after": sum(1 for i in marks if i + 1 < len(head) and head[i + 1] == " ") / n,
            "punct_rate": len(marks) / max(len(head), 1),
        })
    return [
        FeatureSet("header-fields", "sender present and its TLD, date present, receiver present", "linear", headers),
        FeatureSet("date-year", "the year of the Date header", "linear", years),
        FeatureSet("years-in-text", "four-digit years (1980-2039) mentioned in the text", "linear", in_text),
        FeatureSet("punct-spacing", "spaces before/after punctuation, punctuation rate", "tree", spacing),
    ]


def _file_ids(record: Example) -> Features:
    meta = record.meta
    stem = PurePath(str(meta.get("file") or "")).stem
    variant = _VARIANT.search(stem)
    return {
        "cwe": str(meta.get("cwe") or "(none)"),
        "variant": variant.group(1) if variant else "(none)",
        "file_part": (variant.group(2) or "(single)") if variant else "(none)",
        "language": str(meta.get("language") or "(none)"),
    }


def _function_shape(text: str) -> Features:
    head, _, _ = text.partition("{")
    params = head[head.find("(") + 1 : head.rfind(")")] if "(" in head else ""
    return {
        "params": float(0 if not params.strip() or params.strip() == "void" else params.count(",") + 1),
        "returns_void": float(head.strip().startswith(("void", "static void"))),
        "static": float("static" in head.split("(")[0]),
        "calls_helpers": float(len(re.findall(r"\bhelper\d+\s*\(", text))),
        "lines": float(text.count("\n") + 1),
    }


def code_features(records: Sequence[Example]) -> list[FeatureSet]:
    """File/template identifiers (CWE, flow variant, file part, language), function shape, literals."""
    return [
        FeatureSet("file-ids", "CWE, flow-variant number, file part and language of the source file", "linear",
             [_file_ids(r) for r in records]),
        FeatureSet("function-shape", "parameters, void return, static, helper calls, lines", "tree",
             [_function_shape(r.text) for r in records]),
        FeatureSet("literals", "the numeric, string and character constants in the code", "linear",
             [{f"lit {m}": 1.0 for m in set(_LITERAL.findall(r.text[:_MAX_CHARS]))} for r in records]),
    ]


def _flow_columns(record: Example) -> Features:
    features = record.meta.get("features")
    out: Features = dict(features) if isinstance(features, dict) else {}
    for name, value in _PAIR.findall(record.text):
        if name not in out:
            try:
                out[name] = float(value)
            except ValueError:
                out[name] = value or "-"
    return out


def flow_features(records: Sequence[Example]) -> list[FeatureSet]:
    """One feature set per flow column (numeric columns from ``meta['features']``, categorical ones from the text)."""
    rows = [_flow_columns(r) for r in records]
    names: dict[str, bool] = {}
    for row in rows[:500]:
        for k, v in row.items():
            names[k] = names.get(k, False) or isinstance(v, str)
    fsets = []
    for name, categorical in names.items():
        if categorical:
            col: list[Features] = [{name: str(row.get(name, "-"))} for row in rows]
            fsets.append(FeatureSet(f"column:{name}", f"the flow column {name} alone", "linear", col, column=True))
        else:
            values = [{name: _number(row.get(name))} for row in rows]
            fsets.append(FeatureSet(f"column:{name}", f"the flow column {name} alone", "tree", values, column=True))
    return fsets


def _number(value: float | str | None) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0


def sequence_features(records: Sequence[Example]) -> list[FeatureSet]:
    """API-call sequences: the first calls, and length/diversity."""
    firsts: list[Features] = []
    shape: list[Features] = []
    for r in records:
        calls = r.text.split()
        firsts.append({"first_calls": " ".join(calls[:3]) or "(empty)"})
        n = r.meta.get("n_calls")
        shape.append({
            "n_calls": math.log1p(n if isinstance(n, int) else len(calls)),
            "distinct": float(len(set(calls))),
            "repeat_rate": 1 - len(set(calls)) / max(len(calls), 1),
        })
    return [
        FeatureSet("first-calls", "the first three API calls", "linear", firsts),
        FeatureSet("call-shape", "number of calls, distinct calls, repetition", "tree", shape),
    ]


def source_features(source_ids: Sequence[str]) -> FeatureSet:
    """The corpus / source file each example came from."""
    return FeatureSet("source-id", "which source file or corpus the example came from", "linear",
                [{"source": s} for s in source_ids])


def trivial_features(family: Family, records: Sequence[Example], texts: Sequence[str]) -> list[FeatureSet]:
    """Every trivial feature set for this family of examples (generic ones first)."""
    fsets = generic_features(texts)
    extra = {"url": url_features, "email": email_features, "code": code_features, "flow": flow_features,
             "sequence": sequence_features}.get(family)
    return fsets + (extra(records) if extra else [])

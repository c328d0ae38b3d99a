"""Phishing: ``phishing-url`` (phishing/benign) and ``phishing-email`` (phishing/spam/legitimate)."""

from __future__ import annotations

from .._records import Example, Record
from ._base import Task, TaskRecordError, register_task, relabel

BENIGN, PHISHING = "benign", "phishing"
LEGITIMATE, SPAM = "legitimate", "spam"


def _url_adapt(record: Record) -> Example:
    if not isinstance(record, Example):
        raise TaskRecordError(f"task 'phishing-url' reads Example records (URLs), got a {type(record).__name__}")
    domain = record.meta.get("registered_domain")
    if isinstance(domain, str) and domain and record.group != domain:
        return relabel(record, record.label, group=domain)
    return record


def _url_answer(example: Example) -> str:
    meta = example.meta
    host = meta.get("host") or "unknown"
    domain = meta.get("registered_domain")
    where = f"host {host}" + (f", registered domain {domain}" if domain and domain != host else "")
    if example.label == PHISHING:
        target = meta.get("target")
        lure = f" impersonating {target}" if isinstance(target, str) and target and target != "Other" else ""
        return f"phishing: the URL ({where}) is a known phishing page{lure}."
    return f"benign: the URL ({where}) is not a known phishing page."


def _email_adapt(record: Record) -> Example:
    if not isinstance(record, Example):
        raise TaskRecordError(f"task 'phishing-email' reads Example records (e-mails), got a {type(record).__name__}")
    return record


def _email_answer(example: Example) -> str:
    sender = example.group
    origin = f" It was sent from the domain {sender}." if sender else ""
    what = {
        PHISHING: "phishing: it tries to lure the reader into giving away credentials or money.",
        SPAM: "spam: unsolicited bulk mail, but not a credential lure.",
        LEGITIMATE: "legitimate: ordinary correspondence.",
    }[example.label]
    return what + origin


PHISHING_URL = register_task(Task(
    name="phishing-url",
    record_type=Example,
    description="is this URL a phishing page? (URL in, phishing/benign out)",
    labels=(BENIGN, PHISHING),
    metrics=("accuracy", "f1", "precision", "recall", "mcc", "roc_auc"),
    instruction="Is the following URL a phishing page? Answer 'phishing' or 'benign'.",
    default_format="phishtank",
    formats=("phishtank", "url-list", "url-features", "jsonl"),
    group_key="registered domain (eTLD+1 of the URL's host)",
    answer=_url_answer,
    adapter=_url_adapt,
))

PHISHING_EMAIL = register_task(Task(
    name="phishing-email",
    record_type=Example,
    description="is this e-mail phishing, spam or legitimate? (as the e-mail loaders label them)",
    labels=(LEGITIMATE, PHISHING, SPAM),
    metrics=("accuracy", "f1_macro", "precision_macro", "recall_macro", "mcc"),
    instruction="Is the following e-mail phishing, spam or legitimate? Answer with one word.",
    default_format="email-csv",
    formats=("email-csv", "eml", "mbox", "jsonl"),
    group_key="sender domain",
    answer=_email_answer,
    adapter=_email_adapt,
))

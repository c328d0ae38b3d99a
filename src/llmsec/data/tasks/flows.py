"""Network intrusion detection: ``nids-flow`` (benign/malicious) and ``nids-attack`` (attack class).

Flows are rendered as text by :mod:`llmsec.data.formats.flow_text` (``name=value``
pairs); the numeric features stay in ``meta['features']`` for classical
baselines. Flow loaders read with ``labels=attack`` label each flow with its
attack name; ``nids-flow`` folds those back to benign/malicious, and
``nids-attack`` takes the attack class from meta when the loader labelled
binary.
"""

from __future__ import annotations

from .._records import Example, Record
from ._base import Task, TaskRecordError, register_task, relabel

BENIGN, MALICIOUS = "benign", "malicious"
FLOW_FORMATS = ("nsl-kdd", "unsw-nb15", "cic-ids2017", "cse-cic-ids2018", "iot23-zeek", "jsonl")
_BENIGN_NAMES = frozenset({"benign", "normal", "-", "background"})
_ATTACK_KEYS = ("attack", "attack_cat", "detailed_label")


def _flow(record: Record, task: str) -> Example:
    if not isinstance(record, Example):
        raise TaskRecordError(f"task {task!r} reads Example records (flows), got a {type(record).__name__}")
    return record


def attack_class(example: Example) -> str | None:
    """The flow's attack class (``benign`` for benign traffic) from its label or meta, or None."""
    if example.label not in (BENIGN, MALICIOUS):
        return BENIGN if example.label.strip().lower() in _BENIGN_NAMES else example.label
    if example.label == BENIGN:
        return BENIGN
    for key in _ATTACK_KEYS:
        value = example.meta.get(key)
        if isinstance(value, str) and value.strip():
            return BENIGN if value.strip().lower() in _BENIGN_NAMES else value.strip()
    return None


def _binary(record: Record) -> Example:
    example = _flow(record, "nids-flow")
    if example.label in (BENIGN, MALICIOUS):
        return example
    name = example.label.strip().lower()
    return relabel(example, BENIGN if name in _BENIGN_NAMES else MALICIOUS)


def _attack(record: Record) -> Example:
    example = _flow(record, "nids-attack")
    attack = attack_class(example)
    if attack is None:
        raise TaskRecordError("malicious flow without an attack class in meta (load it with labels=attack)")
    return relabel(example, attack)


def _verdict(example: Example) -> str:
    if example.label == BENIGN:
        return "benign: the flow's features match normal traffic."
    attack = attack_class(example)
    kind = f" ({attack} traffic)" if attack and attack not in (BENIGN, MALICIOUS) else ""
    return f"malicious{kind}: the flow's features match attack traffic."


def _attack_answer(example: Example) -> str:
    return "benign" if example.label == BENIGN else f"{example.label} (malicious)"


NIDS_FLOW = register_task(Task(
    name="nids-flow",
    record_type=Example,
    description="is this network flow malicious? (flow as text in, benign/malicious out)",
    labels=(BENIGN, MALICIOUS),
    metrics=("accuracy", "f1", "precision", "recall", "mcc", "roc_auc"),
    instruction="Is the following network flow benign or malicious? Answer 'benign' or 'malicious'.",
    default_format="nsl-kdd",
    formats=FLOW_FORMATS,
    group_key="host (the source address) where the dataset records one; else each flow is its own group",
    answer=_verdict,
    adapter=_binary,
))

NIDS_ATTACK = register_task(Task(
    name="nids-attack",
    record_type=Example,
    description="which attack class is this network flow? (benign or the attack name; open label set)",
    metrics=("accuracy", "f1_macro", "f1_weighted"),
    instruction="Which attack class does the following network flow belong to? Answer 'benign' or the attack name.",
    default_format="nsl-kdd",
    formats=FLOW_FORMATS,
    group_key="host (the source address) where the dataset records one; else each flow is its own group",
    answer=_attack_answer,
    adapter=_attack,
))

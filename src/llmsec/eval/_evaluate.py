"""``evaluate``: measure a base model or checkpoint on one task's held-out data."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoints import Checkpoint, as_model_config, is_checkpoint, read_checkpoint
from ..config import ModelConfig, QuantizationConfig
from ..data import (
    TASKS,
    Example,
    MultipleChoice,
    Record,
    Task,
    conversation_records,
    corpus_texts,
    fingerprint,
    get_task,
    guess_format,
    load_records,
    prompt_completion_rows,
    resolve_source,
)
from ..data._load import BUILTIN_PREFIX
from ._choice import choice_logprobs, score_choices
from ._classify import classifier_probs, zero_shot_probs
from ._config import EvalConfig
from ._generate import build_prompt, generate_texts, score_generation
from ._lineage import ContaminationError, contamination_check, eval_source, lineage_summary, load_training
from ._lineage import training_sources as _training_sources
from ._lm import answer_perplexity, perplexity
from ._metric_registry import compute_metrics, get_metric

__all__ = ["SCHEMA_VERSION", "ContaminationError", "EvalConfig", "detection_summary", "evaluate", "parse_quantize"]

logger = logging.getLogger(__name__)

#: Version of the ``results.json`` layout; bump it when a key changes meaning or goes away.
SCHEMA_VERSION = 2


def evaluate(model: str | Path | Checkpoint | ModelConfig | EvalConfig, **options: Any) -> dict[str, Any]:
    """Measure a model on a task's held-out data, as an :class:`EvalConfig` says.

    ``evaluate(EvalConfig(model=..., task=..., data=...))``, or the same fields as keywords:
    ``evaluate(model, task=..., data=...)`` (keywords given with an EvalConfig override its fields).

    The task decides how the model is scored: a task with ``answers`` (``sec-mcq``,
    ``cve-to-cwe``, ``cvss-predict``, ``attack-technique``, their aliases such as ``mcq``,
    ``cti-rcm``, ``cti-vsp``, ``cti-ate``) is answered greedily, in batches, and what its
    answers extract is scored, unless a checkpoint brings a classification head; a
    classification task reports accuracy, precision, recall, F1, MCC, ROC-AUC, PR-AUC,
    FPR and VD-S (and any other metric the task names), from the checkpoint's head when it
    has one and zero-shot (asking the task's question) otherwise, beside a TF-IDF + logistic
    regression baseline; a corpus task reports perplexity, an instructions task the
    perplexity of the reference answers. A contamination check against the lineage's
    training data runs first (as code when the task's input is code, ``Task.code``).

    Args:
        model: a built-in name, model directory, checkpoint or ModelConfig; or the whole EvalConfig.
        **options: :class:`EvalConfig` fields (``task``, ``data``, ``data_format``, ``max_samples``,
            ``max_length``, ``batch_size``, ``quantize``, ``few_shot``, ``few_shot_data``,
            ``max_new_tokens``, ``strict``, ``contamination``, ``baseline``, ``baseline_train``,
            ``require_head``, ``audit``, ``method``); see its field descriptions.

    Returns:
        The results dict (see ``docs/evaluation.md``): ``schema_version``, ``task``,
        ``kind``, ``method``, ``model``, ``data``, ``n``, ``metrics``, ``baseline``,
        ``contamination``, ``lineage``, ``items`` (per-item predictions) and more.

    Raises:
        ContaminationError: ``strict`` and the test set overlaps the training data.
        ValueError: bad input (an unknown option, labels outside the task's set, no head with
            ``require_head``, ...).
    """
    config = _eval_config(model, options)
    started = time.perf_counter()
    spec = config.model
    checkpoint = read_checkpoint(spec.name) if is_checkpoint(spec.name) else None
    task_name = config.task or (checkpoint.task if checkpoint else None)
    if not task_name:
        raise ValueError(f"no task given for {spec.name} and it is not a checkpoint that records one; pass --task")
    if task_name not in TASKS:
        raise ValueError(TASKS.unknown_message(task_name))
    task_obj = get_task(task_name)
    method = config.method
    if method == "loglik" and not (task_obj.generates and task_obj.record_type is MultipleChoice):
        raise ValueError(f"method 'loglik' scores multiple-choice tasks (sec-mcq, cybermetric, cti-mcq), "
                         f"not {task_name!r}")
    # a trained head answers an open-label task (cve-to-cwe) as a classifier
    generate = task_obj.generates and not (checkpoint is not None and checkpoint.labels
                                           and task_obj.kind == "classification")
    data, data_format = config.data, config.data_format
    if data is None:
        if checkpoint is None:
            raise ValueError(f"no --data given and {spec.name} is not an llmsec checkpoint with an eval set; "
                             "pass --data")
        data, recorded_fmt = eval_source(checkpoint)
        data_format = data_format or recorded_fmt
        logger.info("evaluating on the eval set recorded in %s: %s", checkpoint.path, data)
    source = str(data)
    if data_format is None:
        data_format = _default_format(source, task_obj)
    # a task scored by generation reads its own records (an NVD CVE becomes its CVSS vector for cvss-predict);
    # those it cannot use are left out, counted and named in the warnings
    records, load_report = load_records(data, data_format, task=task_obj if generate else None,
                                        max_samples=config.max_samples, **config.data_options)
    quant = parse_quantize(config.quantize) if config.quantize else None

    result: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "task": task_name,
        "model": {"name": spec.name, "kind": checkpoint.kind if checkpoint else "base",
                  "base": checkpoint.base if checkpoint else spec.name,
                  "quantize": f"{quant.bits}bit" if quant else None},
        "data": {"source": source, "format": data_format, "fingerprint": _fingerprint(data),
                 **({"options": dict(config.data_options)} if config.data_options else {})},
        "lineage": lineage_summary(checkpoint),
        "baseline": None,
        "audit": None,
        "warnings": [],
    }
    if load_report.task_rejected:
        result["data"]["refused"] = load_report.task_rejected
        why = "; ".join(f"{reason} ({n})" for reason, n in load_report.reasons().most_common(3))
        result["warnings"].append(f"{load_report.task_rejected} records task {task_obj.name!r} cannot use were "
                                  f"left out: {why}")
    shots, records, few_shot_source = _few_shots(task_obj if generate else None, records, config.few_shot,
                                                 config.few_shot_data, source, data_format)
    if config.contamination:
        result["contamination"] = contamination_check(checkpoint, records, test_source=source, strict=config.strict,
                                                      code=task_obj.code)
        if result["contamination"].get("warning"):
            result["warnings"].append(f"contamination: {result['contamination']['warning']}")
    else:
        result["contamination"] = {"checked": False, "summary": "not checked (disabled)"}
    result["n"] = len(records)

    from ..models import load_model, load_tokenizer

    tokenizer = load_tokenizer(spec)
    few_shot = {"k": len(shots), "source": few_shot_source} if shots else None
    if generate and method == "loglik":
        net = load_model(spec, quantization=quant)
        scores = choice_logprobs(net, tokenizer, task_obj, records, shots=shots,  # type: ignore[arg-type]
                                 batch_size=config.batch_size, max_length=4 * config.max_length)
        metrics, items = score_choices(records, scores)  # type: ignore[arg-type]
        result.update(kind="multiple-choice", method="loglik", metrics=metrics, items=items, main_metric="accuracy",
                      higher_is_better=True, few_shot=few_shot)
    elif generate:
        net = load_model(spec, quantization=quant)
        prompts = [build_prompt(task_obj, r, tokenizer, shots) for r in records]
        outputs = generate_texts(net, tokenizer, prompts,
                                 max_new_tokens=config.max_new_tokens or task_obj.max_new_tokens,
                                 batch_size=config.batch_size, max_length=4 * config.max_length)
        metrics, items = score_generation(task_obj, records, outputs, source=source)
        result.update(kind="generation", method="generation", metrics=metrics, items=items,
                      main_metric=task_obj.main_metric,
                      higher_is_better=get_metric(task_obj.main_metric).higher_is_better,
                      few_shot=few_shot, unparsed=[r["index"] for r in items if not r["parsed"]])
        if task_obj.breakdown is not None:
            result["breakdown"] = task_obj.breakdown(items)
    elif task_obj.kind not in ("corpus", "instructions") \
            and (task_obj.labels or isinstance(records[0], Example)):
        _detect(result, spec, checkpoint, task_obj, records, source, tokenizer, quant, config, load_model)
        found = _detection_train(result, checkpoint, config.baseline_train, source, data_format) \
            if config.baseline or config.audit else None
        if found is not None:
            train, train_source = found
            if config.baseline:
                result["baseline"] = _baseline(result, train, train_source, records, task_obj)
            if config.audit:
                result["audit"] = _audit(result, train, records, task_name, config.strict)
    elif task_obj.kind == "instructions":
        net = load_model(spec, quantization=quant)
        rows = prompt_completion_rows(conversation_records(records))
        result.update(kind="answer-perplexity", method="answer-perplexity", main_metric="answer_perplexity",
                      higher_is_better=False,
                      metrics=answer_perplexity(net, tokenizer, rows, max_length=2 * config.max_length,
                                                batch_size=config.batch_size))
    else:
        net = load_model(spec, quantization=quant)
        result.update(kind="perplexity", method="perplexity", main_metric="perplexity", higher_is_better=False,
                      metrics=perplexity(net, tokenizer, corpus_texts(records), max_length=config.max_length,
                                         batch_size=config.batch_size))
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _eval_config(model: Any, options: dict[str, Any]) -> EvalConfig:
    """The EvalConfig of a call: the one given (``options`` override its fields), else built from keywords."""
    if isinstance(model, EvalConfig):
        if not options:
            return model
        return EvalConfig.model_validate({**model.model_dump(exclude_unset=True), **options})
    return EvalConfig(model=model, **options)


def _detect(result: dict[str, Any], spec: ModelConfig, checkpoint: Checkpoint | None, task_obj: Task,
            records: Sequence[Record], source: str, tokenizer: Any, quant: QuantizationConfig | None,
            config: EvalConfig, load_model: Any) -> None:
    examples = [r for r in records if isinstance(r, Example)]
    if len(examples) != len(records):
        raise ValueError(f"{source}: {len(records) - len(examples)} of {len(records)} records are not labelled "
                         f"examples, but task {task_obj.name!r} is a detection task; pick the matching --format")
    labels = list(task_obj.labels) or sorted({r.label for r in examples})
    _check_labels(examples, labels, source, task_obj.name)
    texts = [r.text for r in examples]
    max_length = config.max_length
    if _detection_method(spec, checkpoint, task_obj, tokenizer, config.require_head) == "classifier":
        assert checkpoint is not None and checkpoint.labels
        head = list(checkpoint.labels)
        if task_obj.open_labels:
            # An open label set (cve-to-cwe, malware-family): the head knows the training labels; a test
            # label it never saw is a column it gives probability 0, so those items count as errors.
            labels = head + sorted(set(labels) - set(head))
        elif head != labels:
            raise ValueError(f"{checkpoint.path}: checkpoint labels {head} differ from task "
                             f"{task_obj.name!r}'s {labels}; evaluate it on the task it was trained for")
        net = load_model(spec, head="classifier", labels=head, quantization=quant)
        probs = classifier_probs(net, tokenizer, texts, max_length=max_length, batch_size=config.batch_size)
        probs = np.pad(probs, ((0, 0), (0, len(labels) - len(head))))
        method = "classifier"
    else:
        net = load_model(spec, quantization=quant)
        probs = zero_shot_probs(net, tokenizer, texts, labels, instruction=task_obj.instruction, max_length=max_length)
        method = "zero-shot"
    y_true = np.array([labels.index(r.label) for r in examples])
    result.update(kind="detection", method=method, labels=labels,
                  metrics=detection_summary(y_true, probs, task_obj.metrics),
                  main_metric="f1", higher_is_better=True, items=_detection_items(y_true, probs))


def _detection_method(spec: ModelConfig, checkpoint: Checkpoint | None, task_obj: Any, tokenizer: Any,
                      require_head: bool) -> str:
    """``"classifier"`` (the checkpoint's head) or ``"zero-shot"`` (a chat model asked); else a clear error."""
    if checkpoint is not None and checkpoint.labels:
        return "classifier"
    if require_head:
        what = f"a {checkpoint.kind} checkpoint whose llmsec.json has no labels" if checkpoint else "not a checkpoint"
        raise ValueError(f"{spec.name}: no task head for detection task {task_obj.name!r} ({what}); train a "
                         "transfer stage for it, or drop --require-head to score it zero-shot")
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"{spec.name}: no task head for detection task {task_obj.name!r} and no chat template "
                         "to ask it zero-shot; evaluate a checkpoint trained by a transfer stage, or a chat "
                         "model")
    return "zero-shot"


def check_scorable(model: str | Path | Checkpoint | ModelConfig, task: str, *, require_head: bool = False) -> None:
    """Fail fast, before any weights load, when ``model`` cannot be scored on detection ``task``.

    Reads only the checkpoint manifest and the tokenizer; raises the error
    :func:`evaluate` would raise after loading and scoring everything else
    (no task head and no chat template to ask zero-shot). Other tasks pass.
    """
    if task not in TASKS:
        return
    task_obj = get_task(task)
    if task_obj.generates or not task_obj.labels:  # an open-label task is a detection task only for labelled records
        return
    from ..models import load_tokenizer

    spec = as_model_config(model)
    checkpoint = read_checkpoint(spec.name) if is_checkpoint(spec.name) else None
    _detection_method(spec, checkpoint, task_obj, load_tokenizer(spec), require_head)


def _check_labels(examples: Sequence[Example], labels: Sequence[str], source: str, task: str) -> None:
    bad: dict[str, int] = {}
    for i, r in enumerate(examples):
        if r.label not in labels:
            bad.setdefault(r.label, i)
    if bad:
        shown = ", ".join(f"{lab!r} (first at record {i})" for lab, i in list(bad.items())[:5])
        raise ValueError(f"{source}: labels outside task {task!r}'s set {list(labels)}: {shown}; "
                         "fix the labels or evaluate with the matching --task")


def _detection_items(y_true: np.ndarray, probs: np.ndarray, digits: int | None = 6) -> list[dict[str, Any]]:
    preds = probs.argmax(-1)
    return [{"index": i, "label": int(t), "pred": int(p),
             "probs": [float(x) if digits is None else round(float(x), digits) for x in row]}
            for i, (t, p, row) in enumerate(zip(y_true, preds, probs, strict=True))]


def _detection_train(result: dict[str, Any], checkpoint: Checkpoint | None, baseline_train: str | Path | None,
                     source: str, data_format: str | None) -> tuple[list[Record], str] | None:
    """The labelled training data of a detection evaluation: ``baseline_train``, else the lineage's
    transfer data, else the train split of a ``builtin:NAME/test`` set (None, with a warning, when there is none)."""
    labels = result["labels"]
    if baseline_train is not None:
        train, _ = load_records(baseline_train, None)
        return train, str(baseline_train)
    sources = [s for s in _training_sources(checkpoint) if s.head == "classifier"]
    train, problems = load_training(sources)
    train_source = ", ".join(s.source for s in sources)
    train = [r for r in train if isinstance(r, Example) and r.label in labels]
    if not train and source.startswith(BUILTIN_PREFIX) and source.endswith("/test"):
        train_source = source.removesuffix("/test")
        train, _ = load_records(train_source, data_format)
    if not train:
        why = "; ".join(problems) or "the model's lineage records no labelled training data"
        logger.warning("no TF-IDF baseline or data audit: %s (pass --baseline-train)", why)
        result["warnings"].append(f"no baseline or audit: {why}; pass --baseline-train")
        return None
    return train, train_source


def _baseline(result: dict[str, Any], train: list[Record], train_source: str,
              records: Sequence[Record], task: Task) -> dict[str, Any]:
    """The TF-IDF + logistic-regression baseline scored on the same items."""
    from ._baseline import tfidf_baseline

    labels = result["labels"]
    fitted = tfidf_baseline(train, labels, source=train_source)
    examples = [r for r in records if isinstance(r, Example)]
    probs = fitted.predict_proba([r.text for r in examples])
    y_true = np.array([labels.index(r.label) for r in examples])
    return {"method": "tfidf-logreg", "train_source": train_source, "n_train": fitted.n_train,
            "metrics": detection_summary(y_true, probs, task.metrics), "items": _detection_items(y_true, probs)}


def _audit(result: dict[str, Any], train: list[Record], records: Sequence[Record], task: str,
           strict: bool) -> dict[str, Any]:
    """The data audit of this train/test split (shortcuts, twins, duplicates, leakage)."""
    from ..data import audit_split

    report = audit_split(train, list(records), task=task)
    for finding in report.findings:
        if finding.verdict in ("warn", "fail"):
            result["warnings"].append(f"audit {finding.check}: {finding.message}")
    if strict:
        report.raise_for_findings("fail")
    return report.compact()


def _few_shots(task: Task | None, records: list[Record], k: int, few_shot_data: str | Path | None,
               source: str, data_format: str | None) -> tuple[list[Record], list[Record], str | None]:
    """``(shots, records to score, where the shots came from)``."""
    if k <= 0:
        return [], records, None
    if task is None:
        logger.warning("--few-shot applies to generation tasks only; ignored")
        return [], records, None
    if few_shot_data is not None:
        pool, _ = load_records(few_shot_data, data_format if str(few_shot_data).endswith(".tsv") else None, task=task)
        where = str(few_shot_data)
    elif source.startswith(BUILTIN_PREFIX) and source.endswith("/test"):
        where = source.removesuffix("/test")
        pool, _ = load_records(where, data_format, task=task)
    else:
        if k >= len(records):
            raise ValueError(f"{source}: {k} few-shot examples leave nothing to score in {len(records)} records")
        logger.info("few-shot: the first %d records of %s are examples and are not scored", k, source)
        return records[:k], records[k:], f"first {k} records of {source} (not scored)"
    pool = [r for r in pool if isinstance(r, task.record_type)]
    if len(pool) < k:
        raise ValueError(f"{where}: only {len(pool)} usable few-shot examples, {k} asked for")
    return pool[:k], records, where


#: The metrics every detection result reports (binary: class 1 is the positive class; VD-S binary only).
DETECTION_METRICS = ("accuracy", "precision", "recall", "f1", "f1_macro", "mcc", "fpr", "roc_auc", "pr_auc", "vd_s")


def detection_summary(y_true: np.ndarray, probs: np.ndarray, extra: Sequence[str] = ()) -> dict[str, float]:
    """Detection metrics from class probabilities, each computed by its registered function.

    Args:
        y_true: the true class indices.
        probs: ``(n, n_labels)`` class probabilities (binary: class 1 is the positive class).
        extra: more registered metrics to compute (a task's ``metrics``); those that do not
            read detection rows are skipped.
    """
    y_true = np.asarray(y_true)
    probs = np.asarray(probs, dtype=float)
    if len(y_true) == 0:
        raise ValueError("y_true is empty: nothing to score; pass at least one item")
    names = [m for m in DETECTION_METRICS if m != "vd_s" or probs.shape[1] == 2]
    items = _detection_items(y_true, probs, digits=None)
    return {"n": len(y_true), **compute_metrics("detection", items, [*names, *extra])}


def parse_quantize(value: str | int | QuantizationConfig) -> QuantizationConfig:
    """``"4bit"``, ``"8bit"``, 4 or 8 as a QuantizationConfig (4-bit computes in float32 on the CPU)."""
    if isinstance(value, QuantizationConfig):
        return value
    text = str(value).lower().removesuffix("bit").removesuffix("-")
    if text not in ("4", "8"):
        raise ValueError(f"quantize must be '4bit' or '8bit', got {value!r}")
    import importlib.util

    compute = "bfloat16"
    if importlib.util.find_spec("torch") is not None:
        import torch

        compute = "bfloat16" if torch.cuda.is_available() else "float32"
    return QuantizationConfig(bits=int(text), compute_dtype=compute)  # type: ignore[arg-type]


def _default_format(source: str, task: Task) -> str | None:
    """The format to read ``source`` with when none is given: guessed from the suffix, else the task's.

    A ``.tsv`` file given to a task scored by generation is read with the task's CTIBench format
    (``ctibench-rcm`` for ``cve-to-cwe``) when it reads one: CTIBench ships its sheets as TSV.
    """
    if task.generates and source.endswith(".tsv"):
        sheet = next((f for f in task.formats if f.startswith("ctibench-")), None)
        if sheet is not None:
            return sheet
    try:
        guess_format(resolve_source(source))
    except ValueError:
        return task.default_format
    return None


def _fingerprint(data: str | Path) -> str | None:
    try:
        return fingerprint(data)
    except OSError:
        return None

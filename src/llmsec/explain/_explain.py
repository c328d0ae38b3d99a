"""Explain one classifier decision: load the checkpoint, attribute, window, aggregate."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._aggregate import Unit, aggregate, choose_unit, rank, units_for
from ._attribute import METHOD_NAMES, attribute, check_method
from ._windows import Encoded, context_length, encode, plan_windows

logger = logging.getLogger(__name__)

_TRAIN_HINT = ("train a classifier first with TransferTrainer (a recipe stage with kind: transfer, "
               "e.g. `llmsec train recipe.yaml`)")


class ExplainError(ValueError):
    """An input or checkpoint that cannot be explained (the message says why and how to fix it)."""


class NotAClassifierError(ExplainError):
    """The checkpoint has no classification head."""


class EmptyInputError(ExplainError):
    """Nothing to explain: the input is empty or only whitespace."""


@dataclass
class Token:
    """One content token: its text, character span in the input, and attribution."""

    text: str
    start: int
    end: int
    score: float


@dataclass
class Explanation:
    """Why a classifier gave a text its label.

    Attributes:
        text: the explained input.
        label: the predicted label.
        target: the label whose evidence the scores measure (positive = for it).
        probabilities: label -> probability (averaged over windows when windowed).
        method: ``ig``, ``gxi`` or ``rollout``.
        unit: ``line``, ``word``, ``url`` or ``feature``.
        tokens: the content tokens with their scores.
        units: the units (lines, words, URL parts, features) with summed token scores.
        fields: coarser groups where they exist (e-mail header fields and body).
        top_k: how many units :meth:`top` returns by default.
        windows: how many context windows the input needed (1 when it fitted).
        notes: caveats a reader must see (windowing, ...).
        checkpoint: where the model came from.
        delta: integrated gradients' largest convergence error (|sum(scores) − Δf|) over windows.
        seconds: wall time of the attribution.
    """

    text: str
    label: str
    target: str
    probabilities: dict[str, float]
    method: str
    unit: str
    tokens: list[Token]
    units: list[Unit]
    fields: list[Unit] = field(default_factory=list)
    top_k: int = 5
    windows: int = 1
    notes: list[str] = field(default_factory=list)
    checkpoint: str = ""
    delta: float | None = None
    seconds: float = 0.0

    def top(self, k: int | None = None) -> list[Unit]:
        """The ``k`` (default ``top_k``) units with the highest scores."""
        return rank(self.units, self.top_k if k is None else k)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tokens, units, fields, top units by name)."""
        return {
            "checkpoint": self.checkpoint,
            "label": self.label,
            "target": self.target,
            "probabilities": self.probabilities,
            "method": self.method,
            "method_name": METHOD_NAMES[self.method],
            "unit": self.unit,
            "top_k": self.top_k,
            "top": [u.to_dict() for u in self.top()],
            "windows": self.windows,
            "notes": list(self.notes),
            "delta": self.delta,
            "seconds": round(self.seconds, 4),
            "text": self.text,
            "tokens": [{"text": t.text, "start": t.start, "end": t.end, "score": t.score} for t in self.tokens],
            "units": [u.to_dict() for u in self.units],
            "fields": [u.to_dict() for u in self.fields],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The :meth:`to_dict` form as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self) -> str:
        """A standalone HTML report (inline CSS, no scripts)."""
        from ._render import render_html

        return render_html([self])

    def render(self, console: Any = None) -> None:
        """Print a highlighted view to a rich console (default: stdout)."""
        from ._render import render_terminal

        render_terminal([self], console=console)


class Explainer:
    """A loaded classifier ready to explain texts (load once, explain many).

    Args:
        model: a sequence classifier (plain or peft-wrapped).
        tokenizer: its fast tokenizer.
        labels: class names in label-id order (default: the model's ``id2label``).
        task: the task it was trained for (guides ``unit="auto"``).
        source: where it came from, for reports.
        max_tokens: the context length (default: from the tokenizer and model config).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        labels: Sequence[str] | None = None,
        *,
        task: str | None = None,
        source: str = "",
        max_tokens: int | None = None,
    ) -> None:
        _require_classifier(model, source or type(model).__name__)
        self.model = model.eval()
        self.tokenizer = tokenizer
        n_labels = int(model.config.num_labels)
        if labels is None:
            id2label = getattr(model.config, "id2label", None) or {}
            labels = [str(id2label.get(i, f"LABEL_{i}")) for i in range(n_labels)]
        if len(labels) != n_labels:
            raise NotAClassifierError(f"{source}: the model has {n_labels} outputs but {len(labels)} labels "
                                      f"{list(labels)}; {_TRAIN_HINT}")
        self.labels = list(labels)
        self.task = task
        self.source = source
        self.max_tokens = max_tokens or context_length(model, tokenizer)
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (tokenizer.eos_token_id or 0))
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        self.decoder = hasattr(base, "score") and not hasattr(base, "classifier")

    @classmethod
    def from_checkpoint(cls, checkpoint: str | Path, *, max_tokens: int | None = None) -> Explainer:
        """Load a ``TransferTrainer`` checkpoint (or a plain Hugging Face sequence classifier).

        Raises:
            NotAClassifierError: the checkpoint has no classification head.
            FileNotFoundError: the directory does not exist.
        """
        path = Path(checkpoint).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"checkpoint {str(path)!r} is not a directory: pass the output directory "
                                    "of a transfer stage (it holds llmsec.json)")
        labels, task = _checkpoint_labels(path)
        from llmsec.models import load_model, load_tokenizer

        model = load_model(str(path), head="classifier", labels=labels)
        tokenizer = load_tokenizer(str(path))
        return cls(model, tokenizer, labels, task=task, source=str(path), max_tokens=max_tokens)

    def explain(
        self,
        text: str,
        *,
        method: str = "ig",
        unit: str = "auto",
        top_k: int = 5,
        target: str | int | None = None,
        n_steps: int = 32,
        internal_batch_size: int | None = None,
    ) -> Explanation:
        """Explain the classifier's decision on ``text``; see :func:`llmsec.explain.explain`."""
        import torch

        check_method(method)
        if not isinstance(text, str) or not text.strip():
            raise EmptyInputError(f"nothing to explain: the input is empty ({text!r}); pass a file or a "
                                  "non-empty text")
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        chosen = choose_unit(text, unit, self.task)
        units, fields = units_for(text, chosen)
        enc = encode(self.tokenizer, text)
        if not enc.ids:
            raise EmptyInputError(f"nothing to explain: the tokenizer produced no tokens for {text[:80]!r}")
        room = self.max_tokens - len(enc.prefix) - len(enc.suffix)
        windows = plan_windows(len(enc.ids), room)
        start_time = time.perf_counter()
        scores = torch.zeros(len(enc.ids))
        counts = torch.zeros(len(enc.ids))
        probs_sum = torch.zeros(len(self.labels))
        deltas: list[float] = []
        target_id = self._target_id(target)
        batches = [_window_ids(enc, w.start, w.end) for w in windows]
        with torch.no_grad():
            window_probs = [torch.softmax(self.model(input_ids=ids, attention_mask=torch.ones_like(ids))
                                          .logits.float(), -1)[0] for ids, _ in batches]
        if target_id is None:  # the predicted label of the whole text (mean over windows)
            target_id = int(sum(window_probs).argmax())
        for w, (ids, special), wp in zip(windows, batches, window_probs, strict=True):
            out = attribute(self.model, ids, special, target_id, method=method, pad_id=self.pad_id,
                            n_steps=n_steps, internal_batch_size=internal_batch_size,
                            pooled_index=self._pooled(ids), probabilities=wp)
            content = out.scores[len(enc.prefix): len(enc.prefix) + (w.end - w.start)]
            scores[w.start:w.end] += content
            counts[w.start:w.end] += 1
            probs_sum += out.probabilities
            if out.delta is not None:
                deltas.append(out.delta)
        probs = probs_sum / len(windows)
        predicted = int(probs.argmax())
        notes = []
        if len(windows) > 1:
            notes.append(
                f"input of {len(enc.ids)} tokens is longer than the model's context of {self.max_tokens}: "
                f"explained in {len(windows)} overlapping windows of at most {room} tokens; overlapping "
                "tokens carry the mean of their windows' scores, and the probabilities are the mean over windows"
            )
        scores = scores / counts.clamp(min=1)
        tokens = [Token(text[a:b], a, b, float(s)) for (a, b), s in zip(enc.offsets, scores.tolist(), strict=True)]
        aggregate(text, enc.offsets, scores.tolist(), units)
        if fields:
            aggregate(text, enc.offsets, scores.tolist(), fields)
        return Explanation(
            text=text,
            label=self.labels[predicted],
            target=self.labels[target_id],
            probabilities={label: float(p) for label, p in zip(self.labels, probs.tolist(), strict=True)},
            method=method,
            unit=chosen,
            tokens=tokens,
            units=units,
            fields=fields,
            top_k=top_k,
            windows=len(windows),
            notes=notes,
            checkpoint=self.source,
            delta=max(deltas) if deltas else None,
            seconds=time.perf_counter() - start_time,
        )

    def _target_id(self, target: str | int | None) -> int | None:
        if target is None:
            return None
        if isinstance(target, int):
            if not 0 <= target < len(self.labels):
                raise ValueError(f"target {target} is out of range: the labels are {self.labels}")
            return target
        if target not in self.labels:
            raise ValueError(f"target {target!r} is not one of the checkpoint's labels {self.labels}")
        return self.labels.index(target)

    def _pooled(self, ids: Any) -> int:
        if not self.decoder:
            return 0
        row = ids[0].tolist()
        non_pad = [i for i, t in enumerate(row) if t != self.pad_id]
        return non_pad[-1] if non_pad else len(row) - 1


def _window_ids(enc: Encoded, start: int, end: int) -> tuple[Any, Any]:
    import torch

    ids = enc.prefix + enc.ids[start:end] + enc.suffix
    special = [1] * len(enc.prefix) + [0] * (end - start) + [1] * len(enc.suffix)
    return torch.tensor([ids]), torch.tensor([special])


def _require_classifier(model: Any, where: str) -> None:
    config = getattr(model, "config", None)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    arch = type(base).__name__
    if config is None or not arch.endswith("ForSequenceClassification"):
        raise NotAClassifierError(f"{where} is not a sequence classifier (it loads as {arch}): explanations "
                                  f"need a classification head; {_TRAIN_HINT}")


def _checkpoint_labels(path: Path) -> tuple[list[str] | None, str | None]:
    """Labels and task from ``llmsec.json``, or from a plain classifier's ``config.json``."""
    from llmsec.checkpoints import MANIFEST, read_checkpoint

    if (path / MANIFEST).is_file():
        ckpt = read_checkpoint(path)
        if not ckpt.labels:
            raise NotAClassifierError(
                f"checkpoint {str(path)!r} was written by a {ckpt.kind!r} stage and has no classification head "
                f"(no 'labels' in {MANIFEST}); {_TRAIN_HINT}"
            )
        return ckpt.labels, ckpt.task
    config = path / "config.json"
    adapter = path / "adapter_config.json"
    if adapter.is_file() and json.loads(adapter.read_text(encoding="utf-8")).get("task_type") == "SEQ_CLS":
        return None, None
    if config.is_file():
        cfg = json.loads(config.read_text(encoding="utf-8"))
        if any(str(a).endswith("ForSequenceClassification") for a in cfg.get("architectures") or []):
            id2label = cfg.get("id2label") or {}
            return [str(id2label[k]) for k in sorted(id2label, key=int)] or None, None
    raise NotAClassifierError(f"{str(path)!r} has no classification head (no llmsec.json with labels, and no "
                              f"*ForSequenceClassification config); {_TRAIN_HINT}")


def explain(
    checkpoint: str | Path | Explainer,
    text: str,
    *,
    method: str = "ig",
    unit: str = "auto",
    top_k: int = 5,
    target: str | int | None = None,
    n_steps: int = 32,
    internal_batch_size: int | None = None,
    max_tokens: int | None = None,
) -> Explanation:
    """Explain why a classifier checkpoint labels ``text`` as it does.

    Args:
        checkpoint: a ``TransferTrainer`` output directory (full weights or a LoRA
            adapter with its head), or an :class:`Explainer` already loaded.
        text: the input (source code, an e-mail, a URL, a serialized flow, ...).
        method: ``ig`` (integrated gradients on the input embeddings),
            ``gxi`` (gradient × input, one backward pass) or ``rollout``
            (attention rollout, unsigned).
        unit: what to rank: ``line``, ``word`` (e-mail header fields are also
            scored), ``url`` (scheme, subdomain, domain, path, query, ...),
            ``feature`` (``name=value`` flow features), or ``auto``.
        top_k: how many units :meth:`Explanation.top` returns.
        target: the label to explain (default: the predicted one).
        n_steps: integrated-gradients interpolation steps.
        internal_batch_size: IG steps per forward pass (default: all at once).
        max_tokens: override the model's context length (longer inputs are windowed).

    Returns:
        An :class:`Explanation`; ``.top()`` lists the most suspicious units.

    Raises:
        EmptyInputError: the text is empty.
        NotAClassifierError: the checkpoint has no classification head.
        ValueError: an unknown method, unit or target.
    """
    explainer = checkpoint if isinstance(checkpoint, Explainer) else Explainer.from_checkpoint(
        checkpoint, max_tokens=max_tokens)
    if isinstance(checkpoint, Explainer) and max_tokens is not None:
        explainer.max_tokens = max_tokens
    return explainer.explain(text, method=method, unit=unit, top_k=top_k, target=target, n_steps=n_steps,
                             internal_batch_size=internal_batch_size)

"""Token attributions of a sequence classifier: integrated gradients, gradient × input, attention rollout.

All three methods score the tokens of one input sequence for one target class.
The gradient methods differentiate the target's *log-odds*
(``z_target − logsumexp(z_others)``, i.e. ``log p / (1 − p)`` for a binary
head), which does not saturate the way a probability does. Integrated
gradients integrate along the straight path from a baseline where every
content token's embedding is replaced by the pad token's (special tokens such
as ``[CLS]``/``[SEP]`` are kept), so their scores sum to
``f(x) − f(baseline)`` (completeness). Attention rollout (Abnar & Zuidema,
2020) multiplies the head-averaged, residual-corrected attention maps of all
layers and reads the row of the token the head pools (``[CLS]`` for an
encoder, the last token for a decoder); it is unsigned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

Method = Literal["ig", "gxi", "rollout"]
METHODS: tuple[str, ...] = ("ig", "gxi", "rollout")
METHOD_NAMES = {"ig": "integrated gradients", "gxi": "gradient × input", "rollout": "attention rollout"}


@dataclass
class TokenScores:
    """Per-token scores of one sequence (special tokens included) and the model's output on it."""

    scores: torch.Tensor  # (seq,)
    probabilities: torch.Tensor  # (num_labels,)
    delta: float | None = None  # IG convergence delta: sum(scores) − (f(x) − f(baseline))


def check_method(method: str) -> str:
    """``method`` if it names an attribution method, else a ValueError listing them."""
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}; use one of {', '.join(METHODS)} "
                         "(ig: integrated gradients, gxi: gradient × input, rollout: attention rollout)")
    return method


def input_embedding(model: Any) -> Any:
    """The token-embedding module of a (possibly peft-wrapped) classifier."""
    get = getattr(model, "get_input_embeddings", None)
    layer = get() if callable(get) else None
    if layer is None:
        raise ValueError(f"cannot find the input embedding of {type(model).__name__}: "
                         "it has no get_input_embeddings()")
    return layer


def log_odds(logits: torch.Tensor, target: int) -> torch.Tensor:
    """``z_target − logsumexp(z_others)`` per row: the log-odds of the target class."""
    import torch

    others = torch.cat([logits[:, :target], logits[:, target + 1:]], dim=1)
    return logits[:, target] - torch.logsumexp(others, dim=1)


def _forward(model: Any, target: int) -> Any:
    def f(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return log_odds(model(input_ids=input_ids, attention_mask=attention_mask).logits.float(), target)

    return f


def baseline_ids(input_ids: torch.Tensor, special_mask: torch.Tensor, pad_id: int) -> torch.Tensor:
    """``input_ids`` with every non-special token replaced by ``pad_id`` (the IG baseline)."""
    import torch

    return torch.where(special_mask.bool(), input_ids, torch.full_like(input_ids, pad_id))


def attribute(
    model: Any,
    input_ids: torch.Tensor,
    special_mask: torch.Tensor,
    target: int,
    *,
    method: str = "ig",
    pad_id: int = 0,
    n_steps: int = 32,
    internal_batch_size: int | None = None,
    pooled_index: int = 0,
    probabilities: torch.Tensor | None = None,
) -> TokenScores:
    """Score each token of one sequence (``input_ids`` of shape ``(1, seq)``) for class ``target``.

    Args:
        model: a sequence classifier in eval mode (plain or peft-wrapped).
        input_ids: the token ids, special tokens included.
        special_mask: 1 where a token is special (kept in the IG baseline).
        target: the class index to explain.
        method: ``ig``, ``gxi`` or ``rollout``.
        pad_id: the token whose embedding forms the IG baseline.
        n_steps: IG interpolation steps (Gauss–Legendre).
        internal_batch_size: IG interpolation steps per forward/backward pass
            (default: all of them in one batch).
        pooled_index: the position the classification head reads (rollout).
        probabilities: the model's class probabilities on ``input_ids`` when already
            computed (saves a forward pass).
    """
    import torch

    check_method(method)
    mask = torch.ones_like(input_ids)
    probs = probabilities
    if probs is None:
        with torch.no_grad():
            probs = torch.softmax(model(input_ids=input_ids, attention_mask=mask).logits.float(), -1)[0]
    if method == "rollout":
        return TokenScores(attention_rollout(model, input_ids, mask, pooled_index), probs)

    from .._optional import require

    require("captum", f"the {method!r} explanation")
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    layer = input_embedding(model)
    forward = _forward(model, target)
    with torch.enable_grad():
        if method == "gxi":
            attr = LayerGradientXActivation(forward, layer).attribute(input_ids, additional_forward_args=(mask,))
            return TokenScores(attr.sum(-1)[0].detach().float(), probs)
        lig = LayerIntegratedGradients(forward, layer)
        attr, delta = lig.attribute(
            input_ids,
            baselines=baseline_ids(input_ids, special_mask, pad_id),
            additional_forward_args=(mask,),
            n_steps=n_steps,
            internal_batch_size=internal_batch_size or n_steps,
            return_convergence_delta=True,
        )
    return TokenScores(attr.sum(-1)[0].detach().float(), probs, float(delta.abs().max()))


def attention_rollout(model: Any, input_ids: torch.Tensor, mask: torch.Tensor, pooled_index: int) -> torch.Tensor:
    """Attention rollout: relevance of each token to the pooled position, summed to 1."""
    import torch

    with _eager_attention(model), torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=mask, output_attentions=True)
    attentions = [a for a in (out.attentions or ()) if a is not None]
    if not attentions:
        raise ValueError(f"{type(model).__name__} returned no attention maps: attention rollout needs "
                         "a model that can output attentions; use method 'ig' or 'gxi'")
    seq = input_ids.shape[1]
    eye = torch.eye(seq)
    rollout = eye
    for layer_attn in attentions:
        a = layer_attn[0].float().mean(0)  # heads averaged: (seq, seq)
        a = 0.5 * a + 0.5 * eye
        a = a / a.sum(-1, keepdim=True)
        rollout = a @ rollout
    row = rollout[pooled_index]
    return row / row.sum()


class _eager_attention:
    """Switch a model to eager attention (which returns attention maps) for one call."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.config = getattr(model, "config", None)
        self.before = getattr(self.config, "_attn_implementation", None)

    def __enter__(self) -> None:
        if self.before not in (None, "eager"):
            self._set("eager")

    def __exit__(self, *exc: object) -> None:
        if self.before not in (None, "eager"):
            self._set(self.before)

    def _set(self, impl: str) -> None:
        setter = getattr(self.model, "set_attn_implementation", None)
        try:
            if callable(setter):
                setter(impl)
                return
        except (ValueError, AttributeError, TypeError) as exc:  # pragma: no cover - depends on transformers
            logger.debug("set_attn_implementation(%r) failed (%s); setting the config", impl, exc)
        self.config._attn_implementation = impl

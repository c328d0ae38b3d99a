"""Frozen-layer caching for transfer learning on the top ``k`` blocks (``adapter.top_layers``).

With an adapter on the top ``k`` of ``n`` transformer blocks, the embeddings and
the lower ``n - k`` blocks are frozen: for a given input their output never
changes. :class:`FrozenCache` keeps, per training example, the hidden state that
enters block ``n - k`` (computed once, in eval mode: no dropout below the
trained blocks) and serves it on every later visit, so later epochs run only
the top ``k`` blocks and the head.

The model's own forward stays in charge (masks, rotary position embeddings,
pooling and the head are computed as usual). During a training forward only,
the lower blocks in the model's block list are swapped for stand-ins: the last
one returns the cached hidden states of the batch's examples (looked up by the
index column :data:`INDEX` that the collator carries), the others pass their
input through. The real blocks are put back as soon as the forward returns, so
backward, evaluation and saving see the ordinary model, and the checkpoint is
an ordinary peft adapter.

The cache fills lazily: the first time an example is seen, its lower blocks
run once (``torch.no_grad``, eval mode) with the top blocks passed through; the
cache lives in memory, is rebuilt after a resume and is never checkpointed.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

logger = logging.getLogger(__name__)

INDEX = "llmsec_example_index"
"""The batch key (and train-dataset column) that names each row's training example."""

MEMORY_SHARE = 0.25
"""The cache may take at most this share of the memory available when training starts."""


def find_blocks(model: nn.Module) -> nn.ModuleList:
    """The model's list of transformer blocks: the ``ModuleList`` of ``config.num_hidden_layers`` entries.

    Raises:
        ValueError: no such list, or several of them.
    """
    from torch import nn

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    n = getattr(base.config, "num_hidden_layers", None)
    found = [(name, m) for name, m in base.named_modules() if isinstance(m, nn.ModuleList) and len(m) == n]
    if len(found) != 1:
        raise ValueError(f"{type(base).__name__}: expected one list of {n} transformer blocks, found "
                         f"{[name for name, _ in found]}")
    return found[0][1]


def _hidden_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor:
    """The hidden states a block was called with (first positional argument or ``hidden_states``)."""
    return args[0] if args else kwargs["hidden_states"]


@cache
def _stand_ins() -> tuple[type, type, type]:
    """The three block stand-ins (classes built on first use: torch is imported lazily)."""
    from torch import nn

    class Skip(nn.Module):
        """A frozen block below the cached one: its output is replaced anyway, so it passes its input on."""

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            return _hidden_of(args, kwargs)

    class Record(nn.Module):
        """The first trained block while the cache fills: records the hidden states it receives."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: Any = None

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            self.seen = _hidden_of(args, kwargs)
            return self.seen

    class Serve(nn.Module):
        """The last frozen block while training: returns the cached output for the batch's examples."""

        def __init__(self, rows: list[torch.Tensor]) -> None:
            super().__init__()
            self.rows = rows

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            hidden = _hidden_of(args, kwargs)
            # Padding positions are zeros: finite, and masked out of every real token's attention.
            out = hidden.new_zeros(hidden.shape)
            for i, row in enumerate(self.rows):
                out[i, : row.shape[0]] = row.to(device=hidden.device, dtype=hidden.dtype)
            return out.requires_grad_(hidden.requires_grad)  # checkpointed blocks above need a grad input

    return Skip, Record, Serve


class FrozenCache:
    """Per-example hidden states below the trained blocks, filled on first use.

    Args:
        model: the trainable model (a peft model with adapters on the top blocks only).
        first_trained: the index of the lowest trained block (``n - top_layers``, at least 1).
        n_examples: the number of training examples (rows of the train dataset).
    """

    def __init__(self, model: nn.Module, first_trained: int, n_examples: int) -> None:
        self.blocks = find_blocks(model)
        if not 1 <= first_trained < len(self.blocks):
            raise ValueError(f"first_trained must lie in [1, {len(self.blocks) - 1}], got {first_trained}")
        self.first_trained = first_trained
        self.rows: list[torch.Tensor | None] = [None] * n_examples
        self.hits = self.misses = 0

    @property
    def cached_bytes(self) -> int:
        """The memory the cached hidden states take now."""
        return sum(r.numel() * r.element_size() for r in self.rows if r is not None)

    @contextmanager
    def serving(self, model: nn.Module, inputs: dict[str, Any], index: torch.Tensor) -> Iterator[None]:
        """Run the forward inside this block with the lower blocks replaced by the cache.

        Examples not cached yet are computed first. ``inputs`` are the model's
        keyword arguments for the batch (without :data:`INDEX`); ``index`` names
        each row's training example.

        Raises:
            ValueError: a row's number of tokens differs from its cached one
                (the training data changed under the cache), or the batch is left-padded.
        """
        ids = [int(i) for i in index.tolist()]
        lengths = _row_lengths(inputs)
        missing = [pos for pos, i in enumerate(ids) if self.rows[i] is None]
        self.misses += len(missing)
        self.hits += len(ids) - len(missing)
        if missing:
            self._fill(model, inputs, [ids[p] for p in missing], missing, lengths)
        rows = [self.rows[i] for i in ids]
        for pos, (row, n) in enumerate(zip(rows, lengths, strict=True)):
            if n is not None and row.shape[0] != n:  # type: ignore[union-attr]
                raise ValueError(f"training example {ids[pos]} has {n} tokens but {row.shape[0]} cached: "  # type: ignore[union-attr]
                                 "the training data changed during the run")
        Skip, _, Serve = _stand_ins()
        swaps = {i: Skip() for i in range(self.first_trained - 1)}
        swaps[self.first_trained - 1] = Serve(rows)  # type: ignore[arg-type]
        with _swapped(self.blocks, swaps):
            yield

    def _fill(self, model: nn.Module, inputs: dict[str, Any], ids: list[int], positions: list[int],
              lengths: list[int | None]) -> None:
        """Compute and store the lower blocks' output for the rows at ``positions`` (eval mode, no grad)."""
        import torch

        Skip, Record, _ = _stand_ins()
        record = Record()
        swaps = {i: Skip() for i in range(self.first_trained + 1, len(self.blocks))}
        swaps[self.first_trained] = record
        sub = {k: _take_rows(v, positions) for k, v in inputs.items() if k != "labels"}
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad(), _swapped(self.blocks, swaps):
                model(**sub)
        finally:
            model.train(was_training)
        hidden = record.seen
        width = hidden.shape[1]
        for j, (i, pos) in enumerate(zip(ids, positions, strict=True)):
            n = lengths[pos] if lengths[pos] is not None else width
            self.rows[i] = hidden[j, :n].detach().to("cpu").clone()


@contextmanager
def _swapped(blocks: nn.ModuleList, swaps: dict[int, nn.Module]) -> Iterator[None]:
    """Replace ``blocks[i]`` by ``swaps[i]`` for the duration of the block; always put the real ones back."""
    real = {i: blocks[i] for i in swaps}
    try:
        for i, module in swaps.items():
            blocks[i] = module
        yield
    finally:
        for i, module in real.items():
            blocks[i] = module


def _row_lengths(inputs: dict[str, Any]) -> list[int | None]:
    """Real tokens per row from the attention mask (None per row without a mask).

    Raises:
        ValueError: a row whose real tokens do not come first (left padding).
    """
    mask = inputs.get("attention_mask")
    if mask is None:
        return [None] * len(inputs["input_ids"])
    lengths = mask.sum(-1)
    width = mask.shape[-1]
    import torch

    expected = torch.arange(width, device=mask.device)[None, :] < lengths[:, None]
    if not torch.equal(mask.bool(), expected):
        raise ValueError("the frozen-layer cache needs right-padded batches (real tokens first): "
                         "set the tokenizer's padding_side to 'right' or turn cache_frozen off")
    return [int(n) for n in lengths.tolist()]


def _take_rows(value: Any, positions: list[int]) -> Any:
    import torch

    if isinstance(value, torch.Tensor) and value.dim() > 0:
        return value[positions]
    return value


def estimate_bytes(token_counts: list[int], hidden_size: int, itemsize: int) -> int:
    """What the full cache takes: tokens over all examples × hidden size × bytes per value."""
    return int(sum(token_counts)) * hidden_size * itemsize


def available_memory() -> int | None:
    """Bytes of memory available now (psutil), or None where it cannot be told."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - accelerate depends on psutil
        return None
    return int(psutil.virtual_memory().available)


def plan_cache(
    setting: bool | None,
    *,
    top_layers: int | None,
    num_layers: int,
    passes: float,
    processes: int,
    on_accelerator: bool,
    padding_side: str,
    cache_bytes: int,
    available: int | None,
) -> tuple[bool, str]:
    """Whether to cache the frozen blocks, and why (the reason is logged).

    Args:
        setting: the stage's ``cache_frozen`` (None: decide here).
        top_layers: the adapter's ``top_layers``.
        num_layers: the model's number of transformer blocks.
        passes: how many times the run sees each training example (epochs, or steps × batch / examples).
        processes: training processes (or GPUs of a single-process DataParallel run).
        on_accelerator: whether training runs on a GPU.
        padding_side: the tokenizer's padding side.
        cache_bytes: what the full cache would take (:func:`estimate_bytes`).
        available: memory available now, in bytes (None: unknown).
    """
    if top_layers is None or setting is False:
        return False, "off" if setting is False else "no adapter.top_layers"
    if top_layers >= num_layers:
        return False, f"top_layers {top_layers} trains every one of the {num_layers} blocks: nothing frozen to cache"
    if processes > 1:
        return False, (f"{processes} processes or GPUs: the frozen-layer cache runs in single-process, "
                       "single-device training only")
    if padding_side != "right":
        return False, f"the tokenizer pads on the {padding_side}: the cache needs right padding"
    need = f"{cache_bytes / 2**20:.0f} MiB"
    if available is not None and cache_bytes > MEMORY_SHARE * available:
        return False, (f"the cache would take {need}, more than {MEMORY_SHARE:.0%} of the "
                       f"{available / 2**30:.1f} GiB available")
    if setting is None and on_accelerator:
        return False, "training on a GPU (set cache_frozen: true to cache anyway)"
    if setting is None and passes <= 1:
        return False, f"the run sees each example {passes:.2g} time(s): a cache would not pay"
    return True, f"caching blocks 0..{num_layers - top_layers - 1} ({need} at most)"


def model_columns(model: nn.Module) -> set[str]:
    """The keyword arguments the (base) model's forward takes, as the Trainer inspects them."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return set(inspect.signature(base.forward).parameters)


def indexed_collate(collate: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap a collator so that a batch from the indexed train set carries :data:`INDEX` as a tensor."""

    def collate_indexed(features: list[dict[str, Any]]) -> dict[str, Any]:
        if not features or INDEX not in features[0]:
            return collate(features)
        import torch

        index = torch.tensor([int(f[INDEX]) for f in features])
        batch = collate([{k: v for k, v in f.items() if k != INDEX} for f in features])
        batch[INDEX] = index
        return batch

    return collate_indexed


def frozen_cache(setting: bool | None, top_layers: int | None, model: nn.Module, tokenizer: Any,
                 train_ds: Any, args: Any) -> FrozenCache | None:
    """The stage's frozen-layer cache, or None when :func:`plan_cache` says no (its reason is logged).

    Args:
        setting: the stage's ``cache_frozen``.
        top_layers: the adapter's ``top_layers``.
        model: the trainable model.
        tokenizer: the stage's tokenizer (its padding side matters).
        train_ds: the tokenized training set (``input_ids`` per example).
        args: the run's ``TrainingArguments``.
    """
    from ._args import has_accelerator
    from ._distributed import world_size

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    num_layers = int(getattr(base.config, "num_hidden_layers", 0) or 0)
    n = len(train_ds)
    # Several processes (DDP, FSDP...) or one process over several GPUs (DataParallel, which
    # splits each batch over module replicas): both are refused by plan_cache.
    processes = max(world_size(), int(getattr(args, "n_gpu", 1) or 1))
    per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps * world_size()
    passes = args.max_steps * per_step / max(n, 1) if args.max_steps > 0 else float(args.num_train_epochs)
    itemsize = base.get_input_embeddings().weight.element_size()
    hidden = int(getattr(base.config, "hidden_size", 0) or 0)
    size = estimate_bytes([len(ids) for ids in train_ds["input_ids"]], hidden, itemsize)
    on, why = plan_cache(setting, top_layers=top_layers, num_layers=num_layers, passes=passes,
                         processes=processes, on_accelerator=has_accelerator(),
                         padding_side=getattr(tokenizer, "padding_side", "right"), cache_bytes=size,
                         available=available_memory())
    if not on:
        log = logger.warning if setting else logger.info
        log("frozen-layer cache not used: %s", why)
        return None
    logger.info("frozen-layer cache: %s", why)
    return FrozenCache(model, num_layers - int(top_layers), n)  # type: ignore[arg-type]


def index_datasets(train_ds: Any, eval_ds: Any, model: nn.Module, args: Any) -> tuple[Any, Any]:
    """The train set with its example index column (:data:`INDEX`) and both sets cut to the model's inputs.

    The Trainer would drop the index column (the model's forward does not take
    it), so column removal is done here and turned off in ``args``.
    """
    keep = model_columns(model) | {"labels", "label", INDEX}

    def cut(ds: Any) -> Any:
        return ds.remove_columns([c for c in ds.column_names if c not in keep])

    args.remove_unused_columns = False
    indexed = cut(train_ds.add_column(INDEX, list(range(len(train_ds)))))
    return indexed, (cut(eval_ds) if eval_ds is not None else None)

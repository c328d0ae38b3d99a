"""Report figures with matplotlib (Agg backend, imported on use): ROC, PR, confusion, calibration, loss."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_calibration", "plot_confusion", "plot_loss_curves", "plot_pr", "plot_roc", "write_plots"]

logger = logging.getLogger(__name__)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _scores(items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([it["label"] for it in items])
    probs = np.array([it["probs"] for it in items], dtype=float)
    return y, probs


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_roc(curves: dict[str, Sequence[dict[str, Any]]], path: Path) -> Path | None:
    """ROC curve of each model (binary tasks: class 1 is positive); None when undefined."""
    from sklearn.metrics import roc_auc_score, roc_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    drawn = False
    for name, items in curves.items():
        y, probs = _scores(items)
        if probs.shape[1] != 2 or len(set(y.tolist())) < 2:
            continue
        fpr, tpr, _ = roc_curve(y, probs[:, 1])
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, probs[:, 1]):.3f})")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_pr(curves: dict[str, Sequence[dict[str, Any]]], path: Path) -> Path | None:
    """Precision-recall curve of each model (binary tasks); None when undefined."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    drawn = False
    prevalence = None
    for name, items in curves.items():
        y, probs = _scores(items)
        if probs.shape[1] != 2 or len(set(y.tolist())) < 2:
            continue
        precision, recall, _ = precision_recall_curve(y, probs[:, 1])
        ax.step(recall, precision, where="post",
                label=f"{name} (AP {average_precision_score(y, probs[:, 1]):.3f})")
        prevalence = float(y.mean())
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.axhline(prevalence, ls=":", c="grey", label=f"prevalence {prevalence:.2f}")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, path)


def plot_confusion(items: Sequence[dict[str, Any]], labels: Sequence[str], path: Path, title: str = "") -> Path:
    """Confusion matrix (rows: true class, columns: predicted), with counts."""
    from sklearn.metrics import confusion_matrix

    plt = _pyplot()
    y, probs = _scores(items)
    cm = confusion_matrix(y, probs.argmax(-1), labels=list(range(len(labels))))
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2.5, 1.2 * len(labels) + 2))
    ax.imshow(cm, cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="predicted", ylabel="true", title=title or "Confusion matrix")
    return _save(fig, path)


def plot_calibration(curves: dict[str, Sequence[dict[str, Any]]], path: Path, n_bins: int = 10) -> Path | None:
    """Reliability diagram: the observed positive rate against the mean predicted probability per bin."""
    from sklearn.calibration import calibration_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    drawn = False
    for name, items in curves.items():
        y, probs = _scores(items)
        if probs.shape[1] != 2 or len(set(y.tolist())) < 2:
            continue
        frac, mean = calibration_curve(y, probs[:, 1], n_bins=n_bins, strategy="uniform")
        brier = float(np.mean((probs[:, 1] - y) ** 2))
        ax.plot(mean, frac, marker="o", label=f"{name} (Brier {brier:.3f})")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.plot([0, 1], [0, 1], ls=":", c="grey", label="perfectly calibrated")
    ax.set(xlabel="mean predicted probability", ylabel="fraction positive", title="Calibration",
           xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_loss_curves(lineage: Sequence[dict[str, Any]], path: Path) -> Path | None:
    """Training (and eval) loss of every stage along the lineage, from each manifest's ``log_history``."""
    from ..checkpoints import read_checkpoint

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    drawn = False
    offset = 0
    for stage in lineage:
        try:
            history = read_checkpoint(stage["path"]).manifest.get("log_history") or []
        except (OSError, ValueError) as exc:
            logger.warning("no loss curve for %s: %s", stage["path"], exc)
            continue
        train = [(h["step"], h["loss"]) for h in history if "loss" in h and "step" in h]
        evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h and "step" in h]
        name = f"{stage['kind']} ({Path(stage['path']).name})"
        if train:
            ax.plot([offset + s for s, _ in train], [v for _, v in train], label=f"{name} train")
            drawn = True
        if evals:
            ax.plot([offset + s for s, _ in evals], [v for _, v in evals], marker="o", ls="--",
                    label=f"{name} eval")
            drawn = True
        steps = [h["step"] for h in history if "step" in h]
        offset += max(steps, default=0)
    if not drawn:
        plt.close(fig)
        return None
    ax.set(xlabel="step (stages in sequence)", ylabel="loss", title="Training loss along the lineage")
    ax.legend(fontsize=8)
    return _save(fig, path)


def write_plots(result: dict[str, Any], out: Path, others: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Every figure that applies to ``result`` (and its baseline, and ``others``); returns the file names."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path | None] = []
    if result.get("kind") == "detection" and result.get("items"):
        curves = {_label(result): result["items"]}
        for name, other in (others or {}).items():
            if other.get("items"):
                curves[name] = other["items"]
        if result.get("baseline") and result["baseline"].get("items"):
            curves["TF-IDF baseline"] = result["baseline"]["items"]
        written += [plot_roc(curves, out / "roc.png"), plot_pr(curves, out / "pr.png"),
                    plot_calibration(curves, out / "calibration.png"),
                    plot_confusion(result["items"], result["labels"], out / "confusion.png",
                                   title=f"Confusion matrix: {_label(result)}")]
    if result.get("breakdown"):
        from .secure_code._plots import plot_breakdown

        written.append(plot_breakdown(result, out / "breakdown.png", others))
    if result.get("lineage"):
        written.append(plot_loss_curves(result["lineage"], out / "loss.png"))
    return [p.name for p in written if p is not None]


def _label(result: dict[str, Any]) -> str:
    return f"{Path(result['model']['name']).name} ({result.get('method', '')})"

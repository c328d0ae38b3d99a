"""Adaptation that pays: train each real-data recipe and score it on held-out data against its base,
a TF-IDF + logistic-regression baseline and the majority class.

For every recipe in ``examples/recipes/real/`` this benchmark

1. prepares the recipe's data from the real samples in ``../shared/data`` (or ``--data-root``) with
   :func:`llmsec.prepare`: scrubbed, de-duplicated, split by time (CVEs) or by group (URLs by
   registered domain, Juliet by test case); the test split is held out, and a validation split is
   carved from the training part (the recipe's ``data.eval``: where its settings were chosen);
2. trains the recipe (``llmsec.Pipeline``), timing it;
3. evaluates the base model and the adapted checkpoint on the test split with :func:`llmsec.evaluate`
   (perplexity, generation, log-likelihood multiple choice or the classification head, as the task
   asks), beside the TF-IDF baseline and the majority class fitted on the same training data;
4. prints one table and writes ``benchmarks/results/recipes.json`` (rows of earlier runs of other
   recipes are kept, so ``--only`` runs add up).

    python benchmarks/bench_recipes.py                     # every recipe (about an hour on 2 cores)
    python benchmarks/bench_recipes.py --only phishing-url --only juliet-vuln
    python benchmarks/bench_recipes.py --prepare-only      # just write runs/recipes/data/
    python benchmarks/bench_recipes.py --only juliet-vuln --set stages.0.trainer.num_train_epochs=10  # a GPU budget
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _measure import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
RECIPES = REPO / "examples" / "recipes" / "real"
RESULTS = Path(__file__).resolve().parent / "results" / "recipes.json"
DATA_OUT = Path("runs/recipes/data")  # relative, as the recipes name it: run from the repository root


@dataclass(frozen=True)
class Source:
    """One raw file of ``--data-root`` and how to read it."""

    path: str
    format: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DataSpec:
    """How a recipe's train / valid / test files are prepared from the raw sources."""

    task: str
    sources: tuple[Source, ...]
    split: str = "group"
    test_size: float = 0.2
    valid_size: float = 0.1
    view: str = "pair"
    max_samples: int | None = None
    extra_train: tuple[Source, ...] = ()  # training-only sources (no test split taken from them)
    extra_task: str | None = None  # the task the extra sources are prepared for (default: ``task``)
    test: tuple[Source, ...] = ()  # a test set of its own (then the sources are all training data)
    test_task: str | None = None  # the task the test sources are prepared for (default: ``task``)
    test_split: str | None = None  # keep only the test part of this split of ``test`` (e.g. its latest)
    test_fraction: float = 0.5


@dataclass(frozen=True)
class Bench:
    """One recipe, its data, how its test split is scored and its goal."""

    name: str
    recipe: str
    data: DataSpec | str  # the data, or the name of the bench whose data the recipe reads
    task: str  # the task the test split is evaluated on
    goal: str
    passed: Callable[[dict[str, Any]], bool]
    eval_args: dict[str, Any] = field(default_factory=dict)
    base: str | None = None  # the base model row; None: the recipe's own base, "" for none (an encoder)
    needs: tuple[str, ...] = ()  # other benches whose data the recipe reads too (a chained pipeline)


def _beats(metric: str, *others: str) -> Callable[[dict[str, Any]], bool]:
    def check(row: dict[str, Any]) -> bool:
        mine = row["adapted"].get(metric)
        return mine is not None and all(
            row[o] is None or row[o].get(metric) is None or mine >= row[o][metric] for o in others)
    return check


def _bpb_drop(row: dict[str, Any]) -> bool:
    return row["adapted"]["bits_per_byte"] <= 0.9 * row["base"]["bits_per_byte"]


def _cwe_generation(row: dict[str, Any]) -> bool:
    acc = row["adapted"]["accuracy"]
    return acc >= 3 * row["base"]["accuracy"] and acc > row["majority"]["accuracy"]


def _above_chance(row: dict[str, Any]) -> bool:
    low, _ = row["adapted"]["accuracy_ci95"]
    return low > row["chance"]["accuracy"]


SHARED = "sec_qa/ctibench"
BENCHES: tuple[Bench, ...] = (
    Bench(
        name="pretrain-security",
        recipe="pretrain_security.yaml",
        data=DataSpec(
            # CVE descriptions split by time: the CTI-RCM rows of the latest CVE year (2024) are the test set,
            # the March 2023 NVD feed and the earlier CTI-RCM rows train, beside the CWE and ATT&CK prose
            task="cve-to-cwe", view="corpus", split="time", test_size=0.35, valid_size=0.1,
            sources=(Source("cve_text/nvdcve-1.1-recent_2023-03.json", "nvd"),
                     Source(f"{SHARED}/cti-rcm.tsv", "ctibench-rcm")),
            extra_train=(Source("cve_text/cwe_v4.14_view1000_research.csv", "cwe-csv"),
                         Source("attack/enterprise-attack_techniques-tactics-groups_mitre-cti.json", "attack-stix")),
            extra_task="corpus",
        ),
        task="corpus",
        goal="later-CVE bits/byte >= 10% below the base",
        passed=_bpb_drop,
    ),
    Bench(
        name="cve-to-cwe",
        recipe="cve_to_cwe.yaml",
        data=DataSpec(
            task="cve-to-cwe", view="conversation", split="time", test_size=0.35, valid_size=0.1,
            sources=(Source("cve_text/nvdcve-1.1-recent_2023-03.json", "nvd"),
                     Source(f"{SHARED}/cti-rcm.tsv", "ctibench-rcm")),
        ),
        task="cti-rcm",
        goal=">= 3x the base's accuracy and above the majority class",
        passed=_cwe_generation,
        eval_args={"max_samples": 200},
    ),
    Bench(
        name="cve-to-cwe-head",
        recipe="cve_to_cwe_head.yaml",
        data=DataSpec(
            task="cve-to-cwe", split="time", test_size=0.35, valid_size=0.1,
            sources=(Source("cve_text/nvdcve-1.1-recent_2023-03.json", "nvd"),
                     Source(f"{SHARED}/cti-rcm.tsv", "ctibench-rcm")),
        ),
        task="cve-to-cwe",
        goal="accuracy >= TF-IDF + LR",
        passed=_beats("accuracy", "tfidf"),
        base="",
    ),
    Bench(
        name="phishing-url",
        recipe="phishing_url.yaml",
        data=DataSpec(
            task="phishing-url", split="group", max_samples=3000,
            sources=(Source("phishing_url/2.online-valid.csv", "phishtank"),
                     Source("phishing_url/1.Benign_list_big_final.csv", "url-list", {"label": "benign"})),
        ),
        task="phishing-url",
        goal="F1 >= TF-IDF + LR",
        passed=_beats("f1", "tfidf"),
        base="",
    ),
    Bench(
        name="juliet-vuln",
        recipe="juliet_vuln.yaml",
        data=DataSpec(task="vuln-detect", split="group",
                      sources=(Source("vuln_code/juliet_c_v1.3", "juliet"),)),
        task="vuln-detect",
        goal="F1 >= TF-IDF + LR",
        passed=_beats("f1", "tfidf"),
        base="",
    ),
    Bench(
        name="sec-mcq",
        recipe="sec_mcq.yaml",
        data=DataSpec(
            task="sec-mcq", view="conversation", split="random", valid_size=0.05, max_samples=200,
            sources=(Source("sec_qa/seceval_questions.json", "seceval"),
                     Source(f"{SHARED}/cti-mcq.tsv", "ctibench-mcq")),
            test=(Source("sec_qa/CyberMetric-80-v1.json", "cybermetric"),),
        ),
        task="sec-mcq",
        goal="above chance, 95% interval excluding it (log-likelihood scoring)",
        passed=_above_chance,
        eval_args={"method": "loglik"},
    ),
    Bench(
        name="pipeline-security",
        recipe="pipeline_security.yaml",
        data="cve-to-cwe",
        needs=("pretrain-security",),
        task="cti-rcm",
        goal="CVE -> CWE after domain pre-training: >= 3x the base's accuracy and above the majority class",
        passed=_cwe_generation,
        eval_args={"max_samples": 200},
    ),
)
BY_NAME = {b.name: b for b in BENCHES}


# --- data ------------------------------------------------------------------------


def _sources(root: Path, sources: tuple[Source, ...]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(str(root / s.path), s.format, dict(s.options)) for s in sources]


def prepare_data(bench: Bench, root: Path, out: Path = DATA_OUT, max_samples: int | None = None) -> Path:
    """Write ``out/<name>/{train,valid,test}.jsonl`` for ``bench`` (and the prepare reports beside them);
    a bench that reads another's data (and the benches it needs) prepares theirs. ``max_samples`` caps
    every source (a quick check of the recipes, as the tests do)."""
    from llmsec import prepare

    for other in bench.needs:
        prepare_data(BY_NAME[other], root, out, max_samples)
    if isinstance(bench.data, str):
        return prepare_data(BY_NAME[bench.data], root, out, max_samples)
    spec = bench.data
    where = out / bench.name
    if where.exists():
        shutil.rmtree(where)
    common = {"task": spec.task, "view": spec.view, "max_samples": max_samples or spec.max_samples}
    if spec.test:
        # All of the sources train; the test set comes from sources of its own.
        prepare(_sources(root, spec.sources + spec.extra_train), out=where / "_all", split=None, **common)
        prepare(_sources(root, spec.test), out=where / "_test", split=spec.test_split, audit=False,
                test_size=spec.test_fraction, **{**common, "task": spec.test_task or spec.task,
                                                 "max_samples": max_samples})
        pool = where / "_all" / "train.jsonl"
        test = where / "_test" / ("test.jsonl" if spec.test_split else "train.jsonl")
    else:
        prepare(_sources(root, spec.sources), out=where / "_split", split=spec.split, test_size=spec.test_size,
                **common)
        pool, test = where / "_split" / "train.jsonl", where / "_split" / "test.jsonl"
    # The validation set is carved from training data only, the same way as the test split.
    prepare([(str(pool), "jsonl", {})], out=where / "_fit", split=spec.split if spec.split != "none" else "random",
            test_size=spec.valid_size, audit=False, task=spec.task, view=spec.view)
    train = (where / "_fit" / "train.jsonl").read_text()
    if spec.extra_train and not spec.test:  # training-only sources join the training split, after the carve
        prepare(_sources(root, spec.extra_train), out=where / "_extra", split=None, audit=False,
                **{**common, "task": spec.extra_task or spec.task})
        train += (where / "_extra" / "train.jsonl").read_text()
    (where / "train.jsonl").write_text(train)
    shutil.copy(where / "_fit" / "test.jsonl", where / "valid.jsonl")
    shutil.copy(test, where / "test.jsonl")
    return where


# --- scoring -----------------------------------------------------------------------


def _labels(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["label"] if "label" in r else r.get("answer") for r in rows]


def majority_row(train: Path, test: Path, labels: list[str] | None = None,
                 max_samples: int | None = None) -> dict[str, Any]:
    """Accuracy and F1 of always answering the training set's most common label (F1 of the positive
    class, the second of a binary task's ``labels``, as :func:`llmsec.evaluate` reports it; else macro)."""
    from sklearn.metrics import accuracy_score, f1_score

    top = Counter(_labels(train)).most_common(1)[0][0]
    truth = _labels(test)[:max_samples]  # the items the models were scored on
    pred = [top] * len(truth)
    if labels is not None and len(labels) == 2:
        f1 = f1_score(truth, pred, pos_label=labels[1], average="binary", zero_division=0)
    else:
        f1 = f1_score(truth, pred, average="macro", zero_division=0)
    return {"label": top, "accuracy": float(accuracy_score(truth, pred)), "f1": float(f1), "n": len(truth)}


def _metrics(result: dict[str, Any]) -> dict[str, Any]:
    """The comparable numbers of an ``evaluate`` result, with a 95% interval on accuracy."""
    metrics = {k: v for k, v in result["metrics"].items() if isinstance(v, int | float)}
    n = result["n"]
    if "accuracy" in metrics and n:
        metrics["accuracy_ci95"] = wilson(metrics["accuracy"], n)
    metrics["n"] = n
    metrics["method"] = result.get("method")
    metrics["eval_seconds"] = result.get("seconds")
    return metrics


def wilson(p: float, n: int, z: float = 1.96) -> list[float]:
    """The Wilson score interval of a proportion ``p`` measured on ``n`` items."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 4), round(centre + half, 4)]


def base_metrics(model: str, args: dict[str, Any]) -> dict[str, Any]:
    """The base model's scores; kept in ``runs/recipes/base-scores.json`` by model, arguments and test
    data fingerprint, since the base never changes (the chain and the single stage share their test set)."""
    import llmsec
    from llmsec.data import fingerprint

    cache = Path("runs/recipes/base-scores.json")
    scores = json.loads(cache.read_text()) if cache.exists() else {}
    key = json.dumps({"model": model, **args, "data": fingerprint(args["data"])}, sort_keys=True)
    if key not in scores:
        scores[key] = _metrics(llmsec.evaluate(model, baseline=False, audit=False, **args))
        cache.write_text(json.dumps(scores, indent=1))
    return scores[key]


def _share_stages(bench: Bench, recipe: Any) -> list[str]:
    """Link a chain's leading stages to the finished checkpoints of the recipes it ``needs`` where the
    stage is the same (same index and name; the pipeline's resume check compares their whole configs and
    verifies their files before reusing them), so a chain does not train its first stage twice."""
    from llmsec.config import load_recipe

    shared = []
    for other in bench.needs:
        theirs = load_recipe(RECIPES / BY_NAME[other].recipe)
        for index, (mine, stage) in enumerate(zip(recipe.stages, theirs.stages, strict=False)):
            source = Path(theirs.output_dir) / f"{index}-{stage.label}"
            target = Path(recipe.output_dir) / f"{index}-{mine.label}"
            if mine.label == stage.label and (source / "llmsec.json").exists() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(source, target)
                shared.append(str(source))
    return shared


def run_bench(bench: Bench, root: Path, *, train: bool = True, overrides: list[str] | None = None) -> dict[str, Any]:
    """Prepare, train and score one recipe (with ``overrides``: ``--set`` items); returns its row."""
    import llmsec
    from llmsec.config import load_recipe

    ready = DATA_OUT / (bench.data if isinstance(bench.data, str) else bench.name)
    # Re-scoring a finished run reads the data it was trained on, not a fresh preparation.
    where = ready if not train and (ready / "test.jsonl").exists() else prepare_data(bench, root)
    recipe = load_recipe(RECIPES / bench.recipe, overrides)
    reused = _share_stages(bench, recipe) if train and not overrides else []
    started = time.perf_counter()
    checkpoints = llmsec.Pipeline(recipe, resume=bool(reused) or not train).run()
    train_s = time.perf_counter() - started
    adapted = checkpoints[-1]
    test, train_file = where / "test.jsonl", where / "train.jsonl"
    args = {"task": bench.task, "data": str(test), **bench.eval_args}
    row: dict[str, Any] = {"name": bench.name, "recipe": f"examples/recipes/real/{bench.recipe}",
                           "task": bench.task, "goal": bench.goal, "wall_seconds": round(train_s, 1),
                           # what training took, from the manifests (a reused stage counts its own run)
                           "train_seconds": round(sum(c.metrics.get("train_runtime_s", 0.0) for c in checkpoints), 1),
                           "stages": [c.kind for c in checkpoints], "base_model": recipe.model.name,
                           "reused_stages": reused, "overrides": overrides or []}
    adapted_result = llmsec.evaluate(adapted, baseline_train=str(train_file), **args)
    row["adapted"] = _metrics(adapted_result)
    row["contamination"] = (adapted_result.get("contamination") or {}).get("summary")
    baseline = adapted_result.get("baseline")
    row["tfidf"] = _metrics({**baseline, "n": adapted_result["n"]}) if baseline else None
    base = recipe.model.name if bench.base is None else bench.base
    row["base"] = base_metrics(base, args) if base else None
    kind = adapted_result.get("kind")
    row["majority"] = majority_row(train_file, test, adapted_result.get("labels"), args.get("max_samples")) \
        if kind in ("detection", "generation") else None
    if kind == "generation":  # what the model answers, to tell learning from collapse onto one label
        row["adapted"]["top_predictions"] = Counter(str(i["pred"]) for i in adapted_result["items"]).most_common(5)
    if bench.task == "sec-mcq":
        chance = float(adapted_result["metrics"].get("chance", 0.25))
        row["chance"] = {"accuracy": chance}
    row["passed"] = bool(bench.passed(row))
    row["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return row


# --- report ------------------------------------------------------------------------


_MAIN = {"corpus": "bits_per_byte", "cti-rcm": "accuracy", "cve-to-cwe": "accuracy", "sec-mcq": "accuracy"}


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of ``rows``: the main metric of each system, the goal and whether it was met."""
    lines = ["| recipe | metric | base | adapted | TF-IDF + LR | majority | train s | goal | met |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for row in rows:
        metric = _MAIN.get(row["task"], "f1")
        cells = [(row.get(k) or {}).get(metric) for k in ("base", "adapted", "tfidf", "majority")]
        if row.get("chance"):
            cells[3] = row["chance"]["accuracy"]
        lines.append(f"| {row['name']} | {metric} | " + " | ".join(_fmt(c) for c in cells)
                     + f" | {row['train_seconds']:.0f} | {row['goal']} | {'yes' if row['passed'] else 'no'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("LLMSEC_SHARED_DATA") or REPO.parent / "shared" / "data"))
    parser.add_argument("--only", action="append", choices=[b.name for b in BENCHES])
    parser.add_argument("--prepare-only", action="store_true", help="write runs/recipes/data/ and stop")
    parser.add_argument("--reuse", action="store_true", help="reuse finished checkpoints (Pipeline resume)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override every chosen recipe (a GPU budget: --set stages.0.trainer.num_train_epochs=10)")
    parser.add_argument("--table", action="store_true", help="print the table of the last results and stop")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    if args.table:
        saved = json.loads(RESULTS.read_text())["rows"]
        print(table([r for r in saved if not args.only or r["name"] in args.only]))
        return 0
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    if args.prepare_only:
        for bench in chosen:
            print(f"{bench.name}: {prepare_data(bench, args.data_root)}")
        return 0
    previous = json.loads(RESULTS.read_text()).get("rows", []) if RESULTS.exists() else []
    rows = {r["name"]: r for r in previous}
    for bench in chosen:
        print(f"== {bench.name}", file=sys.stderr, flush=True)
        rows[bench.name] = run_bench(bench, args.data_root, train=not args.reuse, overrides=args.overrides)
        ordered = [rows[b.name] for b in BENCHES if b.name in rows]
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                                                   "python": platform.python_version()},
                                       "rows": ordered}, indent=2) + "\n")
    print(table([rows[b.name] for b in BENCHES if b.name in rows]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

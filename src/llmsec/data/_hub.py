"""Hub dataset ids (``hf:OWNER/NAME[/CONFIG][@REVISION][:SPLIT]``) found in the local Hugging Face caches, offline.

llmsec never downloads data. A hub dataset is usable when it is already on this
machine, in one of the two caches the Hugging Face libraries fill:

1. the **hub cache** (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
   ``~/.cache/huggingface/hub``): ``datasets--OWNER--NAME/snapshots/<commit>/``,
   the repository's files as ``huggingface-cli download --repo-type dataset`` or
   ``snapshot_download`` left them (parquet, arrow, CSV or JSON lines files);
2. the **datasets cache** (``$HF_DATASETS_CACHE``, else ``$HF_HOME/datasets``, else
   ``~/.cache/huggingface/datasets``): ``OWNER___NAME/<config>/<version>/<hash>/``,
   the Arrow files ``datasets.load_dataset`` prepared (``NAME-SPLIT.arrow``).

Either folder is then read by the ``table`` format, keeping the files of the asked
split (``train`` by default) and, for a dataset with several configurations, of the
asked ``CONFIG`` (its folder in the snapshot, its ``<config>`` folder in the datasets cache).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

HUB_PREFIX = "hf:"
_ID = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)(?:/(?P<config>[\w.-]+))?(?:@(?P<rev>[\w./-]+?))?"
                 r"(?::(?P<split>[\w.-]+))?$")


@dataclass(frozen=True)
class HubSource:
    """A hub dataset resolved to a local folder, and the split to read from it."""

    repo: str
    path: Path
    split: str | None
    config: str | None = None


def _home() -> Path:
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")


def hub_cache() -> Path:
    """The hub cache folder, read from the environment now (not when a library was imported)."""
    found = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(found) if found else _home() / "hub"


def datasets_cache() -> Path:
    """The ``datasets`` library's cache folder, read from the environment now."""
    found = os.environ.get("HF_DATASETS_CACHE")
    return Path(found) if found else _home() / "datasets"


def parse_hub_id(source: str) -> tuple[str, str | None, str | None, str | None]:
    """``(repo, config, revision, split)`` of ``hf:OWNER/NAME[/CONFIG][@REVISION][:SPLIT]``.

    Raises:
        ValueError: not of that form.
    """
    match = _ID.match(source.removeprefix(HUB_PREFIX))
    if not match:
        raise ValueError(f"{source!r} is not a hub dataset id; write hf:OWNER/NAME[/CONFIG][@REVISION][:SPLIT], "
                         "e.g. hf:acme/cve-fixes:test")
    return match["repo"], match["config"], match["rev"], match["split"]


def hub_source(source: str) -> HubSource:
    """Find ``hf:OWNER/NAME[/CONFIG][@REVISION][:SPLIT]`` in the local caches (hub cache first); the split
    defaults to train.

    Raises:
        ValueError: a malformed id.
        FileNotFoundError: the dataset is in neither cache (the message names both places and
            how to fill them on a machine that has the network).
    """
    repo, config, revision, split = parse_hub_id(source)
    split = split or "train"
    snapshot = _hub_snapshot(repo, revision)
    if snapshot is not None:
        return HubSource(repo, snapshot, split, config)
    folder = None if revision else _prepared(repo, config)
    if folder is None:
        raise FileNotFoundError(
            f"hub dataset {repo!r}{f' at {revision}' if revision else ''} is not in the local cache "
            f"({hub_cache() / ('datasets--' + repo.replace('/', '--'))} or "
            f"{datasets_cache() / repo.replace('/', '___')}); llmsec reads hub data offline only: on a machine "
            f"with the network run `huggingface-cli download --repo-type dataset {repo}` and copy the cache, "
            "or save the data to a file or a `save_to_disk` folder and give its path"
        )
    return HubSource(repo, folder, split)  # the config chose the folder


def _hub_snapshot(repo: str, revision: str | None) -> Path | None:
    root = hub_cache() / f"datasets--{repo.replace('/', '--')}"
    if not root.is_dir():
        return None
    rev = revision or "main"
    ref = root / "refs" / rev
    commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else rev
    snapshot = root / "snapshots" / commit
    if snapshot.is_dir():
        return snapshot
    if revision is None:  # no refs/main: the only snapshot there is
        snapshots = sorted(p for p in (root / "snapshots").glob("*") if p.is_dir())
        if len(snapshots) == 1:
            return snapshots[0]
    return None


def _prepared(repo: str, config: str | None) -> Path | None:
    """The newest prepared folder (``<config>/<version>/<hash>``) of ``repo`` in the datasets cache
    (of ``config``; else of ``default``, else of any)."""
    root = datasets_cache() / repo.replace("/", "___")
    found = [p.parent for p in root.glob("*/*/*/dataset_info.json")] if root.is_dir() else []
    if config is not None:
        found = [p for p in found if p.parent.parent.name == config]
    if not found:
        return None
    default = [p for p in found if p.parent.parent.name == "default"] or found
    return max(default, key=lambda p: p.stat().st_mtime)

"""resolve_model: local directories, hub ids, bad names, GGUF cache publishing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llmsec.models import ModelNotFoundError, _gguf, _resolve, is_adapter_dir, resolve_model


def test_local_dir_resolves_to_itself(tiny_llama_dir: Path) -> None:
    assert resolve_model(str(tiny_llama_dir)) == str(tiny_llama_dir)
    assert resolve_model(tiny_llama_dir) == str(tiny_llama_dir)


def test_hub_id_passes_through_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    hub_id = "HuggingFaceTB/SmolLM2-135M-Instruct"
    monkeypatch.setattr(_resolve, "in_hub_cache", lambda repo, revision=None: repo == hub_id)
    assert resolve_model(hub_id) == hub_id
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(_resolve, "hub_offline", lambda: False)
    assert resolve_model("org/not-cached") == "org/not-cached"


def test_uncached_hub_id_offline_is_a_clear_error() -> None:
    assert _resolve.hub_offline()  # tests run with HF_HUB_OFFLINE=1
    with pytest.raises(ModelNotFoundError, match=r"'no-such-org/no-such-model' not found.*not in the local cache"):
        resolve_model("no-such-org/no-such-model")


@pytest.mark.parametrize("bad", ["./no/such/dir", "/no/such/model", "weights.gguf", "a/b/c"])
def test_bad_names_are_clear_errors(bad: str) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model(bad)
    text = str(info.value)
    assert repr(bad) in text
    assert "smollm2-135m-instruct" in text and "minilm-l6" in text
    assert ".gguf" in text and "adapter" in text and "local Hugging Face directory" in text


def test_typo_of_a_builtin_suggests_it() -> None:
    with pytest.raises(ModelNotFoundError, match=r"Did you mean 'smollm2-135m-instruct'\?"):
        resolve_model("smollm2-135m-instruc")


def test_dir_without_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        resolve_model(str(tmp_path))


def test_non_gguf_file_and_missing_gguf_file(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match=r"not a \.gguf file"):
        resolve_model(str(tmp_path / "weights.bin"))
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model(str(tmp_path), gguf_file="model.gguf")


def test_is_adapter_dir(tmp_path: Path, tiny_llama_dir: Path) -> None:
    assert not is_adapter_dir(tiny_llama_dir)
    assert not is_adapter_dir(tmp_path / "missing")
    (tmp_path / "adapter_config.json").write_text("{}")
    assert is_adapter_dir(tmp_path)


def _fake_convert(calls: list[Path]):
    def convert(gguf: Path, tmp: Path) -> None:
        calls.append(gguf)
        tmp.mkdir(parents=True)
        (tmp / "config.json").write_text("{}")
        (tmp / _gguf.STAMP).write_text(json.dumps(_gguf.conversion_stamp(gguf)))

    return convert


def test_gguf_converts_once_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(_gguf, "_convert", _fake_convert(calls))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    first = resolve_model(str(gguf))
    assert resolve_model(str(tmp_path), gguf_file="m.gguf") == first
    assert resolve_model(str(tmp_path)) == first  # a folder with one .gguf
    assert len(calls) == 1
    home = Path(os.environ["LLMSEC_HOME"])
    assert Path(first).parent == home / "models" and Path(first).name.startswith("m-")
    assert not [p for p in Path(first).parent.iterdir() if ".tmp-" in p.name]

    os.utime(gguf, ns=(1, 1))  # the source changed: converted again, in place
    assert resolve_model(str(gguf)) != first  # new stamp -> new cache key
    assert len(calls) == 2


def test_publish_keeps_the_winner_of_a_race(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    out = tmp_path / "cache" / "m"
    calls: list[Path] = []
    fake = _fake_convert(calls)

    def racing_convert(src: Path, tmp: Path) -> None:
        fake(src, out)  # another process publishes first ...
        (out / "winner").write_text("1")
        fake(src, tmp)  # ... while we finish our own copy

    monkeypatch.setattr(_gguf, "_convert", racing_convert)
    assert _gguf.convert_gguf(gguf, out) == out
    assert (out / "winner").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["m"]  # our temp copy is gone


def test_publish_replaces_a_stale_conversion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    out = tmp_path / "cache" / "m"
    out.mkdir(parents=True)
    (out / "config.json").write_text("{}")
    (out / _gguf.STAMP).write_text(json.dumps({"size": 0, "mtime_ns": 0}))
    calls: list[Path] = []
    monkeypatch.setattr(_gguf, "_convert", _fake_convert(calls))
    _gguf.convert_gguf(gguf, out)
    assert len(calls) == 1 and _gguf.is_converted(out, gguf)
    assert sorted(p.name for p in out.parent.iterdir()) == ["m"]


def test_an_older_conversion_is_converted_again_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(_gguf, "_convert", _fake_convert(calls))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    first = Path(resolve_model(str(gguf)))
    (first / _gguf.STAMP).write_text(json.dumps(_gguf.source_stamp(gguf)))  # written before CONVERSION existed
    assert resolve_model(str(gguf)) == str(first)  # same folder, no orphan left behind
    assert len(calls) == 2 and _gguf.is_converted(first, gguf)


def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")

    def broken(src: Path, tmp: Path) -> None:
        tmp.mkdir(parents=True)
        raise RuntimeError("boom")

    monkeypatch.setattr(_gguf, "_convert", broken)
    with pytest.raises(RuntimeError, match="boom"):
        _gguf.convert_gguf(gguf, tmp_path / "cache" / "m")
    assert list((tmp_path / "cache").iterdir()) == []


def test_load_model_checks_the_pinned_revision_in_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsec.config import ModelConfig
    from llmsec.models import load_model, load_tokenizer

    asked: list[str | None] = []
    monkeypatch.setattr(_resolve, "in_hub_cache", lambda repo, revision=None: asked.append(revision) or False)
    cfg = ModelConfig(name="org/pinned-model", revision="v1.2")
    for load in (load_model, load_tokenizer):
        with pytest.raises(ModelNotFoundError):
            load(cfg)
    assert asked == ["v1.2", "v1.2"]

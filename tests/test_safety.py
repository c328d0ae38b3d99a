"""Safe by default: no unsafe loads in the source, and archives cannot escape their destination."""

from __future__ import annotations

import ast
import gzip
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from llmsec.data.formats._archives import ArchiveLimits, UnsafeArchiveError, safe_extract

SRC = Path(__file__).resolve().parents[1] / "src" / "llmsec"


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                out.append((f"{func.value.id}.{func.attr}", node))
            elif isinstance(func, ast.Name):
                out.append((func.id, node))
    return out


def _kw(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def unsafe_loads(source: str) -> list[str]:
    """Every unsafe deserialisation or code execution call in a Python source text."""
    problems = []
    for name, node in _calls(ast.parse(source)):
        where = f"line {node.lineno}: {name}("
        if name in ("pickle.load", "pickle.loads", "cPickle.load", "dill.load", "dill.loads",
                    "joblib.load", "marshal.loads", "shelve.open"):
            problems.append(where + ") deserialises pickle")
        elif name == "torch.load":
            wo = _kw(node, "weights_only")
            if not (isinstance(wo, ast.Constant) and wo.value is True):
                problems.append(where + ") without weights_only=True")
        elif name == "yaml.load":
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if not (isinstance(loader, ast.Attribute) and loader.attr in ("SafeLoader", "CSafeLoader")):
                problems.append(where + ") without SafeLoader")
        elif name in ("yaml.unsafe_load", "yaml.full_load"):
            problems.append(where + ") builds arbitrary objects")
        elif name in ("np.load", "numpy.load"):
            ap = _kw(node, "allow_pickle")
            if isinstance(ap, ast.Constant) and ap.value is True:
                problems.append(where + "allow_pickle=True)")
        elif name in ("eval", "exec"):
            problems.append(where + ") runs code")
        wo = _kw(node, "trust_remote_code")
        if isinstance(wo, ast.Constant) and wo.value is True:
            problems.append(f"line {node.lineno}: trust_remote_code=True hard-coded in {name}(")
    return problems


def test_scanner_catches_unsafe_patterns() -> None:
    bad = """
import pickle, torch, yaml, numpy as np
pickle.load(open('x', 'rb'))
torch.load('m.pt')
torch.load('m.pt', weights_only=False)
yaml.load(s)
yaml.load(s, Loader=yaml.Loader)
np.load('a.npy', allow_pickle=True)
eval(user_text)
exec(code)
AutoModel.from_pretrained('x', trust_remote_code=True)
"""
    found = unsafe_loads(bad)
    assert len(found) == 9, found
    good = """
import torch, yaml, numpy as np
torch.load('m.pt', weights_only=True)
yaml.load(s, Loader=yaml.SafeLoader)
yaml.safe_load(s)
np.load('a.npy')
model.eval()
AutoModel.from_pretrained('x', trust_remote_code=cfg.trust_remote_code)
"""
    assert unsafe_loads(good) == []


def test_source_has_no_unsafe_loads() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20
    problems = [f"{f.relative_to(SRC)} {p}" for f in files for p in unsafe_loads(f.read_text(encoding="utf-8"))]
    assert problems == [], "unsafe loads in src/:\n" + "\n".join(problems)


def test_trust_remote_code_is_off_by_default() -> None:
    from llmsec.config import ModelConfig

    assert ModelConfig(name="x").trust_remote_code is False
    text = "\n".join(f.read_text(encoding="utf-8") for f in SRC.rglob("*.py"))
    assert not re.search(r"trust_remote_code\s*=\s*True", text)


def test_cli_flag_turns_trust_remote_code_on() -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    result = CliRunner().invoke(app, ["train", "--help"])
    assert "--trust-remote-code" in result.output


# ---- archives -------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tar(path: Path, add: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info in add:
            payload = (data or {}).get(info.name)
            if payload is not None:
                info.size = len(payload)
                tf.addfile(info, io.BytesIO(payload))
            else:
                tf.addfile(info)
    return path


def test_good_archives_extract(tmp_path: Path) -> None:
    z = _zip(tmp_path / "ok.zip", {"a.txt": b"alpha", "sub/b.txt": b"beta"})
    out = safe_extract(z, tmp_path / "z")
    assert sorted(p.name for p in out) == ["a.txt", "b.txt"]
    assert (tmp_path / "z" / "sub" / "b.txt").read_bytes() == b"beta"
    t = _tar(tmp_path / "ok.tar.gz", [tarfile.TarInfo("d/c.txt")], {"d/c.txt": b"gamma"})
    assert [p.read_bytes() for p in safe_extract(t, tmp_path / "t")] == [b"gamma"]
    g = tmp_path / "one.jsonl.gz"
    g.write_bytes(gzip.compress(b'{"text": "x"}\n'))
    assert safe_extract(g, tmp_path / "g")[0].name == "one.jsonl"


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/tmp/evil-abs.txt", "..\\evil.txt"])
def test_zip_traversal_and_absolute_paths_are_refused(tmp_path: Path, name: str) -> None:
    z = _zip(tmp_path / "bad.zip", {"fine.txt": b"ok", name: b"pwned"})
    with pytest.raises(UnsafeArchiveError, match=r"absolute path|climbs out|outside"):
        safe_extract(z, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil-abs.txt").exists()
    assert not (tmp_path / "out" / "fine.txt").exists(), "nothing is written when any member is unsafe"


def test_tar_traversal_symlink_and_device_are_refused(tmp_path: Path) -> None:
    evil = _tar(tmp_path / "trav.tar.gz", [tarfile.TarInfo("../../evil.txt")], {"../../evil.txt": b"x"})
    with pytest.raises(UnsafeArchiveError, match="climbs out"):
        safe_extract(evil, tmp_path / "o1")
    link = tarfile.TarInfo("passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    with pytest.raises(UnsafeArchiveError, match="link"):
        safe_extract(_tar(tmp_path / "sym.tar.gz", [link]), tmp_path / "o2")
    hard = tarfile.TarInfo("h")
    hard.type, hard.linkname = tarfile.LNKTYPE, "../../etc/shadow"
    with pytest.raises(UnsafeArchiveError, match="link"):
        safe_extract(_tar(tmp_path / "hard.tar.gz", [hard]), tmp_path / "o3")
    dev = tarfile.TarInfo("null")
    dev.type = tarfile.CHRTYPE
    with pytest.raises(UnsafeArchiveError, match="device"):
        safe_extract(_tar(tmp_path / "dev.tar.gz", [dev]), tmp_path / "o4")
    assert not (tmp_path / "evil.txt").exists()


def test_zip_symlink_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sym.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(path, tmp_path / "o")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (8 << 20)})  # 8 MiB of zeros -> a few KiB
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        safe_extract(bomb, tmp_path / "o")
    with pytest.raises(UnsafeArchiveError, match="limit"):
        safe_extract(bomb, tmp_path / "o", ArchiveLimits(max_total_bytes=1 << 20, max_ratio=1e9))
    assert safe_extract(bomb, tmp_path / "o", ArchiveLimits(max_ratio=1e9))[0].stat().st_size == 8 << 20
    gz = tmp_path / "big.gz"
    gz.write_bytes(gzip.compress(b"\0" * (4 << 20)))
    with pytest.raises(UnsafeArchiveError, match="size limit"):
        safe_extract(gz, tmp_path / "g", ArchiveLimits(max_total_bytes=1 << 20))
    assert not (tmp_path / "g" / "big").exists()


def test_model_needing_remote_code_gets_a_clear_message(tmp_path: Path) -> None:
    from llmsec.models import load_model

    (tmp_path / "config.json").write_text(json.dumps({
        "model_type": "evil-net", "architectures": ["EvilModel"],
        "auto_map": {"AutoConfig": "configuration_evil.EvilConfig",
                     "AutoModelForCausalLM": "modeling_evil.EvilModel"},
    }))
    marker = tmp_path / "ran"
    (tmp_path / "configuration_evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    with pytest.raises(ValueError, match="ships its own Python code") as err:
        load_model(str(tmp_path))
    assert "--trust-remote-code" in str(err.value) and "trust_remote_code: true" in str(err.value)
    assert not marker.exists(), "the model's code must not run"

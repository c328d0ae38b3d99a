"""The import graph: packages in layers, each importing only the layers before it (no cycles).

The layer order is the diagram at the top of ``docs/architecture.md`` (its first
code block, one package per line), so the documentation and this check cannot
drift: a new package must be placed there. Every import counts, the lazy ones
inside functions too, since they are dependencies all the same. The private
top-level modules (``llmsec._registry``, ``_paths``, ...) sit below every package
and import none.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = SRC / "llmsec"
ARCHITECTURE = REPO / "docs" / "architecture.md"
BASE = "(private helpers)"  # llmsec._registry, llmsec._paths, ...: below every package
FACADE = {"llmsec", "llmsec.__main__"}  # the public API and ``python -m llmsec``: above everything


def layer_order() -> list[str]:
    """The packages of the architecture diagram, in order."""
    block = re.search(r"```\n(.*?)```", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert block is not None, f"{ARCHITECTURE} has no layer diagram (a code block)"
    return [line.split()[0] for line in block.group(1).splitlines() if line.strip()]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def unit(module: str) -> str:
    """The layer unit a module belongs to: its top-level package, or the private helpers."""
    parts = module.split(".")
    if len(parts) == 2 and parts[1].startswith("_") and parts[1] != "__main__":
        return BASE
    return parts[1] if len(parts) > 1 else module


def imports(module: str) -> list[tuple[str, int]]:
    """``(llmsec module, line)`` for every import in ``module``, relative ones resolved, at any depth."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # ``from pkg import name`` may import the submodule pkg.name
            found += [(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base, node.lineno)
                      for alias in node.names]
    return [(_existing(name), line) for name, line in found if name == "llmsec" or name.startswith("llmsec.")]


def _existing(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def package_graph() -> dict[tuple[str, str], list[str]]:
    """``(importing unit, imported unit) -> ['module:line', ...]`` across units."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module in MODULES:
        if module in FACADE:
            continue
        for target, line in imports(module):
            a, b = unit(module), unit(target)
            if a != b:
                edges.setdefault((a, b), []).append(f"{module}:{line}")
    return edges


def test_every_package_is_in_the_diagram() -> None:
    order = layer_order()
    assert len(order) == len(set(order)), f"a package is listed twice in {ARCHITECTURE.name}: {order}"
    units = {unit(m) for m in MODULES if m not in FACADE} - {BASE}
    missing = sorted(units - set(order))
    assert not missing, f"packages missing from the layer diagram in docs/architecture.md: {missing}"
    stale = sorted(set(order) - units)
    assert not stale, f"docs/architecture.md lists packages that do not exist: {stale}"


def test_no_module_imports_a_later_layer() -> None:
    rank = {name: i for i, name in enumerate(layer_order())}
    rank[BASE] = -1
    wrong = [f"{where} imports llmsec.{b} ({a} is layer {rank[a]}, {b} is layer {rank[b]})"
             for (a, b), sites in sorted(package_graph().items()) if rank.get(b, 99) >= rank.get(a, 99)
             for where in sites[:3]]
    assert not wrong, "imports against the layer order of docs/architecture.md:\n  " + "\n  ".join(wrong)


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for a, b in package_graph():
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [])
            assert cycle is None, f"import cycle between packages: {' -> '.join(cycle)}"


@pytest.mark.parametrize("module", ["llmsec.models._load", "llmsec.eval._evaluate", "llmsec.eval._lineage",
                                    "llmsec.explain._explain"])
def test_checkpoint_readers_do_not_import_train(module: str) -> None:
    assert all(unit(target) != "train" for target, _ in imports(module))


def test_the_check_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config module importing train (lazily), and a cycle through it, are caught: the checks can fail."""
    probe = tmp_path / "_probe.py"
    probe.write_text("def f():\n    from ..train import Pipeline\n")
    monkeypatch.setitem(MODULES, "llmsec.config._probe", probe)
    with pytest.raises(AssertionError, match=r"llmsec\.config\._probe:2 imports llmsec\.train"):
        test_no_module_imports_a_later_layer()
    with pytest.raises(AssertionError, match=r"import cycle between packages: .*config.*train"):
        test_no_cycle_between_packages()

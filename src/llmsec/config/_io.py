"""Recipes in and out of YAML, with ``--set key=value`` overrides."""

from __future__ import annotations

import importlib.metadata
import re
import reprlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ._schema import Recipe
from ._stages import STAGES, stage_specs

# A recipe is a few hundred YAML nodes; anchors and aliases (``&base`` / ``*base``) may share
# blocks, but the document they expand to stays small. An "alias bomb" (nine aliases of nine
# aliases of ...) expands a few hundred bytes into billions of nodes.
MAX_YAML_NODES = 100_000
MAX_ERRORS_SHOWN = 50
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict = 3, 6, 6, 6
_SHORT.maxset = _SHORT.maxfrozenset = 6
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 80, 80, 40
_MAX_REPR = 200


class RecipeError(ValueError):
    """A recipe is invalid; the message lists every problem at once."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents whose aliases expand past :data:`MAX_YAML_NODES`.

    The composed node graph is measured before anything is constructed: each node counts
    once per place it appears after alias expansion (memoised, so the check itself is
    linear in the document), and an anchor that contains an alias to itself is refused.
    """

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            check_yaml_expansion(node)
        return node


# YAML 1.1 (PyYAML) reads ``1e-4`` as a string: a float needs a dot there (``1.0e-4``). Recipes follow
# YAML 1.2, where ``1e-4`` is a float, so ``learning_rate: 1e-4`` and ``--set ...learning_rate=1e-4`` work.
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def check_yaml_expansion(root: yaml.Node, limit: int = MAX_YAML_NODES) -> int:
    """The number of nodes ``root`` expands to; raises RecipeError past ``limit`` or on a recursive anchor."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > limit:
                raise RecipeError(
                    f"YAML aliases expand this document past {limit:,} nodes (an alias bomb?); "
                    "a recipe needs far fewer: write the repeated values out or use fewer aliases"
                )
            continue
        if key in open_nodes:
            raise RecipeError(f"a YAML anchor contains an alias to itself ({node.start_mark}); "
                              "a recipe cannot be a recursive structure")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def safe_load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with aliases bounded (:data:`MAX_YAML_NODES` after expansion).

    Raises:
        RecipeError: the aliases expand too far, or an anchor refers to itself.
        yaml.YAMLError: the text is not valid YAML.
    """
    loader = _BoundedLoader(text)  # a SafeLoader subclass: plain data only
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to a few hundred characters, without walking all of a huge value."""
    text = _SHORT.repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    """Read a YAML recipe, apply ``key=value`` overrides, and validate it.

    Args:
        path: the YAML file.
        overrides: dotted ``key=value`` strings (``stages.0.trainer.max_steps=5``;
            a stage may be named by its name or kind: ``stages.pretrain.max_length=128``).
            Values are parsed as YAML.

    Raises:
        FileNotFoundError: the file does not exist.
        RecipeError: the YAML is malformed or does not fit the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recipe not found: {path}")
    try:
        raw = safe_load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {exc}") from None
    except RecipeError as exc:
        raise RecipeError(f"{path}: {exc}") from None
    if not isinstance(raw, dict):
        raise RecipeError(f"{path}: a recipe is a YAML mapping, got {type(raw).__name__}")
    for item in overrides or []:
        apply_override(raw, item)
    return recipe_from_dict(raw, source=str(path))


def recipe_from_dict(raw: dict[str, Any], source: str = "recipe") -> Recipe:
    """Validate a plain mapping as a Recipe, reporting every error at once."""
    try:
        return Recipe.model_validate(raw)
    except ValidationError as exc:
        raise RecipeError(format_errors(exc, source)) from None


def format_errors(exc: ValidationError, source: str) -> str:
    """One line per error: the dotted key, what is wrong, and what is allowed."""
    lines = [f"{source}: {exc.error_count()} problem(s):"]
    errors = exc.errors(include_url=False, include_input=True)
    for err in errors[:MAX_ERRORS_SHOWN]:
        loc = ".".join(str(p) for p in err["loc"] if not _is_union_tag(p))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(Recipe, [p for p in err["loc"][:-1] if not _is_union_tag(p)])
            msg = f"unknown key {err['loc'][-1]!r}"
            if allowed:
                msg += f"; allowed keys here: {', '.join(allowed)}"
        elif "input" in err and err["type"] not in ("missing",):
            msg += f" (got {short_repr(err['input'])})"
        lines.append(f"  {loc}: {msg}")
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(f"  ... and {len(errors) - MAX_ERRORS_SHOWN} more")
    return "\n".join(lines)


_TYPE_TAGS = {"list", "str", "int", "float", "bool", "dict"}


def _is_union_tag(part: object) -> bool:
    """A location part pydantic adds for a union member (a stage kind, ``literal['a','b']``), not a key."""
    return isinstance(part, str) and (part in _TYPE_TAGS or part in STAGES or "[" in part)


def _allowed_keys(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """The field names of the sub-model at ``loc`` (best effort; [] when unknown)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is Recipe and part == "stages":
            current = tuple(spec.config for spec in stage_specs())
            continue
        models = current if isinstance(current, tuple) else (current,)
        nxt = None
        for m in models:
            field = m.model_fields.get(part)
            if field is not None:
                nxt = _model_in(field.annotation)
                break
        if nxt is None:
            return []
        current = nxt
    models = current if isinstance(current, tuple) else (current,)
    return sorted({k for m in models for k in m.model_fields})


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def apply_override(raw: dict[str, Any], item: str) -> None:
    """Set one dotted ``key=value`` in a raw recipe mapping, in place."""
    key, sep, value_text = item.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"override {item!r} is not of the form key=value")
    try:
        value = safe_load_yaml(value_text)
    except yaml.YAMLError:
        value = value_text
    parts = key.strip().split(".")
    node: Any = raw
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part, key)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise RecipeError(f"override {key!r}: {'.'.join(parts[:i])!r} is not a mapping or list")


def _list_index(node: list[Any], part: str, key: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(node) <= index < len(node):
            raise RecipeError(f"override {key!r}: index {index} out of range (0..{len(node) - 1})")
        return index
    for index, item in enumerate(node):
        if isinstance(item, dict) and part in (item.get("name"), item.get("kind")):
            return index
    names = [str(s.get("name") or s.get("kind")) for s in node if isinstance(s, dict)]
    raise RecipeError(f"override {key!r}: no stage named {part!r}; stages: {', '.join(names)}")


def dump_recipe(recipe: Recipe, path: str | Path | None = None) -> str:
    """The recipe as YAML, stamped with llmsec and dependency versions."""
    data = recipe.model_dump(mode="json")
    data["versions"] = package_versions()
    text = yaml.safe_dump(data, sort_keys=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def package_versions() -> dict[str, str]:
    """Installed versions of llmsec and the libraries a run depends on."""
    out = {}
    for name in ("llmsec", "torch", "transformers", "peft", "trl", "datasets", "accelerate",
                 "bitsandbytes"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out

"""The recipe reference in Markdown, generated from the pydantic models so it cannot drift."""

from __future__ import annotations

import inspect
import json
import re
import types
from collections import deque
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ._schema import Recipe

_SCALARS = {str: "str", int: "int", float: "float", bool: "bool", type(None): "null", Any: "any"}


@dataclass(frozen=True)
class _Section:
    model: type[BaseModel]
    key: str  # the dotted key of the model in a recipe file ("" at the top level)
    discriminator: str | None = None  # the field that picks this model among the union at ``key``
    only_in: tuple[str, ...] = ()  # the stage kinds that hold it, when not all of them do

    @property
    def where(self) -> str:
        if not self.key:
            return "the top level of a recipe file"
        if self.discriminator is not None:
            tag = _literal_default(self.model, self.discriminator)
            return f"an item of `{self.key}` with `{self.discriminator}: {tag}`"
        if self.only_in:
            return f"`{self.key}`, in stages with {' or '.join(f'`{t}`' for t in self.only_in)} only"
        return f"`{self.key}`"


def recipe_reference() -> str:
    """The recipe reference: one Markdown section per recipe model, one table row per key.

    Each row gives the key, its type (with its constraints), its default and the
    field's ``description``. Sections follow the recipe from the top level down,
    in field order, so the output is the same on every run.

    Returns:
        Markdown text, ending with a newline.
    """
    sections = recipe_sections()
    index = " · ".join(_link(s.model) for s in sections)
    parts = [f"Sections: {index}.\n"]
    for section in sections:
        parts.append(_render_section(section))
    return "\n".join(parts)


def recipe_sections() -> list[_Section]:
    """Every model a recipe is made of, breadth first from :class:`Recipe`."""
    found: dict[type[BaseModel], _Section] = {Recipe: _Section(Recipe, "")}
    parents: dict[type[BaseModel], list[type[BaseModel]]] = {}
    queue: deque[tuple[type[BaseModel], str]] = deque([(Recipe, "")])
    while queue:
        model, prefix = queue.popleft()
        for name, field in model.model_fields.items():
            members, discriminator, is_list = _nested_models(field)
            key = f"{prefix}{name}" + ("[]" if is_list else "")
            for member in members:
                parents.setdefault(member, []).append(model)
                if member not in found:
                    found[member] = _Section(member, key, discriminator)
                    queue.append((member, key + "."))
    return [_with_owners(section, parents.get(section.model, []), found) for section in found.values()]


def _with_owners(section: _Section, parents: list[type[BaseModel]],
                 found: dict[type[BaseModel], _Section]) -> _Section:
    """Note the kinds that hold a section when only some members of a union do (``vocab``: pretrain)."""
    owners = [found[p] for p in dict.fromkeys(parents)]
    if not owners or any(o.discriminator is None for o in owners) or len({o.key for o in owners}) != 1:
        return section
    union = [s for s in found.values() if s.discriminator is not None and s.key == owners[0].key]
    if len(owners) == len(union):
        return section
    tags = tuple(f"{o.discriminator}: {_literal_default(o.model, o.discriminator)}" for o in owners
                 if o.discriminator is not None)
    return replace(section, only_in=tags)


def _nested_models(field: FieldInfo) -> tuple[list[type[BaseModel]], str | None, bool]:
    """The models inside a field's type, the union's discriminator (if any), and whether it is a list."""
    annotation = field.annotation
    is_list = get_origin(annotation) is list
    if is_list:
        (annotation,) = get_args(annotation)
    discriminator = None
    if get_origin(annotation) is Annotated:
        annotation, *extras = get_args(annotation)
        for extra in extras:
            if isinstance(extra, FieldInfo) and isinstance(extra.discriminator, str):
                discriminator = extra.discriminator
    members = [a for a in _union_args(annotation) if _is_model(a)]
    return members, discriminator, is_list


def _render_section(section: _Section) -> str:
    model = section.model
    lines = [f"### {model.__name__}", "", f"Where: {section.where}."]
    doc = _markdown(model.__doc__ or "")
    if doc:
        lines += ["", doc]
    lines += ["", "| key | type | default | description |", "| --- | --- | --- | --- |"]
    fields = list(model.model_fields.items())
    if section.discriminator is not None:  # the field that picks the model comes first
        fields.sort(key=lambda item: item[0] != section.discriminator)
    for name, field in fields:
        default = "required" if name == section.discriminator else _default(field)
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_cell(field)} | {default} | {description} |")
    return "\n".join(lines) + "\n"


def _markdown(doc: str) -> str:
    """A docstring as Markdown: cleaned indentation, reST ``code`` as `code`."""
    return re.sub(r"``(.+?)``", r"`\1`", inspect.cleandoc(doc), flags=re.DOTALL)


# ---------------------------------------------------------------- types


def _type_cell(field: FieldInfo) -> str:
    """A field's type in Markdown: code for plain types, links to nested models' sections."""
    annotation = field.annotation
    bounds = _bounds(field.metadata)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        min_len = next((m.min_length for m in field.metadata if isinstance(m, annotated_types.MinLen)), None)
        suffix = f", at least {min_len}" if min_len else ""
        if any(_is_model(a) for a in _union_args(_strip_annotated(item))):
            return "list of " + _alternatives(_union_args(_strip_annotated(item)), bounds) + suffix
        return _alternatives([annotation], bounds) + suffix
    return _alternatives(_union_args(annotation), bounds)


def _alternatives(options: list[Any], bounds: str) -> str:
    """Union members joined by ``|``: runs of plain types share one code span, models are links."""
    out: list[str] = []
    run: list[str] = []
    for option in options:
        if _is_model(option):
            if run:
                out.append(_code(" | ".join(run)))
                run = []
            out.append(_link(option))
        else:
            run.append(_plain(option, bounds))
    if run:
        out.append(_code(" | ".join(run)))
    return " \\| ".join(out)


def _plain(tp: Any, bounds: str) -> str:
    """A non-model type as text; numeric bounds apply to ``int`` and ``float``."""
    if get_origin(tp) is Literal:
        return " | ".join(json.dumps(v) for v in get_args(tp))
    if get_origin(tp) is list:
        (item,) = get_args(tp)
        return f"list[{' | '.join(_plain(a, '') for a in _union_args(_strip_annotated(item)))}]"
    if get_origin(tp) is dict or tp is dict:
        return "mapping"
    if isinstance(tp, type) and issubclass(tp, PurePath):
        return "path"
    name = _SCALARS.get(tp, getattr(tp, "__name__", str(tp)))
    if bounds and tp in (int, float):
        return bounds.replace("x", name)
    return name


def _bounds(metadata: list[Any]) -> str:
    """Numeric constraints as a template over ``x``: ``x ≥ 1``, ``0 ≤ x < 1`` (empty: none)."""
    low = high = None  # (symbol, value)
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            low = ("≤", m.ge)
        elif isinstance(m, annotated_types.Gt):
            low = ("<", m.gt)
        elif isinstance(m, annotated_types.Le):
            high = ("≤", m.le)
        elif isinstance(m, annotated_types.Lt):
            high = ("<", m.lt)
    if low and high:
        return f"{_num(low[1])} {low[0]} x {high[0]} {_num(high[1])}"
    if low:
        return f"x {'≥' if low[0] == '≤' else '>'} {_num(low[1])}"
    if high:
        return f"x {high[0]} {_num(high[1])}"
    return ""


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _union_args(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, types.UnionType):
        return [a for arg in get_args(tp) for a in _union_args(arg)]
    return [tp]


def _strip_annotated(tp: Any) -> Any:
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _literal_default(model: type[BaseModel], name: str) -> str:
    (value,) = get_args(model.model_fields[name].annotation)
    return str(value)


def _link(model: type[BaseModel]) -> str:
    return f"[{model.__name__}](#{model.__name__.lower()})"


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


# ---------------------------------------------------------------- defaults


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if isinstance(value, BaseModel):
        return "`{}`"  # an empty section: every key at its default
    if isinstance(value, PurePath):
        value = value.as_posix()
    return _code(json.dumps(value))

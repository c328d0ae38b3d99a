"""A small generic registry: one per extension point (formats, tasks, stages, metrics)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """Raised when a registry is asked for a name it does not hold."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain.
        return str(self.args[0])


class Registry(Generic[T]):
    """Maps names to implementations.

    Duplicate names raise, and an unknown name lists the valid ones with a
    "did you mean" suggestion.

    Example:
        >>> formats: Registry[type] = Registry("format")
        >>> @formats.register("nvd")
        ... class NvdFormat: ...
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers its target under ``name``."""

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        """Register ``obj`` under ``name``; a name can be registered once."""
        if name in self._items or name in self._aliases:
            raise ValueError(f"{self.kind} {name!r} is already registered ({self.get(name)!r})")
        self._items[name] = obj

    def add_alias(self, alias: str, name: str) -> None:
        """Let ``alias`` find the entry registered as ``name`` (not listed by :meth:`names`)."""
        if alias in self._items or alias in self._aliases:
            raise ValueError(f"{self.kind} {alias!r} is already registered ({self.get(alias)!r})")
        if name not in self._items:
            raise UnknownNameError(self.unknown_message(name))
        self._aliases[alias] = name

    def remove(self, name: str) -> T:
        """Unregister ``name`` (and its aliases); returns what it held (tests, plugins)."""
        name = self.canonical(name)
        obj = self._items.pop(name)
        self._aliases = {a: n for a, n in self._aliases.items() if n != name}
        return obj

    def get(self, name: str) -> T:
        """Return the implementation registered under ``name`` (or one of its aliases)."""
        try:
            return self._items[self._aliases.get(name, name)]
        except KeyError:
            raise UnknownNameError(self.unknown_message(name)) from None

    def canonical(self, name: str) -> str:
        """The registered name ``name`` stands for (itself, or the name an alias points to)."""
        self.get(name)
        return self._aliases.get(name, name)

    def items(self) -> list[tuple[str, T]]:
        """``(name, implementation)`` pairs in registration order (aliases left out)."""
        return list(self._items.items())

    def unknown_message(self, name: str) -> str:
        """The error text for an unknown ``name``: valid names and a close match."""
        valid = ", ".join(sorted(self._items)) or "(none registered)"
        close = difflib.get_close_matches(name, [*self._items, *self._aliases], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}.{hint} Valid {self.kind}s: {valid}."

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

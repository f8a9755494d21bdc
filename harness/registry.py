"""The check registry: every check has a stable id, a title, the clause it enforces and a default severity.

Checks register with `@check(...)` at import; a duplicate id raises at once, so a published id is never
silently shadowed. A check may be parametrized (`params=`), giving one verdict per value under the same id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.findings import Severity

CheckFunc = Callable[..., object]
"""A check returns None, or a note on what its pass means; it raises to fail or to be not applicable."""
_ID = re.compile(r"^[A-Z]+-\d{3}$")


@dataclass(frozen=True)
class Check:
    """A registered check: metadata plus the function `(ctx[, param]) -> None`."""

    id: str
    title: str
    clause: str
    severity: Severity
    family: str
    func: CheckFunc | None
    params: tuple[str, ...] = ()
    action: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)

    def instances(self) -> list[str]:
        """Instance keys for pytest ids: the bare id, or one `ID[param]` per parameter."""
        return [f"{self.id}[{p}]" for p in self.params] if self.params else [self.id]


def _origin(item: Check) -> str:
    """Where a check is defined; re-importing the same module (pytester, reloads) re-registers it quietly."""
    func = item.func
    return f"{func.__module__}.{func.__qualname__}" if func else f"declared:{item.family}:{item.title}"


class DuplicateCheckError(ValueError):
    """Two checks claim the same id."""


class Registry:
    """Checks keyed by id, in registration order."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, item: Check) -> Check:
        if not _ID.match(item.id):
            raise ValueError(f"check id {item.id!r} must look like ABC-001")
        known = self._checks.get(item.id)
        if known is not None and _origin(known) != _origin(item):
            raise DuplicateCheckError(f"a check with id {item.id} is already registered ({_origin(known)})")
        self._checks[item.id] = item
        return item

    def get(self, check_id: str) -> Check:
        try:
            return self._checks[check_id]
        except KeyError:
            raise KeyError(f"unknown check id {check_id!r}") from None

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def family(self, name: str) -> list[Check]:
        return [c for c in self if c.family == name]

    def instances(self, family: str) -> list[str]:
        """The runnable instance keys of a family, in registration order (the suite's parameters)."""
        return [instance for c in self.family(family) if c.func for instance in c.instances()]

    def families(self) -> list[str]:
        return list(dict.fromkeys(c.family for c in self))


REGISTRY = Registry()


def check(
    check_id: str,
    *,
    title: str,
    clause: str,
    severity: Severity = Severity.HIGH,
    family: str,
    params: Sequence[str] = (),
    action: str = "",
    tags: Sequence[str] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register the decorated function as check `check_id`."""

    def decorate(func: CheckFunc) -> CheckFunc:
        REGISTRY.register(
            Check(check_id, title, clause, Severity(severity), family, func, tuple(params), action, frozenset(tags))
        )
        func.check_id = check_id  # type: ignore[attr-defined]
        return func

    return decorate


def declare(check_id: str, **meta: Any) -> Check:
    """Register a check that a suite test runs itself (schemathesis), so its id is listed and reported."""
    return REGISTRY.register(
        Check(
            check_id,
            meta["title"],
            meta["clause"],
            Severity(meta["severity"]),
            meta["family"],
            None,
            tuple(meta.get("params", ())),
            meta.get("action", ""),
            frozenset(meta.get("tags", ())),
        )
    )

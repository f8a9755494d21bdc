"""Whole numbers read from the environment, each with its default.

They are read when their module is imported, where a bad value must not become a traceback: `read` falls back
to the default there, and a run refuses the bad value before it starts, in one line (`harness.options.resolve`
calls `parse` for every one of `DEFAULTS`)."""

from __future__ import annotations

import os

BROWSER_LANES = "NEXTAUTH_CONFORMANCE_BROWSER_LANES"
MAX_EXAMPLES = "NEXTAUTH_CONFORMANCE_MAX_EXAMPLES"

DEFAULTS = {
    BROWSER_LANES: 2,  # browser checks at once (harness/browser.py)
    MAX_EXAMPLES: 10,  # schema examples per operation in positive mode (harness/checks/schema.py)
}


def parse(name: str) -> int:
    """`name`'s whole number, 1 or more (its default when unset or blank); `ValueError` with the line to print."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return DEFAULTS[name]
    if not raw.strip().isdecimal() or int(raw) < 1:  # isdecimal: what int() takes ("²" is a digit, not decimal)
        raise ValueError(f"{name} must be a whole number, 1 or more; got {raw!r}")
    return int(raw)


def read(name: str) -> int:
    """`parse(name)`, or the default for a bad value (a run has stopped on it by then, see above)."""
    try:
        return parse(name)
    except ValueError:
        return DEFAULTS[name]

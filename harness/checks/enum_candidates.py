"""schemathesis's invalid-enum candidates, drawn once per set of library versions and kept in the user's cache.

In negative mode schemathesis's coverage phase picks a value outside an `enum` from a fixed list: the values a seeded
Hypothesis run offers a filter that rejects everything, drawn until Hypothesis gives up (~1,400 values). Drawing
them is a fifth to a third of a second of CPU in every run, at collection, on the run's critical path. The list
depends only on the versions of schemathesis, Hypothesis and Python and on the two default settings the draw does
not set (`backend`, `derandomize`): the draw is seeded and ignores local constants under `from_the_spec_only`. So
it is kept under those in `$XDG_CACHE_HOME/nextauth-conformance/` (default `~/.cache`) and read back by later
runs: the same values, so the same cases. Anything unexpected (a schemathesis without the function, a file that is
not such a list, a cache that cannot be written) falls back to schemathesis's own draw.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.checks.schema import from_the_spec_only

SCALARS = (str, int, float, bool, type(None))


def cache_dir() -> Path:
    """A per-user cache dir, never the repository (as the mocks' state dir)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "nextauth-conformance"


def cache_file() -> Path:
    """Named after everything the draw depends on."""
    from hypothesis import settings

    versions = [metadata.version(name) for name in ("schemathesis", "hypothesis")]
    defaults = [getattr(settings.default, name, None) for name in ("backend", "derandomize")]
    key = repr((versions, sys.version_info[:2], defaults))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"invalid-enum-candidates-{digest}.json"


def reuse() -> bool:
    """Have schemathesis take its candidates from the cache (drawn and stored on a miss); False where this
    schemathesis has no such list (then nothing changes)."""
    try:
        from schemathesis.specs.openapi.coverage import _schema
    except ImportError:  # pragma: no cover - another schemathesis layout
        return False
    original = getattr(_schema, "_invalid_enum_candidates", None)
    if getattr(original, "reused", False):
        return True
    draw = getattr(original, "__wrapped__", None)  # functools.cache's undecorated function
    if draw is None:
        return False
    candidates = functools.cache(functools.partial(_load_or_draw, draw))  # once per process, as schemathesis's
    candidates.reused = True  # type: ignore[attr-defined]
    _schema._invalid_enum_candidates = candidates
    return True


def _load_or_draw(draw: Any) -> tuple[Any, ...]:
    path = cache_file()
    kept = _read(path)
    if kept is not None:
        return kept
    with from_the_spec_only():
        drawn = tuple(draw())
    _write(path, drawn)
    return drawn


def _read(path: Path) -> tuple[Any, ...] | None:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(values, list) or not values or not all(isinstance(v, SCALARS) for v in values):
        return None
    return tuple(values)


def _write(path: Path, values: tuple[Any, ...]) -> None:
    """Atomically (parallel runs may write it at once); a value JSON cannot carry back exactly is not kept."""
    text = json.dumps(list(values))
    if tuple(json.loads(text)) != values or not all(isinstance(v, SCALARS) for v in values):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as out:
            out.write(text)
    except OSError:
        return
    try:
        os.replace(out.name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(out.name)

"""Which exchanges a check instance made: `TargetClient` notes every one, a running check instance collects them.

Core, not a report: the client and the pool feed it; `harness.reports.team` keeps a failing instance's
exchanges as a HAR file (`harness.reports.har`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.client import Exchange

_recording: list[list[Exchange]] = []
_pooled = threading.local()  # a check run in a pool thread (harness/pool.py) records its own exchanges


def note(exchange: Exchange) -> None:
    """Called by `TargetClient` for every exchange; kept only while a `recording()` is open."""
    own: list[Exchange] | None = getattr(_pooled, "exchanges", None)
    if own is not None:
        own.append(exchange)
    elif _recording:
        _recording[-1].append(exchange)


@contextlib.contextmanager
def recording_in_this_thread() -> Iterator[list[Exchange]]:
    """Collect the exchanges this thread makes (a pooled check instance), apart from other threads'."""
    exchanges: list[Exchange] = []
    _pooled.exchanges = exchanges
    try:
        yield exchanges
    finally:
        _pooled.exchanges = None


@contextlib.contextmanager
def recording() -> Iterator[list[Exchange]]:
    """Collect the exchanges made inside the block (one check instance)."""
    exchanges: list[Exchange] = []
    _recording.append(exchanges)
    try:
        yield exchanges
    finally:
        _recording.remove(exchanges)

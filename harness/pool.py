"""Checks that share nothing run together inside one run: when the first item of a pooled family runs, every
selected instance of that family is run in a thread pool; each item then reports its own finding (and replays
its own exchanges into its HAR recording) in the usual order, so report order, ids and verdicts stay as serial.

The `rp` family is pooled: each check's mock faults are scoped to its own sign-in (harness/checks/rp.py); the
checks that change the mock for everyone (`rp.SHARES_THE_MOCK`) run alone, when their turn comes. The first
instance per provider runs before the pool, building what the others share (the provider's fault-free sign-in).
Not under xdist (workers already split the items).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pytest

from harness import recorder
from harness.checks import rp
from harness.client import Exchange, TargetClient
from harness.context import CheckContext
from harness.findings import Finding
from harness.registry import REGISTRY, Check
from harness.runner import run_check

POOL_WORKERS = 4
POOLED_FAMILIES: dict[str, frozenset[str]] = {"rp": rp.SHARES_THE_MOCK}
"""Family -> the check ids of it that must run alone."""


@dataclass
class Pooled:
    """Findings run ahead of their items, with the exchanges each made."""

    done: dict[str, tuple[Finding, list[Exchange]]] = field(default_factory=dict)


POOL_KEY = pytest.StashKey[dict[str, Pooled]]()


def _split(instance: str) -> tuple[str, str]:
    check_id, _, rest = instance.partition("[")
    return check_id, rest.removesuffix("]")


def _selected(session: pytest.Session, family: str) -> list[str]:
    """The instances of `family` among the session's items, in item order, without those that run alone."""
    alone = POOLED_FAMILIES[family]
    found: list[str] = []
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        instance = params.get("instance")
        if not isinstance(instance, str):
            continue
        check_id, _ = _split(instance)
        if check_id in REGISTRY and REGISTRY.get(check_id).family == family and check_id not in alone:
            found.append(instance)
    return found


def _run_one(ctx: CheckContext, instance: str) -> tuple[Finding, list[Exchange]]:
    check_id, param = _split(instance)
    with recorder.recording_in_this_thread() as exchanges:
        finding = run_check(REGISTRY.get(check_id), ctx, param)
    return finding, exchanges


def run_pool(ctx: CheckContext, instances: list[str]) -> Pooled:
    """The first instance per parameter alone (in order), then the rest `POOL_WORKERS` at a time."""
    pooled, seen, rest = Pooled(), set[str](), list[str]()
    for instance in instances:
        param = _split(instance)[1]
        if param in seen:
            rest.append(instance)
            continue
        seen.add(param)
        pooled.done[instance] = _run_one(ctx, instance)
    local, forks = threading.local(), list[TargetClient]()

    def in_pool(instance: str) -> tuple[Finding, list[Exchange]]:
        own: CheckContext | None = getattr(local, "ctx", None)
        if own is None:  # the client's cookie jar and deadline are per request: one client per pool thread
            forks.append(ctx.client.fork())
            own = local.ctx = replace(ctx, client=forks[-1])  # the same cache (the shared sign-ins)
        return _run_one(own, instance)

    try:
        with ThreadPoolExecutor(max_workers=POOL_WORKERS, thread_name_prefix="check-pool") as pool:
            for instance, result in zip(rest, pool.map(in_pool, rest), strict=True):
                pooled.done[instance] = result
    finally:
        for client in forks:
            client.close()
    return pooled


def prefetched(node: pytest.Item, check: Check, instance: str, ctx: CheckContext) -> Finding | None:
    """The pooled finding of `instance` (running its family's pool first if this is its first item), its
    exchanges noted for this item's HAR; None when the check is not pooled (run it as usual)."""
    if check.family not in POOLED_FAMILIES or check.id in POOLED_FAMILIES[check.family]:
        return None
    if hasattr(node.config, "workerinput"):
        return None
    pools = node.session.stash.setdefault(POOL_KEY, {})
    if check.family not in pools:
        pools[check.family] = run_pool(ctx, _selected(node.session, check.family))
    found = pools[check.family].done.pop(instance, None)
    if found is None:
        return None
    finding, exchanges = found
    for exchange in exchanges:
        recorder.note(exchange)
    return finding

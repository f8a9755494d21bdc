"""Checks that share nothing run beside the rest of the run: when the first check item runs, every selected
instance of the pooled families starts in background threads (one pool per family); each item then reports its
own finding (and replays its own exchanges into its HAR recording) in the usual order, so report order, ids and
verdicts stay as serial, while the run's other items (the schema cases, the plain checks) go on meanwhile.

The `rp` family is pooled: each check's mock faults are scoped to its own sign-in (harness/checks/rp.py); the
checks that change the mock for everyone (`rp.SHARES_THE_MOCK`) run alone, when their turn comes, after every
background pool has finished. The first instance per provider runs before the rest of its pool, building what
the others share (the provider's fault-free sign-in). The `email` family is pooled too: each check signs in an
address of its own, and EMAIL-003's wait for a link to expire overlaps the rest of the run. The `browser` family
runs on browser lanes (harness/browser.py: two by default), one instance per lane at a time.

No thread of a pool iterates `os.environ` (pytest's main thread sets and pops PYTEST_CURRENT_TEST meanwhile): the
clients they make ignore environment proxies, and Playwright's driver starts before the pools. An instance that
raises keeps its error to its own item. Not under xdist (workers already split the items).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pytest

from harness import recorder
from harness.browser import BROWSER_FAMILIES, bind_lane, prepare_driver
from harness.browser import lanes as browser_lanes
from harness.checks import rp
from harness.client import Exchange, TargetClient
from harness.context import CheckContext
from harness.findings import Finding
from harness.registry import REGISTRY, Check
from harness.runner import run_check

POOL_WORKERS = 4
POOLED_FAMILIES: dict[str, frozenset[str]] = {
    "rp": rp.SHARES_THE_MOCK,
    "email": frozenset(),
    **{family: frozenset() for family in BROWSER_FAMILIES},
}
"""Family -> the check ids of it that must run alone (with no background pool running)."""
LANED_FAMILIES = BROWSER_FAMILIES
"""Pooled `browser.lanes()` instances at a time, each worker thread on a browser lane of its own (a Playwright
driver runs one browser step at a time): in the background, beside the HTTP checks."""
STARTED_FIRST = frozenset({"EMAIL-003"})
"""Checks that mostly wait (EMAIL-003 waits a link's lifetime out): each starts on a thread of its own as its pool
starts, so the wait overlaps the whole pool instead of beginning after the family's first instances."""


Outcome = tuple[Finding, list[Exchange]] | BaseException
"""A pooled instance's finding with the exchanges it made, or what it raised (raised again by its own item)."""


@dataclass
class Pooled:
    """Findings run ahead of their items, with the exchanges each made."""

    done: dict[str, Outcome] = field(default_factory=dict)


@dataclass
class Background:
    """The pooled families' runs, started together when the run's first check item runs."""

    runs: dict[str, Future[Pooled]] = field(default_factory=dict)

    def wait(self) -> None:
        """Until every background pool has finished (before a check that changes the mock for everyone)."""
        for future in self.runs.values():
            future.exception()


POOL_KEY = pytest.StashKey[Background]()


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


def _run_one(ctx: CheckContext, instance: str) -> Outcome:
    """The instance's finding; an error the check did not turn into a verdict is kept for its own item, so one
    instance's crash never takes its family's other findings with it."""
    check_id, param = _split(instance)
    try:
        with recorder.recording_in_this_thread() as exchanges:
            finding = run_check(REGISTRY.get(check_id), ctx, param)
    except Exception as exc:  # noqa: BLE001 - raised again, with its traceback, by the instance's item
        return exc
    return finding, exchanges


def run_pool(ctx: CheckContext, instances: list[str], lanes: int = 0) -> Pooled:
    """The first instance per parameter alone (in order), then the rest `POOL_WORKERS` at a time (`lanes`: every
    instance `lanes` at a time, worker thread N on browser lane N), those of `STARTED_FIRST` on threads of their own
    from the start; each thread on a client of its own (cookie jar and deadline are per request), all sharing the
    context's cache."""
    pooled, seen, ahead, first, rest = Pooled(), set[str](), list[str](), list[str](), list[str]()
    for instance in instances:
        check_id, param = _split(instance)
        if check_id in STARTED_FIRST and not lanes:
            ahead.append(instance)
        else:
            (rest if lanes or param in seen else first).append(instance)
        seen.add(param)
    local, forks, lock = threading.local(), list[TargetClient](), threading.Lock()

    def on_own_client(instance: str) -> Outcome:
        own: CheckContext | None = getattr(local, "ctx", None)
        if own is None:
            try:
                with lock:
                    forks.append(ctx.client.fork())
                    if lanes:
                        bind_lane(len(forks) - 1)
            except Exception as exc:  # noqa: BLE001 - as in _run_one
                return exc
            own = local.ctx = replace(ctx, client=forks[-1])  # the same cache (the shared sign-ins)
        return _run_one(own, instance)

    early = ThreadPoolExecutor(max_workers=max(1, len(ahead)), thread_name_prefix="check-ahead")
    try:
        waiting = {instance: early.submit(on_own_client, instance) for instance in ahead}
        for instance in first:
            pooled.done[instance] = on_own_client(instance)
        with ThreadPoolExecutor(max_workers=lanes or POOL_WORKERS, thread_name_prefix="check-pool") as pool:
            for instance, result in zip(rest, pool.map(on_own_client, rest), strict=True):
                pooled.done[instance] = result
        for instance, future in waiting.items():
            pooled.done[instance] = future.result()
    finally:
        early.shutdown()
        for client in forks:
            client.close()
    return pooled


def _start(session: pytest.Session, ctx: CheckContext) -> Background:
    """Every pooled family with selected instances, each in a background thread of its own."""
    background = Background()
    families = {family: _selected(session, family) for family in POOLED_FAMILIES}
    families = {family: instances for family, instances in families.items() if instances}
    if families.keys() & BROWSER_FAMILIES:
        prepare_driver()  # copies os.environ: not from a background thread (see SharedBrowser.prepare)
    if families:
        starter = ThreadPoolExecutor(max_workers=len(families), thread_name_prefix="check-background")
        background.runs = {
            family: starter.submit(run_pool, ctx, found, lanes=browser_lanes() if family in LANED_FAMILIES else 0)
            for family, found in families.items()
        }
        starter.shutdown(wait=False)  # its threads end with their pools
    return background


def prefetched(node: pytest.Item, check: Check, instance: str, ctx: CheckContext) -> Finding | None:
    """The pooled finding of `instance`, its exchanges noted for this item's HAR; None when the check is not
    pooled (run it as usual). The run's first check item starts the background pools."""
    if hasattr(node.config, "workerinput"):
        return None
    background = node.session.stash.get(POOL_KEY, None)
    if background is None:
        background = node.session.stash[POOL_KEY] = _start(node.session, ctx)
    if check.family not in POOLED_FAMILIES:
        return None
    if check.id in POOLED_FAMILIES[check.family]:
        background.wait()
        return None
    run = background.runs.get(check.family)
    found = run.result().done.pop(instance, None) if run is not None else None
    if found is None:
        return None
    if isinstance(found, BaseException):
        raise found
    finding, exchanges = found
    for exchange in exchanges:
        recorder.note(exchange)
    return finding


def pooled_last(items: list[pytest.Item]) -> None:
    """Move the pooled families' items after the rest (those that run alone last of all), keeping their order:
    while the main thread works through the other items, the background pools finish, so it rarely waits."""

    def rank(item: pytest.Item) -> int:
        instance = getattr(getattr(item, "callspec", None), "params", {}).get("instance")
        check_id = _split(instance)[0] if isinstance(instance, str) else ""
        if check_id not in REGISTRY or REGISTRY.get(check_id).family not in POOLED_FAMILIES:
            return 0
        return 2 if check_id in POOLED_FAMILIES[REGISTRY.get(check_id).family] else 1

    items.sort(key=rank)  # stable

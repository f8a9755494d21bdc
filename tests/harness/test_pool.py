"""The background pools (harness/pool.py) keep each instance's outcome to itself, and the clients their threads make
never iterate `os.environ`: pytest's main thread sets and pops PYTEST_CURRENT_TEST meanwhile, and an iteration
that meets the pop raises KeyError (a CI run lost a whole family's findings to it)."""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from collections.abc import Callable, Iterator, MutableMapping
from types import SimpleNamespace
from typing import cast

import httpx
import pytest

import harness.browser
import harness.inbox
import harness.pool
from harness.client import TargetClient
from harness.context import CheckContext
from harness.findings import Finding, Verdict
from harness.inbox import Inbox, InboxUnavailable
from harness.mock_idp import MockIdp
from harness.registry import REGISTRY, Check
from harness.runner import new_finding
from reference_server import oauth as reference_oauth
from reference_server.context import AuthContext
from reference_server.settings import Settings
from tests.harness.conftest import make_context

DEAD = "http://127.0.0.1:9"


def test_an_instance_that_raises_keeps_it_to_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run_check(check: Check, ctx: CheckContext, param: str) -> Finding:
        if (check.id, param) == ("RP-002", "google"):
            raise KeyError("PYTEST_CURRENT_TEST")
        finding = new_finding(check, param)
        finding.verdict = Verdict.PASS
        return finding

    monkeypatch.setattr(harness.pool, "run_check", fake_run_check)
    instances = ["RP-001[google]", "RP-002[google]", "RP-001[keycloak]", "RP-003[google]", "RP-004[google]"]
    ctx = make_context(DEAD)
    try:
        pooled = harness.pool.run_pool(ctx, instances)
    finally:
        ctx.client.close()
    assert sorted(pooled.done) == sorted(instances)
    crashed = pooled.done.pop("RP-002[google]")
    assert isinstance(crashed, KeyError)
    assert all(isinstance(o, tuple) and o[0].verdict == Verdict.PASS for o in pooled.done.values()), pooled.done
    assert REGISTRY.get("RP-002").family in harness.pool.POOLED_FAMILIES


def test_browser_instances_run_a_lane_at_a_time_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser family runs `lanes` instances at once, each worker thread on a browser lane of its own (its own
    driver thread and Chromium), every instance's outcome kept by instance."""
    together = threading.Barrier(2, timeout=30)  # the first two instances only finish once both are running
    lanes_used: dict[str, int] = {}

    def fake_run_check(check: Check, ctx: CheckContext, param: str) -> Finding:
        instance = f"{check.id}[{param}]" if param else check.id
        lanes_used[instance] = harness.browser._LANES.index(harness.browser._current())
        if len(lanes_used) <= 2:
            together.wait()
        finding = new_finding(check, param)
        finding.verdict = Verdict.PASS
        return finding

    monkeypatch.setattr(harness.pool, "run_check", fake_run_check)
    monkeypatch.setattr(harness.browser, "_LANES", [harness.browser.SharedBrowser() for _ in range(2)])
    instances = ["BROWSER-001", "BROWSER-002", "POPUP-001[error]", "POPUP-003", "POPUP-004"]
    ctx = make_context(DEAD)
    try:
        pooled = harness.pool.run_pool(ctx, instances, lanes=2)
    finally:
        ctx.client.close()
    assert list(pooled.done) == instances
    assert all(isinstance(o, tuple) and o[0].verdict == Verdict.PASS for o in pooled.done.values()), pooled.done
    assert set(lanes_used.values()) == {0, 1}, lanes_used


class WatchedEnviron(MutableMapping[str, str]):
    """`os.environ` that notes which threads iterate it."""

    def __init__(self, real: MutableMapping[str, str]) -> None:
        self.real, self.iterated_by = real, set[str]()

    def __getitem__(self, key: str) -> str:
        return self.real[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.real[key] = value

    def __delitem__(self, key: str) -> None:
        del self.real[key]

    def __iter__(self) -> Iterator[str]:
        self.iterated_by.add(threading.current_thread().name)
        return iter(list(self.real))

    def __len__(self) -> int:
        return len(self.real)

    def copy(self) -> dict[str, str]:
        return dict(self)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> WatchedEnviron:
    environ = WatchedEnviron(os.environ)
    monkeypatch.setattr(os, "environ", environ)
    return environ


def _in_a_thread(func: Callable[[], object]) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            func()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="check-pool-test")
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and not errors, errors


def test_the_watch_sees_a_default_httpx_client_read_the_environment(watched: WatchedEnviron) -> None:
    _in_a_thread(lambda: httpx.Client().close())
    assert watched.iterated_by == {"check-pool-test"}


def test_the_clients_of_a_pooled_check_do_not_iterate_the_environment(watched: WatchedEnviron) -> None:
    def make_every_client() -> None:
        parent = TargetClient(DEAD)
        parent.fork().close()
        parent.close()
        mock = MockIdp(DEAD, timeout=1.0, verify=True)
        with mock.client():
            pass
        assert mock.verify is True  # the dead mock has no CA to add: its probe ran and failed quietly
        with pytest.raises(InboxUnavailable):
            Inbox(DEAD, timeout=1.0).mails("someone@example.test")

    _in_a_thread(make_every_client)
    assert watched.iterated_by == set()


def test_the_reference_servers_client_of_the_idp_does_not_iterate_the_environment(watched: WatchedEnviron) -> None:
    """The reference server serves the tests from a thread of their process, and signs in through its own client."""
    context = cast(AuthContext, SimpleNamespace(settings=Settings()))
    _in_a_thread(lambda: asyncio.run(reference_oauth._client(context).aclose()))
    assert watched.iterated_by == set()


def test_a_check_that_waits_starts_beside_its_familys_first_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """EMAIL-003 (STARTED_FIRST) is running while EMAIL-001, the family's first instance, still runs alone: its wait
    overlaps the whole pool."""
    waiter_started = threading.Event()
    seen_by_first: list[bool] = []

    def fake_run_check(check: Check, ctx: CheckContext, param: str) -> Finding:
        if check.id in harness.pool.STARTED_FIRST:
            waiter_started.set()
        elif check.id == "EMAIL-001":
            seen_by_first.append(waiter_started.wait(timeout=30))
        finding = new_finding(check, param)
        finding.verdict = Verdict.PASS
        return finding

    monkeypatch.setattr(harness.pool, "run_check", fake_run_check)
    instances = ["EMAIL-001", "EMAIL-002", "EMAIL-003", "EMAIL-004"]
    ctx = make_context(DEAD)
    try:
        pooled = harness.pool.run_pool(ctx, instances)
    finally:
        ctx.client.close()
    assert seen_by_first == [True]
    assert sorted(pooled.done) == instances
    assert all(isinstance(o, tuple) and o[0].verdict == Verdict.PASS for o in pooled.done.values()), pooled.done


def test_the_inbox_builds_one_tls_context_for_all_its_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A TLS context costs ~20 ms of CPU: the pool's threads poll the inbox ~20 times a run."""
    built: list[object] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        built.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    harness.inbox._tls.cache_clear()
    try:
        for _ in range(3):
            with pytest.raises(InboxUnavailable):
                Inbox(DEAD, timeout=1.0).mails("someone@example.test")
    finally:
        harness.inbox._tls.cache_clear()
    assert len(built) == 1

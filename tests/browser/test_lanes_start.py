"""The browser lanes start while pytest collects: all at once, with the run's pins, once, before the first item."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import cast

import pytest

from harness import browser
from harness.plugin import SCHEMA_SUITE, _may_select_browser_checks

PINS = frozenset({"pin-a", "pin-b"})


class FakeLane(browser.SharedBrowser):
    """Records `start`; every lane waits at the barrier, so the test sees the lanes starting at the same time."""

    def __init__(self, barrier: threading.Barrier, fail: bool = False) -> None:
        super().__init__()
        self.barrier, self.fail, self.started_with = barrier, fail, list[frozenset[str] | None]()

    def start(self, pins: frozenset[str] | None = None) -> browser.SharedBrowser:
        self.started_with.append(pins)
        self.barrier.wait(timeout=5)  # a BrokenBarrierError (no other lane starting meanwhile) fails the test
        if self.fail:
            raise browser.NoBrowser("no Chromium found")
        return self


def test_every_lane_starts_at_once_with_the_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    barrier = threading.Barrier(3)
    lanes = [FakeLane(barrier), FakeLane(barrier, fail=True), FakeLane(barrier)]
    monkeypatch.setattr(browser, "_LANES", lanes)
    started = browser.start_lanes_soon(lambda: PINS)
    assert started.result(timeout=10) is None  # a lane's NoBrowser stays with the lane
    assert [lane.started_with for lane in lanes] == [[PINS]] * 3


def test_no_lane_starts_when_the_pins_cannot_be_had(monkeypatch: pytest.MonkeyPatch) -> None:
    lane = FakeLane(threading.Barrier(1))
    monkeypatch.setattr(browser, "_LANES", [lane])

    def no_pins() -> frozenset[str]:
        raise OSError("handshake failed")

    assert browser.start_lanes_soon(no_pins).result(timeout=10) is None
    assert lane.started_with == []


def _config(markexpr: str = "", keyword: str = "", dist: str = "no", args: tuple[str, ...] = ()) -> pytest.Config:
    option = SimpleNamespace(markexpr=markexpr, keyword=keyword, dist=dist)
    return cast(pytest.Config, SimpleNamespace(option=option, args=list(args)))


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (_config(), True),
        (_config("browser"), True),
        (_config("rp or browser"), True),
        (_config("not schema"), True),
        (_config("not browser"), False),
        (_config("flow"), False),
        (_config("schema and not browser"), False),
        (_config("browser and ("), True),  # pytest rejects it at collection, with its own message
        (_config(keyword="POPUP"), False),  # -k: the selection is not known before collection
        (_config(dist="load"), False),  # xdist: the workers run the checks, each with lanes of its own
        (_config(args=("harness/suite/test_checks.py::test_flow",)), False),
        (_config(args=(str(SCHEMA_SUITE),)), False),
    ],
    ids=lambda value: "" if isinstance(value, bool) else None,
)
def test_the_lanes_start_early_only_when_a_browser_check_can_be_selected(config: pytest.Config, expected: bool) -> None:
    assert _may_select_browser_checks(config) is expected


RECORDING_CONFTEST = """
import time
import harness.browser

LAUNCHES, LOOP = [], []
_launch = harness.browser.launch


def launch(playwright, pins=frozenset()):
    LAUNCHES.append((time.monotonic(), pins))
    return _launch(playwright, pins)


harness.browser.launch = launch


def pytest_runtestloop(session):  # a session hook (an item hook of this conftest would not see the suite's items)
    LOOP.append(time.monotonic())


def pytest_unconfigure(config):
    loop = LOOP[0] if LOOP else float("inf")
    before = sum(1 for at, _ in LAUNCHES if at < loop)
    print(f"LAUNCHES {len(LAUNCHES)} BEFORE-THE-CHECKS {before} PINS {len({pins for _, pins in LAUNCHES})}")
"""


def test_a_browser_run_launches_each_lane_once_before_the_checks(pytester: pytest.Pytester) -> None:
    """Each lane launches once, with the run's pins (the embedded run's: the mock IdP's certificate), started as the
    run starts (beside collection) and done before the checks run; none launches again for other pins, or late."""
    pytester.makeconftest(RECORDING_CONFTEST)
    result = pytester.runpytest_subprocess("--conformance", "-p", "no:randomly", "-m", "browser", "-s", timeout=180)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    lanes = browser.lane_count()
    result.stdout.fnmatch_lines([f"LAUNCHES {lanes} BEFORE-THE-CHECKS {lanes} PINS 1"])

"""Find and launch the Chromium the browser checks drive: Playwright's own if installed, else a system one.

`playwright install` needs a CDN that closed networks (and Debian CI) cannot reach, so a system Chromium
(Debian's `chromium-headless-shell`, else its `chromium` package) is a first-class fallback. Each browser lane
(`lane_count()`, two unless told otherwise) has one browser (`shared()`); each check opens its own context.
Playwright's sync API keeps an asyncio loop running in the thread that started it (so `asyncio.run` there fails),
so a lane's driver lives in a thread of its own and the browser checks run in it
(`in_driver_thread`): the caller's thread stays free for its own event loops (xdist workers, asyncio tests).
`python -m harness.browser --check` prints the one-line report header
(`browser: chromium 156.0... (system: /usr/bin/chromium)`) or the one-line reason there is none.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from harness import env_numbers

INSTALL_HINT = "python -m playwright install chromium"
NO_BROWSER = f"no Chromium found: run `{INSTALL_HINT}` (or install Debian's chromium package)"
LEAVE_OUT_HINT = 'or leave the browser checks out: -m "not browser"'

CHROMIUM_ENV = "NEXTAUTH_CONFORMANCE_CHROMIUM"
SYSTEM_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Looked up on PATH in this order: the headless shell first (Debian's `chromium-headless-shell`, the one Playwright
itself runs headless), which drives the same pages on about a quarter of the full browser's CPU."""
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
)
LAUNCH_TIMEOUT_MS = 30_000
BROWSER_FAMILIES = frozenset({"browser"})
"""Check families that drive a real browser: marked `browser` and run in the driver thread."""
LANES_ENV = env_numbers.BROWSER_LANES
DEFAULT_LANES = env_numbers.DEFAULTS[LANES_ENV]
"""Browser instances the background pool drives at once (harness/pool.py), each on a lane of its own: a driver
thread, a Playwright driver and a Chromium. Two overlap one check's waits with another's steps: 10-15% faster on a
quiet 2-core machine, no slower on a loaded one (benchmarks/LOG.md); `NEXTAUTH_CONFORMANCE_BROWSER_LANES=1` runs
the checks one after another."""

T = TypeVar("T")


class NoBrowser(Exception):  # noqa: N818 - an outcome the caller reports in one line
    """No usable Chromium (or no Playwright); the message is the one line to print."""


@dataclass(frozen=True)
class BrowserInfo:
    """Which Chromium ran: its kind ("playwright" or "system"), executable and (once launched) version."""

    kind: str
    executable: str
    version: str = ""

    def header(self) -> str:
        """The report header line, e.g. `browser: chromium 156.0.8078.108 (system: /usr/bin/chromium)`."""
        return f"browser: chromium {self.version or '?'} ({self.kind}: {self.executable})"


def _playwright_managed(playwright: Any) -> str | None:
    """Playwright's bundled Chromium when `playwright install chromium` has put it on disk."""
    try:
        path = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - Playwright raises when its registry has no entry
        return None
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def _system_chromium() -> str | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def discover(playwright: Any) -> BrowserInfo:
    """`NEXTAUTH_CONFORMANCE_CHROMIUM` when set; else Playwright's Chromium (the version it is tested with),
    else a system one; `NoBrowser` if none."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise NoBrowser(f"{CHROMIUM_ENV}={chosen} is not an executable Chromium")
        return BrowserInfo("chosen", chosen)
    managed = _playwright_managed(playwright)
    if managed:
        return BrowserInfo("playwright", managed)
    system = _system_chromium()
    if system:
        return BrowserInfo("system", system)
    raise NoBrowser(NO_BROWSER)


def launch(playwright: Any, pins: frozenset[str] = frozenset()) -> tuple[Any, BrowserInfo]:
    """Launch the discovered Chromium headless with flags that keep it quiet and offline-friendly; `pins` are
    public-key hashes whose certificates it accepts (`harness/browser_trust.py`)."""
    info = discover(playwright)
    args = [*LAUNCH_ARGS, *([f"--ignore-certificate-errors-spki-list={','.join(sorted(pins))}"] if pins else [])]
    options: dict[str, Any] = {"headless": True, "args": args, "timeout": LAUNCH_TIMEOUT_MS}
    if info.kind != "playwright":
        options["executable_path"] = info.executable
    try:
        browser = playwright.chromium.launch(**options)
    except Exception as exc:  # noqa: BLE001 - any launch failure is reported as one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NoBrowser(f"{info.executable} did not start: {first[:200]}") from None
    return browser, BrowserInfo(info.kind, info.executable, browser.version)


class DriverThread:
    """One daemon thread that owns Playwright's sync driver; `call` runs a function in it and waits."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, func: Callable[[], T]) -> T:
        """`func()` in the driver thread (directly when already in it); its exception is raised here."""
        if threading.current_thread() is self._thread:
            return func()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="playwright-driver", daemon=True)
                self._thread.start()
        done: Future[T] = Future()
        self._jobs.put((func, done))
        return done.result()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def owns(self, thread: threading.Thread) -> bool:
        return thread is self._thread

    def _serve(self) -> None:
        while True:
            func, done = self._jobs.get()
            if not done.set_running_or_notify_cancel():
                continue
            try:
                done.set_result(func())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread as is
                done.set_exception(exc)


class SharedBrowser:
    """One Playwright driver and one browser per process, started on first use, stopped at exit.

    Every Playwright call happens in `driver`'s thread (Playwright's sync objects belong to the thread that made
    them)."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self.browser: Any = None
        self.info: BrowserInfo | None = None
        self.error: NoBrowser | None = None
        self.pins: frozenset[str] = frozenset()
        self.driver = DriverThread()

    def start(self, pins: frozenset[str] | None = None) -> SharedBrowser:
        """Start once; a failure is remembered so every later check reports it without retrying. Other `pins`
        than the running browser's relaunch the browser (they are launch flags); None takes the running browser
        as it is. The Playwright driver is started once and kept."""
        if self.browser is not None and (pins is None or pins == self.pins):
            return self
        if self.browser is not None:
            self.driver.call(self._close_browser)
        self.pins = pins or frozenset()
        if self.error is not None:
            raise self.error
        try:
            self.driver.call(self._start)
        except NoBrowser as exc:
            self.error = exc
            self.stop()
            raise
        return self

    def prepare(self) -> None:
        """Start the Playwright driver now, from the calling thread's turn: Playwright copies `os.environ` for
        its driver, and a copy made in a background thread while pytest's main thread sets and pops
        PYTEST_CURRENT_TEST can raise KeyError. Called before the background pools start; a missing Playwright
        is left for the browser checks to report."""
        with contextlib.suppress(NoBrowser):
            self.driver.call(self._start_driver)

    def _start_driver(self) -> None:
        if self._playwright is not None:
            return
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise NoBrowser(f"Playwright is not installed: pip install playwright && {INSTALL_HINT}") from None
        self._playwright = sync_playwright().start()

    def _start(self) -> None:
        self._start_driver()
        self.browser, self.info = launch(self._playwright, self.pins)

    def _close_browser(self) -> None:
        with contextlib.suppress(Exception):  # relaunching; the old browser has nothing left to report
            self.browser.close()
        self.browser = None

    def stop(self) -> None:
        if self.driver.running() and (self.browser is not None or self._playwright is not None):
            self.driver.call(self._stop)
        self.browser, self._playwright = None, None

    def _stop(self) -> None:
        for closer in (self.browser, self._playwright):
            if closer is None:
                continue
            with contextlib.suppress(Exception):  # shutting down; nothing left to report to
                closer.close() if closer is self.browser else closer.stop()


def lane_count() -> int:
    """`NEXTAUTH_CONFORMANCE_BROWSER_LANES` (1 runs the browser checks one after another), else `DEFAULT_LANES`."""
    return env_numbers.read(LANES_ENV)


_LANES = [SharedBrowser() for _ in range(lane_count())]
_BOUND = threading.local()


def _current() -> SharedBrowser:
    """The lane of this thread: the one whose driver thread this is, else the one the thread was bound to
    (`bind_lane`), else the first."""
    me = threading.current_thread()
    for lane in _LANES:
        if lane.driver.owns(me):
            return lane
    return _LANES[getattr(_BOUND, "index", 0)]


def lanes() -> int:
    return len(_LANES)


def bind_lane(index: int) -> None:
    """Make this thread's browser checks run on lane `index` (a pool's worker thread, for its lifetime)."""
    _BOUND.index = index % len(_LANES)


def shared(pins: frozenset[str] | None = None) -> SharedBrowser:
    """This thread's lane's browser (started lazily, with `pins` when given); raises `NoBrowser` with one line when
    there is none."""
    return _current().start(pins)


def start_lanes_soon(pins_of: Callable[[], frozenset[str]]) -> Future[None]:
    """Every lane's browser started in the background, all at once, with the pins `pins_of()` gives (computed
    there too): the caller goes on meanwhile (pytest collects) and waits on the future before the first browser
    check. A lane that cannot start keeps its `NoBrowser` (`shared()` raises it); when `pins_of` raises, no lane
    starts and the checks start them as before, reporting what it raised. The future never raises."""
    done: Future[None] = Future()

    def start_all() -> None:
        try:
            pins = pins_of()
        except Exception:  # noqa: BLE001 - the browser checks ask again and report it
            done.set_result(None)
            return
        starters = [threading.Thread(target=_start_quietly, args=(lane, pins), daemon=True) for lane in _LANES]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()
        done.set_result(None)

    threading.Thread(target=start_all, name="browser-lanes-start", daemon=True).start()
    return done


def _start_quietly(lane: SharedBrowser, pins: frozenset[str]) -> None:
    with contextlib.suppress(NoBrowser):  # kept by the lane
        lane.start(pins)


def prepare_driver() -> None:
    """Start every lane's Playwright driver from this thread's turn (see `SharedBrowser.prepare`)."""
    for lane in _LANES:
        lane.prepare()


def in_driver_thread(func: Callable[[], T]) -> T:
    """Run `func` (a browser check's body) in the thread that owns this thread's lane's browser."""
    return _current().driver.call(func)


def close_shared() -> None:
    """Stop every lane's browser (pytest_unconfigure; also registered with atexit)."""
    for lane in _LANES:
        lane.stop()


def header_line() -> str | None:
    """The report header line when a browser has run in this process."""
    info = next((lane.info for lane in _LANES if lane.info), None)
    return info.header() if info else None


atexit.register(close_shared)


def check() -> int:
    """`--check`: launch once, print the header line (exit 0) or the reason there is no browser (exit 1)."""
    try:
        session = shared()
        assert session.info is not None
        print(session.info.header())
        return 0
    except NoBrowser as exc:
        print(str(exc))
        return 1
    finally:
        close_shared()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["--check"]:
        print("usage: python -m harness.browser --check")
        return 2
    return check()


if __name__ == "__main__":
    sys.exit(main())

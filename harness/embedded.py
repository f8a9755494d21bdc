"""The embedded default: with no --target, serve the reference server and the mock IdPs and test them.

Its secret and demo user are known, so every check that needs them runs (`--secret`, `--credentials`
are filled in unless given), and its google, azure-ad and keycloak providers point at the mock IdPs
(`--mock-idp` is filled in), so the OAuth flows run too.

The servers run in a child process (`python -m harness.embedded`), started as soon as the run is configured:
their start-up overlaps the harness's own imports and collection, and their request handling runs on another
core instead of taking the interpreter lock from the checks. The child prints one JSON line (what
`EmbeddedTarget` holds) when it serves, and stops when its stdin closes: the run's end, or the run dying.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from harness.errors import UsageError

EMBEDDED_EMAIL_MAX_AGE = 2
"""Emailed links live 2 s on the embedded server (a day is Auth.js's default), so EMAIL-003 can wait one out."""
START_TIMEOUT = 60.0
"""Seconds the child may take to serve (imports and three mock vendors on a loaded 2-core machine)."""
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class EmbeddedTarget:
    url: str
    secret: str
    credentials: tuple[str, str]
    mock_idp: str | None = None
    email_max_age: float | None = None


def start_in_process(stack: contextlib.ExitStack, **overrides: Any) -> EmbeddedTarget:
    """Start the mock IdPs and the reference server wired to them on free loopback ports; they stop when `stack`
    closes. The mocks show their account picker (no auto-login), so the Deny flows can be checked too."""
    try:
        from reference_server.wiring import running_stack
    except ImportError as exc:
        raise UsageError(f"no --target given and the embedded reference server is unavailable ({exc})") from None
    overrides.setdefault("trust_host", False)  # a pinned origin, as a deployment with AUTH_URL has (FLOW-040)
    overrides.setdefault("email_max_age", EMBEDDED_EMAIL_MAX_AGE)
    running = stack.enter_context(running_stack(auto_login=False, **overrides))
    server = running.reference
    return EmbeddedTarget(
        server.url,
        server.secret,
        (server.demo_email, server.demo_password),
        running.mocks.http_url,
        float(server.settings.email_max_age),
    )


class EmbeddedProcess:
    """The child serving the embedded target; `spawn` it early, `target()` waits until it serves."""

    def __init__(self, process: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
        self.process, self.errors = process, errors
        self._target: EmbeddedTarget | None = None

    @classmethod
    def spawn(cls, stack: contextlib.ExitStack) -> EmbeddedProcess:
        errors = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "harness.embedded"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        child = cls(process, errors)
        stack.callback(child.stop)
        return child

    def target(self) -> EmbeddedTarget:
        if self._target is None:
            self._target = self._read_target()
        return self._target

    def _read_target(self) -> EmbeddedTarget:
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    raise UsageError(f"the embedded reference server did not start within {START_TIMEOUT:.0f} s")
        line = self.process.stdout.readline()
        try:
            data = json.loads(line)
            return EmbeddedTarget(**{**data, "credentials": tuple(data["credentials"])})
        except (ValueError, TypeError, KeyError):
            raise UsageError(f"the embedded reference server did not start: {self._last_error()}") from None

    def _last_error(self) -> str:
        self.process.wait(STOP_TIMEOUT)
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {self.process.returncode}"

    def stop(self) -> None:
        """Close the child's stdin: it shuts its servers down and exits on its own (within `STOP_TIMEOUT`, its
        watchdog's limit), while this process goes on to exit; only a child that never served is waited for. A
        served child is reaped by a daemon thread, so a process that lives on (a test run, a `--targets` run)
        keeps no zombie and no unreaped `Popen`."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if self._target is None:
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        else:
            threading.Thread(target=self.process.wait, name="embedded-reaper", daemon=True).start()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_embedded(stack: contextlib.ExitStack, child: EmbeddedProcess | None = None) -> EmbeddedTarget:
    """The embedded target served by `child` (spawned now when none was), stopped when `stack` closes."""
    return (child or EmbeddedProcess.spawn(stack)).target()


NOT_EMBEDDED_ARGS = ("--target", "--targets", "--compare", "--collect-only", "--co", "-h", "--help", "--version")
_early: EmbeddedProcess | None = None
_early_stack = contextlib.ExitStack()


def spawn_early(argv: list[str]) -> None:
    """`nextauth-conformance check` calls this first thing: when the arguments name no target, the child starts
    before the harness's own imports, on the other core; the run adopts it (`adopt_early`). A guess the run does
    not adopt (a target from an ini file) is stopped at exit."""
    global _early
    named = any(arg.split("=", 1)[0] in NOT_EMBEDDED_ARGS for arg in argv)
    if _early is None and not named and not os.environ.get("NEXTAUTH_CONFORMANCE_TARGET"):
        _early = EmbeddedProcess.spawn(_early_stack)
        atexit.register(_early_stack.close)


def adopt_early(stack: contextlib.ExitStack) -> EmbeddedProcess | None:
    """The child `spawn_early` started, now stopped by `stack` instead; None when there is none."""
    global _early
    child, _early = _early, None
    if child is not None:
        stack.push(_early_stack.pop_all())
    return child


def _serve_child() -> int:
    """The child: serve until stdin closes. Ctrl-C reaches the whole process group; the parent decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.ExitStack() as stack:
        try:
            target = start_in_process(stack)
        except Exception as exc:  # noqa: BLE001 - one line for the parent, never a traceback
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        sys.stdout.write(json.dumps(asdict(target)) + "\n")
        sys.stdout.flush()
        sys.stdin.buffer.read()
        watchdog = threading.Timer(STOP_TIMEOUT, os._exit, (0,))  # a shutdown that hangs still ends
        watchdog.daemon = True
        watchdog.start()
    return 0


if __name__ == "__main__":
    sys.exit(_serve_child())

"""Targets that cannot be tested stop the run in bounded time with one line, printed once, and a documented
exit code: a server that drips one byte a second (exit 10), a port that speaks SSH (exit 10), and --target
values that are not origins (usage error, exit 4, never an INTERNALERROR)."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.options import TARGET_ENV
from harness.plugin import EXIT_TARGET_UNAVAILABLE

DRIP = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    b'{"csrfToken": "0123456789abcdef0123"}   '
)
SSH_BANNER = b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"


def _serve(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    """A raw TCP server on a free loopback port; `handle` talks to each connection until `stopped` is set."""
    stopped = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def accept() -> None:
        while not stopped.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn, stopped), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopped.set()
        thread.join(5)
        listener.close()


def _drip(conn: socket.socket, stopped: threading.Event) -> None:
    """One byte a second: every read succeeds well within the read timeout, the answer never completes."""
    with conn:
        for byte in DRIP:
            if stopped.wait(1.0):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return


def _ssh(conn: socket.socket, stopped: threading.Event) -> None:
    with conn:
        try:
            conn.sendall(SSH_BANNER)
        except OSError:
            return
        stopped.wait(30)


@pytest.fixture(scope="module")
def drip_target() -> Iterator[str]:
    yield from _serve(_drip)


@pytest.fixture(scope="module")
def ssh_target() -> Iterator[str]:
    yield from _serve(_ssh)


@pytest.fixture(autouse=True)
def _no_env_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TARGET_ENV, raising=False)


def _one_line(result: pytest.RunResult, phrase: str) -> str:
    everything = result.stdout.lines + result.stderr.lines
    lines = [line for line in everything if phrase in line]
    assert len(lines) == 1, everything
    assert "_pytest.outcomes.Exit" not in "\n".join(everything) and "INTERNALERROR" not in "\n".join(everything)
    return lines[0]


def test_a_target_that_drips_one_byte_a_second_stops_at_the_request_deadline(
    pytester: pytest.Pytester, drip_target: str
) -> None:
    result = pytester.runpytest("--target", drip_target, "--request-timeout", "2")
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    line = _one_line(result, "cannot test")
    assert "within the 6 s request deadline" in line, line


def test_a_port_that_speaks_ssh_is_not_http(pytester: pytest.Pytester, ssh_target: str) -> None:
    result = pytester.runpytest("--target", ssh_target, "--request-timeout", "5")
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    line = _one_line(result, "cannot test")
    assert "not an HTTP server" in line and "SSH-2.0-OpenSSH" in line, line


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("", "--target is empty"),
        ("http://localhost:abc", "is not a valid URL"),
        ("http://", "has no host"),
        ("https://:443", "has no host"),
    ],
)
def test_targets_that_are_not_origins_are_usage_errors(pytester: pytest.Pytester, target: str, phrase: str) -> None:
    result = pytester.runpytest("--target", target)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    _one_line(result, phrase)


def test_a_good_target_still_runs(pytester: pytest.Pytester, reference) -> None:
    """The deadline and the HTTP sniff do not disturb a real target (the pass side of the tests above)."""
    result = pytester.runpytest(
        "--target", reference.url, "-p", "no:randomly", "-k", "CSRF-001", "--request-timeout", "2"
    )
    assert result.ret == pytest.ExitCode.OK


def test_the_cli_from_an_empty_directory_prints_one_line(pytester: pytest.Pytester, ssh_target: str) -> None:
    pytester.chdir()
    command = Path(sys.executable).with_name("nextauth-conformance")
    result = pytester.run(command, "check", "--target", ssh_target, "--request-timeout", "5", timeout=120)
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    _one_line(result, "cannot test")

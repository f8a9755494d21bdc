"""``python -m mock_providers``: env lines printed, bad input gives one line and exit code 2."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
import weakref

import pytest

from mock_providers import cli
from mock_providers.cli import add_arguments, environment_lines
from mock_providers.node_preload import PRELOAD_PATH
from mock_providers.testing import RunningMocks


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_providers", *args], capture_output=True, text=True, timeout=30)


def test_port_in_use_is_one_line_and_exit_2(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("--port", str(busy.getsockname()[1]), "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "already in use" in result.stderr


def test_bad_option_values_exit_2(tmp_path) -> None:
    assert run_cli("--public-url", "nope", "--state-dir", str(tmp_path)).returncode == 2
    result = run_cli("--entra-issuer-mode", "weird")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_arguments_parse() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--port", "0", "--auto-login", "--keycloak-realm", "r1"])
    assert args.auto_login and args.keycloak_realms == ["r1"]


def test_environment_lines_cover_all_apps(mocks: RunningMocks) -> None:
    names = {line.split("=", 1)[0] for line in environment_lines(mocks) if "=" in line}
    assert {
        "AUTH_GOOGLE_ID",
        "AUTH_GOOGLE_SECRET",
        "AUTH_GOOGLE_ISSUER",
        "AUTH_KEYCLOAK_ISSUER",
        "AUTH_MICROSOFT_ENTRA_ID_ISSUER",
        "GOOGLE_OAUTH_CLIENT_ID",
        "MICROSOFT_OAUTH_TENANT_ID",
        "KEYCLOAK_URL",
        "KEYCLOAK_REALM",
        "NODE_EXTRA_CA_CERTS",
        "KEYCLOAK_ISSUER",
        "NODE_OPTIONS",
        "NEXTAUTH_CONFORMANCE_MOCK_URL",
        "EMAIL_SERVER",
        "EMAIL_FROM",
    } <= names
    assert f"EMAIL_SERVER={mocks.smtp_url}" in environment_lines(mocks)


def test_environment_lines_name_the_installed_preload(mocks: RunningMocks) -> None:
    env = dict(line.split("=", 1) for line in environment_lines(mocks) if "=" in line and not line.startswith("#"))
    assert env["NODE_OPTIONS"] == f"--require {PRELOAD_PATH}" and PRELOAD_PATH.is_file()
    assert env["NEXTAUTH_CONFORMANCE_MOCK_URL"] == mocks.http_url


@pytest.mark.parametrize("after_line", ["mock providers on", "Press Ctrl-C"], ids=["first-line", "ready-line"])
def test_ctrl_c_stops_cleanly(tmp_path, after_line: str) -> None:
    """Ctrl-C exits 0 from the first line printed on (a CI run once caught the gap before the `try`)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_providers",
            "--port",
            "0",
            "--https-port",
            "0",
            "--smtp-port",
            "0",
            "--state-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60  # generous: a loaded CI machine makes RSA keys slowly
        while after_line not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None, "the mocks never said they were ready"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_ctrl_c_inside_a_weakref_callback_still_stops_the_mocks() -> None:
    """Python drops a KeyboardInterrupt raised there (tests/reference_server/test_serving.py shows it); the CLI's
    handlers note the signal instead, so its loop ends."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stop: list[int] = []
    try:
        cli._stop_on_signals(stop)

        class Dropped:
            pass

        dropped = Dropped()
        ref = weakref.ref(dropped, lambda _: signal.raise_signal(signal.SIGINT))
        del dropped
        assert ref() is None
        signal.raise_signal(signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert stop == [signal.SIGINT, signal.SIGTERM]

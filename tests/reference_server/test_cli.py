"""`nextauth-conformance serve` (here `python -m reference_server`): prints where it listens, serves, stops on
Ctrl-C, and refuses bad options with one line and exit code 2."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest

import spec


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reference_server", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_serve_prints_url_and_demo_credentials_then_stops_on_ctrl_c(tmp_path) -> None:
    database = tmp_path / "auth.sqlite"
    process = _serve("--port", "0", "--database", str(database), "--webauthn")
    try:
        mocks_line = process.stdout.readline()
        assert mocks_line.startswith("mock providers: http://127.0.0.1:"), mocks_line
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/api/auth", first)
        assert match, first
        assert "providers: credentials, google, azure-ad, keycloak, passkey" in first
        assert "demo@example.com / demo-password" in process.stdout.readline()
        url = match.group(1)
        for action, schema in (
            ("csrf", "CsrfTokenResponse"),
            ("providers", "AuthProvidersResponse"),
            ("session", "EmptyObjectResponse"),
        ):
            body = httpx.get(f"{url}/api/auth/{action}", timeout=5).json()
            assert not list(spec.validator(schema).iter_errors(body)), action
        at_mock = httpx.post(f"{url}/api/auth/signin/keycloak", timeout=5, data={"csrfToken": "x"})
        assert at_mock.status_code == 302  # MissingCSRF: the provider exists and is wired
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert database.exists(), "the SQLite file is created and kept"


def test_serve_email_mails_its_links_to_the_mocks_inbox(tmp_path) -> None:
    process = _serve("--port", "0", "--email", "--database", str(tmp_path / "auth.sqlite"))
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("mock providers: http://127.0.0.1:")
        inbox_line = process.stdout.readline()
        inbox = re.search(r"messages (http://127\.0\.0\.1:\d+/_inbox)", inbox_line)
        assert inbox_line.startswith("mock inbox: smtp://127.0.0.1:") and inbox, inbox_line
        first = process.stdout.readline()
        assert first.rstrip().endswith("keycloak, email)"), first
        match = re.search(r"(http://127\.0\.0\.1:\d+)/api/auth", first)
        assert match
        with httpx.Client(base_url=match.group(1), timeout=10, follow_redirects=False) as client:
            token = client.get("/api/auth/csrf").json()["csrfToken"]
            sent = client.post("/api/auth/signin/email", data={"csrfToken": token, "email": "Ada@Example.com"})
            assert sent.headers["location"].endswith("/api/auth/verify-request?provider=email&type=email")
            mail = httpx.get(inbox.group(1) + "/latest", params={"to": "ada@example.com"}, timeout=10).json()
            assert client.get(mail["links"][0]).status_code == 302
            assert client.get("/api/auth/session").json()["user"]["email"] == "ada@example.com"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, err


def test_ctrl_c_right_after_the_first_line_exits_0(tmp_path) -> None:
    """Ctrl-C pressed while the banner prints (before uvicorn installs its handler) is still a clean stop."""
    process = _serve("--port", "0", "--no-mocks", "--database", str(tmp_path / "auth.sqlite"))
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("reference server: http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port 70000: expected 0-65535"),
        (["--origin", "ftp://x"], "--origin 'ftp://x': expected an http(s) URL"),
        (["--oauth", "github=x,y,z"], "expected ID=ISSUER,CLIENT_ID,CLIENT_SECRET"),
        (["--email", "--no-mocks"], "--email with --no-mocks needs --email-server smtp://HOST:PORT"),
        (["--email", "--email-server", "http://x"], "--email-server 'http://x': expected smtp://HOST:PORT"),
        (["--email", "--email-max-age", "0"], "--email-max-age 0: expected 1 or more seconds"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_port_in_use_is_reported_clearly() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "reference_server", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 2
    assert f"127.0.0.1:{port} is already in use; pick another with --port" in result.stderr


def test_origin_is_the_bound_address_unless_trust_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare `serve` passes FLOW-040 at the address it prints; `--trust-host` (or AUTH_TRUST_HOST) is for proxies."""
    import argparse

    from reference_server.cli import add_arguments, settings_from_args

    def settings(*args: str) -> object:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        return settings_from_args(parser.parse_args(list(args)))

    monkeypatch.delenv("AUTH_TRUST_HOST", raising=False)
    assert settings().trust_host is False  # type: ignore[attr-defined]
    assert settings("--trust-host").trust_host is True  # type: ignore[attr-defined]
    monkeypatch.setenv("AUTH_TRUST_HOST", "true")
    assert settings().trust_host is True  # type: ignore[attr-defined]

"""Hostile input found by fuzzing (issue 12): each case is refused as invalid input, before any side effect,
with a response (never a dropped connection or a logged traceback), within bounded time and memory."""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
from collections.abc import Iterable, Iterator

import httpx
import pytest

from reference_server.header_deadline import header_deadline_protocol
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.testing import RunningReferenceServer
from tests.reference_server.helpers import sign_in

CONTROL_CHARACTERS = ["%0d%0a", "%0a", "%09", "%00", "%0d%0aX:%201", "%E4%B8%AD"]  # the last: U+4E2D
CONFIGURATION = "/api/auth/error?error=Configuration"


@pytest.fixture
def tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Records that carry a traceback, from any thread (the servers run in background threads)."""
    caplog.set_level(logging.WARNING)
    found: list[logging.LogRecord] = []
    yield found
    found.extend(record for record in caplog.records if record.exc_info)


def _form(**values: str) -> tuple[str, dict[str, str]]:
    """A hand-built form body, so the percent-escapes reach the server exactly as the fuzzer sent them."""
    return "&".join(f"{key}={value}" for key, value in values.items()), {
        "content-type": "application/x-www-form-urlencoded"
    }


def _session_rows(reference: RunningReferenceServer) -> int:
    return reference.store.session_count()


@pytest.mark.parametrize("escape", CONTROL_CHARACTERS)
def test_credentials_callback_url_with_control_characters_is_a_configuration_error_before_sign_in(
    client: httpx.Client, reference: RunningReferenceServer, escape: str, tracebacks: list[logging.LogRecord]
) -> None:
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    before = _session_rows(reference)
    body, headers = _form(
        csrfToken=token, email="demo%40example.com", password="demo-password", callbackUrl=f"/{escape}x"
    )
    response = client.post("/api/auth/callback/credentials", content=body, headers=headers)
    assert response.status_code == 302
    assert response.headers["location"] == reference.url + CONFIGURATION  # as Auth.js answers it
    assert not response.headers.get_list("set-cookie"), "no session cookie, no callback-url cookie"
    assert _session_rows(reference) == before, "no sessions row was written"
    assert not tracebacks


@pytest.mark.parametrize("escape", CONTROL_CHARACTERS)
@pytest.mark.parametrize("where", ["form", "cookie"])
def test_signout_callback_url_with_control_characters_is_refused_and_the_session_lives_on(
    reference: RunningReferenceServer, escape: str, where: str, tracebacks: list[logging.LogRecord]
) -> None:
    with httpx.Client(base_url=reference.url, timeout=10) as client:
        assert sign_in(client, reference.demo_email, reference.demo_password).status_code == 302
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        values = {"csrfToken": token}
        jar = [f"{c.name}={c.value}" for c in client.cookies.jar if c.name != "authjs.callback-url"]
        if where == "form":
            values["callbackUrl"] = f"/{escape}x"
        else:
            jar.append(f"authjs.callback-url={reference.url}/{escape}x")
        body, headers = _form(**values)
        headers["cookie"] = "; ".join(jar)
        response = httpx.post(f"{reference.url}/api/auth/signout", content=body, headers=headers, timeout=10)
        assert response.status_code == 302
        assert response.headers["location"] == reference.url + CONFIGURATION
        assert client.get("/api/auth/session").json().get("user"), "the session was not revoked"
    assert not tracebacks


def test_signin_page_does_not_store_a_callback_url_that_no_later_post_could_send(
    reference: RunningReferenceServer,
) -> None:
    response = httpx.get(f"{reference.url}/api/auth/signin?callbackUrl=/%0d%0aX:%201", timeout=10)
    assert response.status_code == 302
    assert response.headers["location"] == reference.url + CONFIGURATION
    assert not [line for line in response.headers.get_list("set-cookie") if "callback-url" in line]


def test_trailing_spaces_leave_the_location_header(client: httpx.Client, reference: RunningReferenceServer) -> None:
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    body, headers = _form(csrfToken=token, callbackUrl="/after%20%20")
    response = client.post("/api/auth/signout", content=body, headers=headers)
    assert response.headers["location"] == reference.url + "/after"


def _header_segment(header: str) -> str:
    return base64.urlsafe_b64encode(header.encode()).rstrip(b"=").decode()


ENC_LIST = _header_segment('{"alg":"dir","enc":[1]}')
NESTED = _header_segment("[" * 3000)


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param("authjs.session-token." + "7" * 5000 + "=x", id="chunk-index-of-5000-digits"),
        pytest.param(f"authjs.session-token={ENC_LIST}.a.b.c.d", id="enc-list"),
        pytest.param(f"authjs.session-token={NESTED}.a.b.c.d", id="header-nested-deep"),
    ],
)
def test_malformed_session_cookies_are_no_session(
    client: httpx.Client, cookie: str, tracebacks: list[logging.LogRecord]
) -> None:
    response = client.get("/api/auth/session", headers={"cookie": cookie})
    assert response.status_code == 200
    assert response.json() == {}
    assert not tracebacks


def test_json_body_nested_60000_deep_is_a_bad_request(
    client: httpx.Client, tracebacks: list[logging.LogRecord]
) -> None:
    response = client.post(
        "/api/auth/callback/credentials", content="[" * 60_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == "Bad request."
    assert not tracebacks


# --- the wire: size and time bounds, over real TCP -------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient() -> Iterator[tuple[str, int]]:
    """A reference server with half-second header and body deadlines, on a free port."""
    from reference_server.app import create_app

    app = create_app(Settings(body_timeout=0.5))
    with serve_in_thread(app, http=header_deadline_protocol(header_timeout=0.5)) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield host, int(port)


def _exchange(address: tuple[str, int], data: bytes, *, more: Iterable[bytes] = ()) -> bytes:
    """Send `data` (then `more`, while the server still reads) and return everything the server sends."""
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(data)
        for chunk in more:
            with contextlib.suppress(OSError):
                sock.sendall(chunk)
        received = b""
        while block := sock.recv(65536):
            received += block
        return received


def test_declared_body_over_the_limit_is_refused_unread(impatient: tuple[str, int]) -> None:
    head = b"POST /api/auth/signout HTTP/1.1\r\nHost: x\r\nContent-Length: 134217728\r\n\r\n"
    reply = _exchange(impatient, head + b"a" * 1000)  # 1000 of the 128 MB promised: a reader would wait
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:80]
    assert b"connection: close" in reply.lower()


def test_chunked_body_is_read_only_up_to_the_limit(impatient: tuple[str, int]) -> None:
    head = b"POST /api/auth/signout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"4000\r\n" + b"a" * 0x4000 + b"\r\n"  # 16 KiB chunks, never the final zero-length one
    reply = _exchange(impatient, head, more=[chunk] * 5)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:80]


def test_a_body_that_never_arrives_gets_408(impatient: tuple[str, int]) -> None:
    reply = _exchange(impatient, b"POST /api/auth/signout HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:80]


@pytest.mark.parametrize(
    "partial",
    [b"GET /api/auth/csrf HT", b"GET /api/auth/csrf HTTP/1.1\r\nHost: x\r\n", b""],
    ids=["half-a-request-line", "headers-without-the-blank-line", "nothing"],
)
def test_half_sent_headers_are_closed_after_the_deadline(impatient: tuple[str, int], partial: bytes) -> None:
    assert _exchange(impatient, partial) == b""


def test_the_deadline_applies_again_after_a_keep_alive_response(impatient: tuple[str, int]) -> None:
    first = b"GET /api/auth/csrf HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = _exchange(impatient, first + b"GET /api/auth/csrf HTTP/1.1\r\nHost: x\r\n")
    assert reply.startswith(b"HTTP/1.1 200 ") and reply.count(b"HTTP/1.1 ") == 1


def test_a_callback_url_cookie_no_location_can_carry_is_cleared_so_the_browser_recovers(
    reference: RunningReferenceServer,
) -> None:
    with httpx.Client(base_url=reference.url, timeout=10) as browser:
        browser.cookies.set("authjs.callback-url", f"{reference.url}/%0d%0aX:%201", domain="127.0.0.1", path="/")
        refused = browser.get("/api/auth/signin")
        assert refused.headers["location"] == reference.url + CONFIGURATION
        assert "authjs.callback-url=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax" in refused.headers.get_list(
            "set-cookie"
        )
        assert "%0d%0a" not in str(browser.cookies.get("authjs.callback-url", domain="127.0.0.1"))
        assert sign_in(browser, reference.demo_email, reference.demo_password).status_code == 302
        assert browser.get("/api/auth/session").json()["user"]["email"] == reference.demo_email

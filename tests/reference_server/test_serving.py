"""How `serve` runs uvicorn: connections without Nagle's delay, the fast loop and parser, `--workers N` processes
sharing one database file. No timings here (benchmarks/bench_reference.py measures them)."""

from __future__ import annotations

import asyncio
import importlib.util
import pickle
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref

import httpx
import pytest

from reference_server.serving import LazyApp, StopSignal, fast_loop_options, listening_socket, serve_on_socket
from reference_server.settings import Settings
from reference_server.store import open_store
from reference_server.testing import running_reference_server
from tests.reference_server.helpers import sign_in


def _accepted_socket_has_nodelay(loop: asyncio.AbstractEventLoop) -> bool:
    """Serve a protocol on `listening_socket` and report TCP_NODELAY of the connection the loop accepted."""
    sock = listening_socket("127.0.0.1", 0)
    seen: asyncio.Future[bool] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.set_result(bool(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
            transport.close()

    async def probe() -> bool:
        server = await loop.create_server(Probe, sock=sock)
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    try:
        return loop.run_until_complete(probe())
    finally:
        loop.close()


def test_connections_accepted_on_the_serve_socket_have_tcp_nodelay_on_asyncio() -> None:
    assert _accepted_socket_has_nodelay(asyncio.new_event_loop())


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="uvloop is not installed")
def test_connections_accepted_on_the_serve_socket_have_tcp_nodelay_on_uvloop() -> None:
    import uvloop

    assert _accepted_socket_has_nodelay(uvloop.new_event_loop())


def test_the_listening_socket_is_tcp_with_nodelay() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_serve_uses_uvloop_and_httptools_which_are_dependencies() -> None:
    assert fast_loop_options() == {"loop": "uvloop", "http": "httptools"}


def test_a_lazy_app_pickles_without_its_built_app() -> None:
    lazy = LazyApp(dict, Settings())
    lazy._app = object()  # a built app holds connections; a worker must build its own
    restored = pickle.loads(pickle.dumps(lazy))
    assert restored._app is None and restored.args == (Settings(),)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers 0: expected 1 or more"),
        (["--workers", "2"], "--workers 2: an in-memory database cannot be shared by several processes"),
        (["--workers", "2", "--database", ":memory:"], "pass --database FILE (or a PostgreSQL URL)"),
    ],
)
def test_bad_workers_option_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "--no-mocks", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def _wait_until_serving(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/api/auth/providers", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"serve did not answer (exit code {process.poll()})")


def test_workers_share_one_database_and_see_each_others_sign_outs(database: str) -> None:
    """Once per back end (the `database` fixture): a SQLite file, a PostgreSQL database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--no-mocks", "--port", "0", "--workers", "2"]
        + ["--database", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)  # type: ignore[union-attr]
        _wait_until_serving(url, process)
        clients = [httpx.Client(base_url=url, timeout=10) for _ in range(4)]  # one connection each
        for client in clients:
            assert sign_in(client, "demo@example.com", "demo-password").status_code == 302
        for client in clients:
            assert client.get("/api/auth/session").json()["user"]["email"] == "demo@example.com"
            signed_in = dict(client.cookies)
            token = client.get("/api/auth/csrf").json()["csrfToken"]
            assert client.post("/api/auth/signout", data={"csrfToken": token}).status_code == 302
            client.close()
            with httpx.Client(base_url=url, timeout=10, cookies=signed_in) as replay:  # a new connection
                assert replay.get("/api/auth/session").json() == {}, "the revoked row is seen by every worker"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_the_password_hash_runs_off_the_event_loop_thread() -> None:
    """PBKDF2 is slow by design: on the loop's thread it would stall every other request while it runs."""
    threads: list[str] = []
    with running_reference_server() as server:
        check = server.store.check_password

        def recording_check(user, password):  # type: ignore[no-untyped-def]
            threads.append(threading.current_thread().name)
            return check(user, password)

        server.store.check_password = recording_check  # type: ignore[method-assign]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert sign_in(client, server.demo_email, server.demo_password).status_code == 302
            assert client.get("/api/auth/session").json()["user"]["email"] == server.demo_email
    assert threads and not threads[0].startswith("uvicorn-"), threads


def test_a_shared_sqlite_file_is_in_wal_mode(tmp_path) -> None:
    """Workers on one file: readers must not wait for a writer, and a commit must not need its own fsync."""
    store = open_store(str(tmp_path / "auth.sqlite"))
    try:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # type: ignore[attr-defined]
    finally:
        store.close()


class _Dropped:
    """An object whose weakref callback runs the moment it is dropped: where a KeyboardInterrupt gets lost."""


def _raise_sigint_in_a_weakref_callback() -> None:
    dropped = _Dropped()
    ref = weakref.ref(dropped, lambda _: signal.raise_signal(signal.SIGINT))
    del dropped
    assert ref() is None


def test_ctrl_c_inside_a_weakref_callback_is_lost_as_keyboard_interrupt(monkeypatch) -> None:
    """Why `StopSignal` exists: Python's own handler raises KeyboardInterrupt there, and Python drops it."""
    unraisable: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda report: unraisable.append(report.exc_type))
    _raise_sigint_in_a_weakref_callback()  # no KeyboardInterrupt reaches this frame
    assert unraisable == [KeyboardInterrupt]


def test_ctrl_c_inside_a_weakref_callback_is_kept_by_the_stop_signal() -> None:
    with StopSignal().installed() as stop:
        _raise_sigint_in_a_weakref_callback()
        signal.raise_signal(signal.SIGTERM)
    assert stop.requested
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the previous handler is back"


async def _ok(scope: dict[str, object], receive: object, send: object) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]


def _serve_in_background(stop: StopSignal) -> tuple[threading.Thread, str]:
    sock = listening_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    options = {"lifespan": "off", "timeout_graceful_shutdown": 1}
    thread = threading.Thread(target=serve_on_socket, args=(_ok, sock), kwargs={"stop": stop, **options}, daemon=True)
    thread.start()
    return thread, url


def test_a_stop_requested_before_serving_serves_nothing() -> None:
    stop = StopSignal()
    stop.request()
    thread, url = _serve_in_background(stop)
    thread.join(15)
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


def test_a_stop_requested_while_serving_stops_the_server() -> None:
    stop = StopSignal()
    thread, url = _serve_in_background(stop)
    deadline = time.monotonic() + 15
    while True:
        try:
            assert httpx.get(url, timeout=2).text == "ok"
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.05)
    stop.request()
    thread.join(15)
    assert not thread.is_alive()

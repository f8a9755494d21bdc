"""Run ASGI apps with uvicorn: in a background thread (tests, embedded targets) or on a pre-bound socket with
one or more worker processes (`nextauth-conformance serve`)."""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from reference_server.header_deadline import header_deadline_protocol

__all__ = [
    "LazyApp",
    "ServerStartError",
    "StopSignal",
    "fast_loop_options",
    "listening_socket",
    "serve_in_thread",
    "serve_on_socket",
]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServerStartError(RuntimeError):
    """The server did not start listening in time (port in use, bad certificate, ...)."""


class LazyApp:
    """An ASGI app built by `factory(*args)` on its first request (or lifespan event) in the process serving it.

    Worker processes are spawned and get their app pickled: this pickles as the factory and its arguments only,
    so each worker opens its own database connections instead of inheriting the parent's.
    """

    def __init__(self, factory: Callable[..., Any], *args: Any) -> None:
        self.factory = factory
        self.args = args
        self._app: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"factory": self.factory, "args": self.args, "_app": None}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = self.factory(*self.args)
        await self._app(scope, receive, send)


class StopSignal:
    """Ctrl-C (SIGINT) or SIGTERM recorded as a request to stop, never raised as KeyboardInterrupt.

    A KeyboardInterrupt that lands while Python runs a weakref or `__del__` callback is printed as "Exception
    ignored" and dropped, so a Ctrl-C pressed in the moments before uvicorn installs its own handlers could be
    lost and the server would keep running. Installed before the first line is printed, this handler keeps the
    request; `serve_on_socket` hands it on to the server it starts.
    """

    def __init__(self) -> None:
        self.requested = False
        self._on_request: Callable[[], None] | None = None

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSignal]:
        """Handle SIGINT and SIGTERM in the main thread for the duration; the previous handlers come back after."""
        previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def on_request(self, callback: Callable[[], None]) -> None:
        """Run `callback` when a stop is requested, or now if one already was."""
        self._on_request = callback
        if self.requested:
            callback()

    def request(self) -> None:
        self.requested = True
        if self._on_request is not None:
            self._on_request()

    def _handle(self, signum: int, frame: object) -> None:
        self.request()


def fast_loop_options() -> dict[str, str]:
    """uvloop and httptools when installed (uvicorn[standard]), else the pure-Python asyncio and h11."""
    return {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
    }


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket to hand to uvicorn; raises OSError when the address cannot be bound.

    The explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on an accepted connection only when the listening
    socket's `proto` says TCP, and `socket.socket(family, SOCK_STREAM)` says 0. Without it every response (headers
    and body are two writes) waits for the client's delayed ACK: a fixed ~40 ms per request (Nagle). TCP_NODELAY on
    the listener as well, since Linux passes it on to the connections it accepts.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_on_socket(
    app: Any, sock: socket.socket, workers: int = 1, stop: StopSignal | None = None, **uvicorn_options: Any
) -> None:
    """Serve `app` on `sock` until SIGINT/SIGTERM; with `workers > 1` in that many spawned processes.

    `stop` (installed by the caller) carries a signal that came before uvicorn's own handlers: requested already,
    nothing is served; requested while uvicorn starts, it exits as soon as it has.

    Workers receive `app` pickled, so it must be picklable (build heavy state lazily in the worker). The HTTP
    protocol is the fast parser with the header deadline (reference_server/header_deadline.py).
    """
    fast = fast_loop_options()
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "loop": fast["loop"],
        "http": header_deadline_protocol(fast["http"]),
        **uvicorn_options,
    }
    # A worker busy with hundreds of queued sign-ins on a loaded machine can take longer than uvicorn's 5 s to
    # answer the supervisor's health ping; being killed as hung would drop every connection it holds.
    options.setdefault("timeout_worker_healthcheck", 60)
    config = uvicorn.Config(app, workers=workers, **options)
    stop = stop or StopSignal()
    if workers > 1:
        supervisor = Multiprocess(config, sockets=[sock])  # installs its own signal handlers here
        stop.on_request(supervisor.should_exit.set)
        supervisor.run()
        return
    server = uvicorn.Server(config)
    stop.on_request(lambda: setattr(server, "should_exit", True))  # seen by uvicorn before its main loop starts
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])


@contextlib.contextmanager
def serve_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = 15.0, **uvicorn_options: Any
) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) while `app` serves; port 0 picks a free port."""
    uvicorn_options.setdefault("timeout_graceful_shutdown", 2)  # idle keep-alive clients must not stall exit
    uvicorn_options.setdefault("http", header_deadline_protocol())  # half-sent headers must not hold a connection
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="auto", access_log=False, **uvicorn_options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ServerStartError(f"server on {host}:{port} did not start within {timeout:.0f}s")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if uvicorn_options.get("ssl_certfile") else "http"
    try:
        yield f"{scheme}://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)

"""Serve an ASGI app with uvicorn on a loopback port in a background thread (tests, embedded targets)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from reference_server.header_deadline import header_deadline_protocol

__all__ = ["ServerStartError", "serve_in_thread"]


class ServerStartError(RuntimeError):
    """The server did not start listening in time (port in use, bad certificate, ...)."""


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

"""A TLS terminator on loopback for the interop apps: what nginx or a load balancer does in production.

It accepts TLS on a free 127.0.0.1 port with the given certificate and forwards the decrypted bytes to the
app's plain HTTP port, unchanged both ways: it adds no header (no X-Forwarded-*), so the app knows it is
served over https only from its own configuration (``AUTH_URL=https://...``), as a deployment behind a
terminator that sets nothing does. It runs its own asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from mock_providers.tls import TlsFiles

try:
    from tests.interop.nextapps import RunningApp, running_app
except ImportError:  # tests/interop is on sys.path
    from nextapps import RunningApp, running_app

CHUNK = 65536
CONNECT_TIMEOUT = 10.0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes until EOF, then half-close the other side (HTTP keep-alive and streaming both work)."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class TlsProxy:
    """``https://127.0.0.1:{port}`` -> ``http://127.0.0.1:{upstream_port}``; the upstream may be set after start
    (the app's ``AUTH_URL`` must name the proxy's port before the app starts)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(str(cert), str(key))
        self.upstream_port: int | None = None
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="tls-proxy", daemon=True)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.upstream_port is None:
            client_writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.upstream_port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError):
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)

    def start(self) -> TlsProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=CONNECT_TIMEOUT)
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10.0)
        if not self._thread.is_alive():
            self._loop.close()


@contextlib.contextmanager
def tls_proxy(cert: Path, key: Path) -> Iterator[TlsProxy]:
    """A started :class:`TlsProxy`, stopped on exit."""
    proxy = TlsProxy(cert, key).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@contextlib.contextmanager
def app_behind_tls(app_name: str, ca: TlsFiles, env: Mapping[str, str | None]) -> Iterator[RunningApp]:
    """``app_name`` as production runs it: behind this proxy, with a certificate from ``ca``, its own idea of its
    origin (AUTH_URL, NEXTAUTH_URL, adapter-node's ORIGIN) the proxy's ``https://localhost:PORT``."""
    with (
        tls_proxy(ca.server_cert, ca.server_key) as proxy,
        running_app(app_name, env=env, origin=f"https://localhost:{proxy.port}") as app,
    ):
        proxy.upstream_port = app.port
        yield app

"""Run the mocks with uvicorn on one HTTP and one HTTPS port, in a background thread with its own loop."""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from .app import build_app
from .oidc import key_store
from .oidc.control import ControlPlane
from .oidc.provider import Provider
from .oidc.requestlog import RequestLog
from .one_write import one_write_protocol
from .options import MockOptions, build_providers, default_state_dir, vendor_name
from .smtp_inbox import Inbox, smtp_protocol
from .tls import TlsFiles, ensure_certificates

START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0


class StartupError(Exception):
    """The mocks could not start (port in use, bad option); the message is one line for the user."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it keep-alive responses (headers and body written apart)
    # stall ~40 ms on Nagle + delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use; pick another with --port/--https-port/--smtp-port"
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _fast_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (uvicorn[standard] brings it), else asyncio's default."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


@dataclass
class Listener:
    sock: socket.socket
    server: uvicorn.Server
    scheme: str

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


class MockServers:
    """Owns providers, control plane, listeners and the serving thread. ``start()`` / ``stop()``."""

    def __init__(self, options: MockOptions) -> None:
        self.options = options
        self.log = RequestLog()
        key_store.STORE.use(options.key_dir or default_state_dir())  # signing keys made once, then reused
        try:
            self.providers: dict[str, Provider] = build_providers(options, self.log)
        except (ValueError, TypeError) as exc:
            raise StartupError(str(exc)) from exc
        self.control = ControlPlane(self.providers, self.log, vendor_name)
        self.tls: TlsFiles | None = None
        self.listeners: list[Listener] = []
        self.inbox = Inbox()
        self.smtp_sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def _listener(self, port: int, tls: TlsFiles | None) -> Listener:
        sock = bind(self.options.host, port)
        app = build_app(
            self.providers,
            self.control,
            self.options.public_url,
            self.options.public_https_port,
            self.inbox if self.options.smtp_port is not None else None,
            self.smtp_url,
            lambda: self.tls,
        )
        config = uvicorn.Config(
            app,
            lifespan="on",
            http=one_write_protocol(),  # head and body of a response in one send
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
            ssl_certfile=str(tls.server_cert) if tls else None,
            ssl_keyfile=str(tls.server_key) if tls else None,
        )
        return Listener(sock, uvicorn.Server(config), "https" if tls else "http")

    def start(self) -> MockServers:
        self.listeners.append(self._listener(self.options.http_port, None))
        if self.options.smtp_starttls and self.options.https_port is None:
            self.close_sockets()
            raise StartupError("--smtp-starttls needs the HTTPS listener's certificate; drop --no-https")
        if self.options.smtp_port is not None:
            try:
                self.smtp_sock = bind(self.options.host, self.options.smtp_port)
            except StartupError:
                self.close_sockets()
                raise
        if self.options.https_port is not None:
            try:
                self.tls = ensure_certificates(self.options.state_dir or default_state_dir())
            except OSError as exc:
                self.close_sockets()
                raise StartupError(f"cannot write TLS files under the state dir: {exc}") from exc
            self.listeners.append(self._listener(self.options.https_port, self.tls))
        self._thread = threading.Thread(target=self._serve, name="mock-providers", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not all(lst.server.started for lst in self.listeners):
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise StartupError("the mock servers did not start within 15 s")
            time.sleep(0.01)
        return self

    def _serve(self) -> None:
        async def main() -> None:
            smtp = None
            if self.smtp_sock is not None:
                inbox, tls = self.inbox, self._smtp_tls()
                factory = lambda: smtp_protocol(inbox, tls)  # noqa: E731 - one protocol per connection
                smtp = await asyncio.get_running_loop().create_server(factory, sock=self.smtp_sock)
            try:
                await asyncio.gather(*(lst.server.serve(sockets=[lst.sock]) for lst in self.listeners))
            finally:
                if smtp is not None:
                    smtp.close()

        with asyncio.Runner(loop_factory=_fast_loop()) as runner:
            runner.run(main())

    def stop(self) -> None:
        for lst in self.listeners:
            lst.server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_SECONDS)
        self.close_sockets()

    def close_sockets(self) -> None:
        for lst in self.listeners:
            lst.sock.close()
        if self.smtp_sock is not None:
            self.smtp_sock.close()

    def _smtp_tls(self) -> ssl.SSLContext | None:
        if not self.options.smtp_starttls or self.tls is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.server_cert, self.tls.server_key)
        return context

    def smtp_url(self) -> str:
        """`smtp://127.0.0.1:PORT` of the mock inbox (what Nodemailer's `server` takes), or "" without one."""
        if self.smtp_sock is None or self.smtp_sock.fileno() < 0:
            return ""
        host = self.options.host if self.options.host not in ("0.0.0.0", "::") else "127.0.0.1"
        port = int(self.smtp_sock.getsockname()[1])
        return f"smtp://{'[' + host + ']' if ':' in host else host}:{port}"

    def base_url(self, scheme: str = "http") -> str:
        lst = next(lst for lst in self.listeners if lst.scheme == scheme)
        host = self.options.host if self.options.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{lst.port}"

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

"""Below httpx: a total deadline per request and a check that the port speaks HTTP at all.

httpx's timeouts bound each socket read, so a target that drips one byte a second never times out; and a port
that speaks another protocol (an SSH banner) leaves h11 waiting for headers that never come. The stream
wrapper here bounds every read by what is left of the request's deadline and looks at the first bytes a
connection sends: an HTTP/1.x answer starts with `HTTP/`.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

HTTP_PREFIX = b"HTTP/"
SLACK = 0.05  # a socket timeout cut to the deadline fires this close to it


class DeadlinePassed(httpcore.ReadTimeout):
    """The whole exchange took longer than the request's deadline."""


class NotHttp(httpcore.RemoteProtocolError):
    """The port answered with something that is not HTTP."""


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend whose streams honour `deadline` (a `time.monotonic()` value, or None)."""

    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()
        self.deadline: float | None = None
        self.total = 0.0

    def arm(self, seconds: float) -> None:
        self.deadline, self.total = time.monotonic() + seconds, seconds

    def disarm(self) -> None:
        self.deadline = None

    def bound(self, timeout: float | None) -> float | None:
        """`timeout` shortened to what is left before the deadline; `DeadlinePassed` when nothing is left."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= SLACK:
            raise DeadlinePassed(f"timed out: no complete answer within the {self.total:g} s request deadline")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(host, port, self.bound(timeout), local_address, socket_options)
        return DeadlineStream(stream, self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return DeadlineStream(self.inner.connect_unix_socket(path, self.bound(timeout), socket_options), self)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes stop at the backend's deadline; sniffs the first answer bytes."""

    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self.inner, self.backend = inner, backend
        self.first: bytes | None = b""  # the answer's first bytes until they are known to be HTTP

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = self.inner.read(max_bytes, self.backend.bound(timeout))
        except httpcore.ReadTimeout:
            self.backend.bound(None)  # DeadlinePassed when the deadline, not the read timeout, ran out
            raise
        if self.first is not None and data:
            self.first += data
            head = self.first[: len(HTTP_PREFIX)]
            if head != HTTP_PREFIX[: len(head)]:
                text = self.first[:60].decode("latin-1").strip()
                raise NotHttp(f"not an HTTP server: the port answered {text!r}")
            if len(head) == len(HTTP_PREFIX):
                self.first = None
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.bound(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return DeadlineStream(
            self.inner.start_tls(ssl_context, server_hostname, self.backend.bound(timeout)), self.backend
        )

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


def deadline_transport(
    *, verify: bool | ssl.SSLContext, retries: int = 1
) -> tuple[httpx.HTTPTransport, DeadlineBackend]:
    """An httpx transport whose connections use a `DeadlineBackend` (httpx offers no public hook for it)."""
    transport = httpx.HTTPTransport(retries=retries, verify=verify)
    backend = DeadlineBackend()
    transport._pool._network_backend = backend  # noqa: SLF001 - httpcore's pool takes the backend it was given
    return transport, backend

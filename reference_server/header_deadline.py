"""uvicorn HTTP protocols that close a connection whose request headers do not arrive in time.

uvicorn bounds only the idle time between requests (`timeout_keep_alive`, cancelled by the first byte), so a
client that connects and sends half a request line, or headers without the final blank line, holds a
connection forever. These subclasses start a deadline when the connection opens and again when a response
leaves the connection idle; if the headers of the next request are not complete by then, the connection is
closed without a response. Module-level classes, so a `--workers` config still pickles them by name.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEADER_TIMEOUT", "H11WithHeaderDeadline", "header_deadline_protocol"]

HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request line and headers, from connect or from the previous response."""


class _HeaderDeadline:
    """Mixin over a uvicorn protocol: arm on connect and when idle again, close if the headers are still due."""

    header_timeout: float = HEADER_TIMEOUT
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _header_timer: asyncio.TimerHandle | None = None

    def _waiting_for_headers(self) -> bool:
        raise NotImplementedError

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm_header_deadline()


class H11WithHeaderDeadline(_HeaderDeadline, H11Protocol):  # type: ignore[misc]  # transport types differ
    """h11: a request is due while h11 has not parsed a whole request line and header block."""

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE


def _httptools_class() -> type[Any] | None:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is an optional extra of uvicorn
        return None

    class HttpToolsWithHeaderDeadline(_HeaderDeadline, HttpToolsProtocol):  # type: ignore[misc]
        """httptools: a request is due from the deadline's start until `on_headers_complete`."""

        _headers_due = True

        def _waiting_for_headers(self) -> bool:
            return self._headers_due

        def _arm_header_deadline(self) -> None:
            self._headers_due = True
            super()._arm_header_deadline()

        def on_headers_complete(self) -> None:
            self._headers_due = False
            self._disarm_header_deadline()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            HttpToolsProtocol.on_response_complete(self)
            if self.timeout_keep_alive_task is not None:  # idle: no pipelined request is queued
                self._arm_header_deadline()

    HttpToolsWithHeaderDeadline.__qualname__ = HttpToolsWithHeaderDeadline.__name__
    return HttpToolsWithHeaderDeadline


HttpToolsWithHeaderDeadline = _httptools_class()


def header_deadline_protocol(http: str = "auto", header_timeout: float | None = None) -> type[Any]:
    """The protocol class for uvicorn's `http=` option: httptools when installed (as "auto" picks), else h11."""
    base: type[Any] = H11WithHeaderDeadline
    if http in ("auto", "httptools") and HttpToolsWithHeaderDeadline is not None:
        base = HttpToolsWithHeaderDeadline
    if header_timeout is None:
        return base
    return type(base.__name__, (base,), {"header_timeout": header_timeout})

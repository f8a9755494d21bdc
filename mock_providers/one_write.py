"""A uvicorn HTTP protocol that sends each response's head and body in one write.

uvicorn writes the status line and headers as soon as the app sends `http.response.start`, and the body on
`http.response.body`: two sends, so a keep-alive client on loopback is woken twice per response (with
TCP_NODELAY each is its own segment). The transport here gathers what one turn of the event loop writes and
sends it together at the end of that turn: a whole small response (every OAuth answer the mocks give) leaves in
one send, while a streamed body still goes out as it is produced.
"""

from __future__ import annotations

import asyncio
from typing import Any


class GatheringTransport:
    """Wraps a transport: `write` appends, and the appended bytes are sent once the loop's current turn ends."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if self._pending:
            data, self._pending = b"".join(self._pending), []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def one_write_protocol() -> type[Any] | str:
    """The httptools protocol with a gathering transport; "auto" when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "auto"

    class OneWriteHttpTools(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(GatheringTransport(transport, self.loop))  # type: ignore[arg-type]

    return OneWriteHttpTools

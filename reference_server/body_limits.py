"""ASGI middleware bounding what a request body may cost: its size and the time it takes to arrive.

Without it a 128 MB POST is read whole before the app's 64 KiB limit applies, and a request that declares a
body and never sends it holds its connection forever (uvicorn's keep-alive timeout does not cover a request
in progress). A declared Content-Length over the limit is refused unread (413); a chunked body is read only
up to the limit; a body not complete within the deadline gets 408. Each refusal closes the connection. The app
behind it receives the whole body in one message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BODY_TIMEOUT", "MAX_BODY_BYTES", "BodyLimits"]

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT = 10.0
"""Seconds from the first read to the end of the body."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _body_headers(scope: Scope) -> tuple[int | None, bool]:
    """(Content-Length, or -1 when it is not a number; whether the body is chunked)."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = int(value) if value.isdigit() else -1
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


class BodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _body_headers(scope)
        if not declared and not chunked:  # no body at all: nothing to bound, no cost on the hot GETs
            await self.app(scope, receive, send)
            return
        if declared == -1:
            await _refuse(send, 400, "Content-Length is not a number.")
            return
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, 413, f"Request body over {self.max_bytes} bytes.")
            return
        body = await self._read(receive, send)
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a refusal was sent (or the client left)."""
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        break
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            await _refuse(send, 408, f"Request body not received within {self.timeout:g} s.")
            return None
        await _refuse(send, 413, f"Request body over {self.max_bytes} bytes.")
        return None

"""A response-mutating ASGI middleware: the reference app, deliberately broken in one way per test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

Scope = dict[str, Any]


@dataclass
class Reply:
    """A buffered response a mutation may rewrite."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    scope: Scope

    def header(self, name: str) -> str | None:
        found = [v.decode() for k, v in self.headers if k.decode().lower() == name]
        return found[-1] if found else None

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.decode().lower() != name]
        if value is not None:
            self.headers.append((name.encode(), value.encode()))

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name.encode(), value.encode()))

    def map_cookies(self, func: Callable[[str], str | None]) -> None:
        kept = []
        for key, value in self.headers:
            if key.decode().lower() == "set-cookie":
                new = func(value.decode())
                if new is not None:
                    kept.append((key, new.encode()))
            else:
                kept.append((key, value))
        self.headers = kept

    def query(self, name: str) -> str | None:
        values = parse_qs(self.scope.get("query_string", b"").decode()).get(name)
        return values[0] if values else None

    def request_header(self, name: str) -> str | None:
        for key, value in self.scope.get("headers", []):
            if key.decode().lower() == name:
                return value.decode()
        return None


Mutation = Callable[[Reply], None]


class Mutator:
    """Wraps an ASGI app; `mutation(reply)` runs on every response whose path ends with `suffix` (or merely
    contains it, with `contains=True`)."""

    def __init__(
        self, app: Any, suffix: str, mutation: Mutation, *, method: str | None = None, contains: bool = False
    ) -> None:
        self.app, self.suffix, self.mutation, self.method, self.contains = app, suffix, mutation, method, contains

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        on_path = self.suffix in path if self.contains else path.endswith(self.suffix)
        applies = scope["type"] == "http" and on_path and (self.method is None or scope["method"] == self.method)
        if not applies:
            await self.app(scope, receive, send)
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._emit(scope, started, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _emit(self, scope: Scope, started: dict[str, Any], body: bytes, send: Any) -> None:
        reply = Reply(started["status"], list(started.get("headers", [])), body, scope)
        self.mutation(reply)
        reply.set_header("content-length", str(len(reply.body)))
        await send({"type": "http.response.start", "status": reply.status, "headers": reply.headers})
        await send({"type": "http.response.body", "body": reply.body})

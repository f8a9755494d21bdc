"""The reference server dressed as other Auth.js deployments, for the pass and fail tests of the checks that
judge them (the real apps are in tests/interop: authjs-sveltekit, authjs-v5 with database sessions).

`OriginGuard` is what @auth/sveltekit on SvelteKit does: the csrf action disabled (404, the csrf cookie deleted,
as @auth/core renders it with skipCSRFCheck) and cross-site form POSTs refused with 403 by Origin, as
@sveltejs/kit's `csrf.checkOrigin`; the app inside is built with the csrf-unchecked flaws (skipCSRFCheck).
Its `allow` set switches one part of the Origin check off, which the FLOW-024..027 fail tests use.

`OpaqueSessions` swaps the reference server's JWE session cookie for an opaque token in both directions, as a
database session strategy's cookie looks (the session itself stays server-side, in the reference server's store).
"""

from __future__ import annotations

import uuid
from typing import Any

Scope = dict[str, Any]
FORBIDDEN = b"Cross-site POST form submissions are forbidden"
CSRF_FLAWS = ("csrf-unchecked-credentials", "csrf-unchecked-signout", "csrf-unchecked-signin")
"""The reference server's flaws that together are @auth/core's skipCSRFCheck."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class OriginGuard:
    """SvelteKit's Origin check in front of an Auth.js app whose CSRF token check is skipped. `allow` holds what
    the guard lets through although it should not: "foreign-origin", "no-origin" (a broken or disabled check);
    "refuse-credentials" / "refuse-signout" make it refuse every POST to that action, same-origin ones too."""

    def __init__(self, app: Any, *, allow: frozenset[str] = frozenset()) -> None:
        self.app, self.allow = app, allow

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/csrf") and scope["method"] == "GET":
            await self._answer(send, 404, b"", [(b"set-cookie", b"authjs.csrf-token=; Max-Age=0; Path=/; HttpOnly")])
            return
        if scope["type"] == "http" and scope["method"] == "POST" and self._refuses(scope):
            await self._answer(send, 403, FORBIDDEN, [(b"content-type", b"text/plain")])
            return
        await self.app(scope, receive, send)

    def _refuses(self, scope: Scope) -> bool:
        path = scope["path"]
        if ("refuse-credentials" in self.allow and path.endswith("/callback/credentials")) or (
            "refuse-signout" in self.allow and path.endswith("/signout")
        ):
            return True
        origin = _header(scope, b"origin")
        own = f"{scope.get('scheme', 'http')}://{_header(scope, b'host')}"
        if origin is None:
            return "no-origin" not in self.allow
        return origin != own and "foreign-origin" not in self.allow

    @staticmethod
    async def _answer(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class OpaqueSessions:
    """Opaque session tokens outside, the reference server's JWE inside: a database strategy's cookie shape."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inside: dict[str, str] = {}  # opaque token -> JWE

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, self._inward(v) if k.lower() == b"cookie" else v) for k, v in scope.get("headers", [])]

        async def outward(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        (k, self._outward(v) if k.lower() == b"set-cookie" else v) for k, v in message["headers"]
                    ],
                }
            await send(message)

        await self.app({**scope, "headers": headers}, receive, outward)

    def _inward(self, cookie: bytes) -> bytes:
        parts = []
        for part in cookie.decode("latin-1").split("; "):
            name, _, value = part.partition("=")
            parts.append(f"{name}={self.inside.get(value, value)}" if "session-token" in name else part)
        return "; ".join(parts).encode("latin-1")

    def _outward(self, set_cookie: bytes) -> bytes:
        text = set_cookie.decode("latin-1")
        pair, sep, rest = text.partition(";")
        name, _, value = pair.partition("=")
        if "session-token" not in name or not value:
            return set_cookie
        token = str(uuid.uuid4())
        self.inside[token] = value
        return f"{name}={token}{sep}{rest}".encode("latin-1")

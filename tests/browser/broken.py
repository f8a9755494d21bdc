"""Deliberately broken targets: the reference app with its HTML rewritten on the way out.

Each breakage is one string replacement on the reference server's own page, so a failing check can only
be caused by the behaviour the replacement removes (targetOrigin, window.close, opener guard, csrf input).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Rewrite = Callable[[str], str]
Scope = dict[str, Any]

POST_WITH_ORIGIN = "try { if (target) { target.postMessage(message, targetOrigin); } } catch (e) {}"
LEAK = ("message.data = {accessToken: 'ya29.leaked-access-token', refreshToken: '1//leaked-refresh', "
        "code: '4/leaked-code'}; if (target) { target.postMessage(message, '*'); }")
STAR_NO_SECRETS = "if (target) { target.postMessage(message, '*'); }"
THROW_WITHOUT_OPENER = "window.opener.postMessage(message, targetOrigin);"
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfToken" value="[^"]*"/>')


def replace(old: str, new: str) -> Rewrite:
    """Replace `old` with `new`; pages without the anchor pass through (redirects, other callback pages)."""

    def rewrite(html: str) -> str:
        if old in html:
            return html.replace(old, new)
        return html

    return rewrite


BREAKAGES: dict[str, tuple[str, Rewrite]] = {
    "leaks-token-to-star": ("/callback/", replace(POST_WITH_ORIGIN, LEAK)),
    "posts-to-star": ("/callback/", replace(POST_WITH_ORIGIN, STAR_NO_SECRETS)),
    "never-closes": ("/callback/", replace("window.close();", "")),
    "throws-without-opener": ("/callback/", replace(POST_WITH_ORIGIN, THROW_WITHOUT_OPENER)),
    "signin-without-csrf": ("/signin", lambda html: CSRF_INPUT.sub("", html)),
    "signout-without-csrf": ("/signout", lambda html: CSRF_INPUT.sub("", html)),
}


class RewriteHtml:
    """ASGI middleware: buffer text/html responses whose path contains `path_part` and rewrite the body."""

    def __init__(self, app: Any, path_part: str, rewrite: Rewrite) -> None:
        self.app, self.path_part, self.rewrite = app, path_part, rewrite

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.path_part not in scope["path"]:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._flush(start, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _flush(self, start: dict[str, Any], body: bytes, send: Any) -> None:
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = dict(headers).get(b"content-type", b"")
        if content_type.startswith(b"text/html"):
            body = self.rewrite(body.decode("utf-8")).encode("utf-8")
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

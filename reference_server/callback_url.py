"""callbackUrl validation and the default `redirect` callback (Auth.js lib/utils/callback-url.ts, assert.ts).

Order: the body's or query's callbackUrl, then the callback-url cookie, then the origin. A value that is not
`/relative` or absolute http(s) is a configuration error (never reflected). A relative value is joined to the
origin; an absolute value on another origin is replaced by the origin. A value holding a character that
cannot travel in a Location header (controls, tab, anything above U+00FF) is refused before any action runs:
Auth.js only notices when `Headers.set("Location")` throws, after the sign-in's side effects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "InvalidCallbackUrl",
    "ResolvedCallbackUrl",
    "UnsendableCallbackUrl",
    "is_sendable",
    "is_valid_http_url",
    "resolve_callback_url",
    "same_origin_or_base",
]

_NOT_IN_A_HEADER = re.compile(r"[\x00-\x1f\x7f\u0100-\U0010ffff]")


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def is_valid_http_url(url: str) -> bool:
    """True for `/relative` and absolute http(s) URLs with a host, as `isValidHttpUrl` decides."""
    return url.startswith("/") or _origin_of(url) is not None


def is_sendable(url: str) -> bool:
    """False when `url` holds a character no Location header can carry."""
    return not _NOT_IN_A_HEADER.search(url)


def same_origin_or_base(url: str, origin: str) -> str:
    """The default `redirect` callback: keep same-origin targets, send everything else to the origin."""
    if url.startswith("/"):
        return origin + url  # joined as a string, so "//evil.example" becomes a path on our origin
    return url if _origin_of(url) == origin else origin


@dataclass(frozen=True)
class ResolvedCallbackUrl:
    url: str
    cookie_value: str | None  # a new callback-url cookie value, or None when the cookie already holds it


class InvalidCallbackUrl(ValueError):
    """The callbackUrl is neither `/relative` nor absolute http(s)."""


class UnsendableCallbackUrl(ValueError):
    """The callbackUrl holds a character no Location header may carry (CR, LF, NUL, tab, U+0100 and up)."""


def resolve_callback_url(param: str | None, cookie: str | None, origin: str) -> ResolvedCallbackUrl:
    """Pick, validate and sanitise the callback URL; raise InvalidCallbackUrl or UnsendableCallbackUrl."""
    for candidate in (param, cookie):
        if candidate and not is_valid_http_url(candidate):  # empty values are absent, as in assert.ts
            raise InvalidCallbackUrl(candidate)
    for candidate in (param, cookie):
        if candidate and not is_sendable(candidate):
            raise UnsendableCallbackUrl(repr(candidate))
    chosen = param or cookie or origin
    url = same_origin_or_base(chosen, origin)
    return ResolvedCallbackUrl(url, None if url == cookie else url)

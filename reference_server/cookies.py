"""Auth.js v5 cookies: names, attributes, serialisation and session-token chunking.

Set-Cookie lines are written the way @auth/core's vendored `cookie.serialize` writes them (values through
`encodeURIComponent`, so `|` travels as `%7C`; attribute order Max-Age, Path, Expires, HttpOnly, Secure,
SameSite), so a client that compares bytes with a real Auth.js app sees no difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, unquote

__all__ = [
    "CHUNK_SIZE",
    "CookieNames",
    "ResponseCookie",
    "chunk_session",
    "cookie_names",
    "parse_cookie_header",
    "read_session",
]

CHUNK_SIZE = 4096 - 160
CHECK_COOKIE_TTL = 15 * 60
_CHUNK_SUFFIX = re.compile(r"\.(\d{1,6})$")  # a longer index is no chunk of ours (and int() of 5000 digits raises)


@dataclass(frozen=True)
class CookieNames:
    """The cookie names of one deployment; `secure` also decides the Secure attribute."""

    secure: bool
    session: str
    callback_url: str
    csrf: str
    pkce: str
    state: str
    nonce: str
    challenge: str


def cookie_names(secure: bool) -> CookieNames:
    """`__Secure-` on every cookie and `__Host-` on the csrf cookie when served over https."""
    prefix = "__Secure-" if secure else ""
    return CookieNames(
        secure=secure,
        session=f"{prefix}authjs.session-token",
        callback_url=f"{prefix}authjs.callback-url",
        csrf=f"{'__Host-' if secure else ''}authjs.csrf-token",
        pkce=f"{prefix}authjs.pkce.code_verifier",
        state=f"{prefix}authjs.state",
        nonce=f"{prefix}authjs.nonce",
        challenge=f"{prefix}authjs.challenge",
    )


def _encode_uri_component(value: str) -> str:
    return quote(value, safe="-_.!~*'()")


@dataclass
class ResponseCookie:
    """One Set-Cookie line. `max_age=0` with an empty value clears a cookie, as Auth.js does."""

    name: str
    value: str
    secure: bool
    max_age: int | None = None
    expires: datetime | None = None
    same_site: str = "Lax"
    attributes: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        parts = [f"{self.name}={_encode_uri_component(self.value)}"]
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        parts.append("Path=/")
        if self.expires is not None:
            parts.append(f"Expires={format_datetime(self.expires, usegmt=True)}")
        parts.append("HttpOnly")
        if self.secure:
            parts.append("Secure")
        parts.append(f"SameSite={self.same_site}")
        return "; ".join(parts)

    @classmethod
    def clearing(cls, name: str, secure: bool) -> ResponseCookie:
        return cls(name, "", secure, max_age=0)

    @classmethod
    def expiring(cls, name: str, value: str, secure: bool, seconds: int, with_max_age: bool) -> ResponseCookie:
        """A cookie that lives `seconds`: session and nonce cookies carry only Expires, checks both."""
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        return cls(name, value, secure, max_age=seconds if with_max_age else None, expires=expires)


def parse_cookie_header(header: str) -> dict[str, str]:
    """Cookie header -> {name: decoded value}; the first occurrence of a name wins, as in Auth.js."""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if not sep or not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        try:
            cookies[name] = unquote(value, errors="strict")
        except UnicodeDecodeError:
            cookies[name] = value
    return cookies


def _chunk_names(cookies: Mapping[str, str], name: str) -> list[str]:
    found = [key for key in cookies if key == name or (key.startswith(name + ".") and _CHUNK_SUFFIX.search(key))]
    return sorted(found, key=lambda key: int(m.group(1)) if (m := _CHUNK_SUFFIX.search(key)) else 0)


def read_session(cookies: Mapping[str, str], name: str) -> tuple[str, list[str]]:
    """The session token reassembled from `name`, `name.0`, `name.1`…, and the cookie names it used."""
    names = _chunk_names(cookies, name)
    return "".join(cookies[key] for key in names), names


def chunk_session(name: str, token: str, existing: Iterable[str], secure: bool, max_age: int) -> list[ResponseCookie]:
    """Cookies that store `token`, clearing chunks that the new layout no longer uses."""
    if len(token) <= CHUNK_SIZE:
        wanted = {name: token}
    else:
        pieces = [token[i : i + CHUNK_SIZE] for i in range(0, len(token), CHUNK_SIZE)]
        wanted = {f"{name}.{index}": piece for index, piece in enumerate(pieces)}
    cleared = [ResponseCookie.clearing(old, secure) for old in existing if old not in wanted]
    written = [
        ResponseCookie.expiring(key, value, secure, max_age, with_max_age=False) for key, value in wanted.items()
    ]
    return cleared + written

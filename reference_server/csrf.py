"""Double-submit CSRF tokens, as @auth/core `lib/actions/callback/oauth/csrf-token.ts` makes them.

The cookie holds `token|sha256hex(token + secret)`. A cookie whose hash verifies is trusted and its token is
reused (no new Set-Cookie); anything else gets a fresh 32-byte token. A POST is verified when its body's
`csrfToken` equals the trusted cookie's token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = ["CsrfState", "csrf_state", "token_hash"]


def token_hash(token: str, secret: str) -> str:
    return hashlib.sha256(f"{token}{secret}".encode()).hexdigest()


@dataclass(frozen=True)
class CsrfState:
    token: str
    cookie_value: str | None  # a new cookie to set, or None when the request's cookie was trusted
    verified: bool


def csrf_state(cookie_value: str | None, secret: str, body_token: str | None, is_post: bool) -> CsrfState:
    """`secret` is the comma-joined secret list, because Auth.js formats the list into a string."""
    if cookie_value and "|" in cookie_value:
        token, _, digest = cookie_value.partition("|")
        if token and hmac.compare_digest(digest, token_hash(token, secret)):
            verified = is_post and body_token is not None and hmac.compare_digest(body_token, token)
            return CsrfState(token, None, verified)
    token = secrets.token_hex(32)
    return CsrfState(token, f"{token}|{token_hash(token, secret)}", False)

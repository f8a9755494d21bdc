"""Rules several check families apply: the cookie attributes every auth cookie needs and what a stack trace in
a body looks like. Kept here so check modules import shared helpers, never each other."""

from __future__ import annotations

import re

from harness.client import Exchange
from harness.cookies import SetCookie

STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\n\s+at [\w.<>]+ \(?[^\s)]+:\d+:\d+\)?"
    r"|node_modules/|webpack-internal:|Exception in ASGI application",
    re.IGNORECASE,
)


def cookie_flag_problems(cookie: SetCookie, *, secure: bool, host_prefix: bool = False) -> list[str]:
    """Attribute problems per Auth.js defaults and RFC 6265bis prefixes."""
    problems = []
    if not cookie.has("httponly"):
        problems.append("no HttpOnly")
    if (cookie.get("path") or "") != "/":
        problems.append(f"Path={cookie.get('path')!r}, not /")
    if (cookie.get("samesite") or "").lower() not in ("lax", "strict"):
        problems.append(f"SameSite={cookie.get('samesite')!r}, not Lax/Strict")
    if secure and not cookie.has("secure"):
        problems.append("no Secure on https")
    if secure and host_prefix and not cookie.name.startswith("__Host-"):
        problems.append("no __Host- prefix on https")
    if cookie.name.startswith("__Host-") and (cookie.has("domain") or not cookie.has("secure")):
        problems.append("__Host- cookie with Domain or without Secure")
    if cookie.name.startswith("__Secure-") and not cookie.has("secure"):
        problems.append("__Secure- cookie without Secure")
    return problems


def cookie_problems(exchanges: list[Exchange], *, secure: bool) -> dict[str, list[str]]:
    """SEC-004's rule over every Set-Cookie of `exchanges` (a clearing cookie carries nothing to protect)."""
    problems = {}
    for exchange in exchanges:
        for cookie in exchange.set_cookies:
            issues = [] if cookie.clears else cookie_flag_problems(cookie, secure=secure)
            if issues:
                problems[cookie.name] = issues
    return problems

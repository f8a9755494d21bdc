"""The double-submit CSRF token: format, cookie consistency, reuse, forgery and cookie attributes."""

from __future__ import annotations

import hashlib
import re

from harness.checks._common import expect, requires_secret
from harness.checks._rules import cookie_flag_problems
from harness.client import Exchange
from harness.context import CheckContext
from harness.cookies import SetCookie
from harness.findings import Severity
from harness.registry import check

TOKEN = re.compile(r"^[0-9a-f]{64}$")


def fresh_csrf(ctx: CheckContext) -> tuple[Exchange, str, SetCookie]:
    """GET csrf with no cookie: the exchange, the body token and the csrf Set-Cookie (fails if absent)."""
    exchange = ctx.client.action("csrf")
    body = exchange.json()
    token = body.get("csrfToken") if isinstance(body, dict) else None
    expect(
        isinstance(token, str) and token,
        "csrf body has no csrfToken",
        expected={"csrfToken": "<token>"},
        exchange=exchange,
    )
    cookie = exchange.cookie("csrf-token")
    expect(
        cookie is not None and not cookie.clears,
        "csrf did not set the CSRF cookie",
        expected=f"Set-Cookie: {ctx.profile.cookie_prefix}.csrf-token=<token>|<hash>",
        exchange=exchange,
    )
    assert cookie is not None and isinstance(token, str)
    return exchange, token, cookie


@check(
    "CSRF-001",
    title="csrfToken is 64 lowercase hex characters",
    clause="AUTHJS-csrf",
    severity=Severity.MEDIUM,
    family="csrf",
    action="csrf",
)
def token_is_64_hex(ctx: CheckContext) -> None:
    exchange, token, _ = fresh_csrf(ctx)
    expect(
        TOKEN.match(token),
        "csrfToken is not 32 random bytes in hex",
        expected="64 chars [0-9a-f]",
        exchange=exchange,
        received=token,
    )


@check(
    "CSRF-002",
    title="CSRF cookie is token|hash and its token equals the body's",
    clause="AUTHJS-csrf",
    severity=Severity.HIGH,
    family="csrf",
    action="csrf",
)
def cookie_matches_body(ctx: CheckContext) -> None:
    exchange, token, cookie = fresh_csrf(ctx)
    cookie_token, sep, digest = cookie.decoded.partition("|")
    expect(
        sep and cookie_token == token and re.fullmatch(r"[0-9a-f]{64}", digest),
        "CSRF cookie is not '<body token>|<sha256 hex>'",
        expected=f"{token}|<64 hex>",
        exchange=exchange,
        received=cookie.decoded,
    )


@check(
    "CSRF-003",
    title="CSRF cookie hash is sha256(token + secret)",
    clause="AUTHJS-csrf",
    severity=Severity.HIGH,
    family="csrf",
    action="csrf",
)
@requires_secret
def cookie_hash_uses_secret(ctx: CheckContext) -> None:
    exchange, token, cookie = fresh_csrf(ctx)
    wanted = hashlib.sha256(f"{token}{ctx.inputs.secret}".encode()).hexdigest()
    expect(
        cookie.decoded.partition("|")[2] == wanted,
        "CSRF cookie hash does not bind the token to the secret",
        expected=f"{token}|{wanted}",
        exchange=exchange,
        received=cookie.decoded,
    )


@check(
    "CSRF-004",
    title="A valid CSRF cookie is reused: same token, no new cookie",
    clause="AUTHJS-csrf",
    severity=Severity.MEDIUM,
    family="csrf",
    action="csrf",
)
def valid_cookie_is_reused(ctx: CheckContext) -> None:
    _, token, cookie = fresh_csrf(ctx)
    again = ctx.client.action("csrf", cookies={cookie.name: cookie.value})
    body = again.json()
    echoed = body.get("csrfToken") if isinstance(body, dict) else None
    reissued = again.cookie("csrf-token")
    expect(
        echoed == token and reissued is None,
        "a valid CSRF cookie was not reused",
        expected={"csrfToken": token, "csrf Set-Cookie": None},
        exchange=again,
        received={"csrfToken": echoed, "csrf Set-Cookie": reissued.raw if reissued else None},
    )


@check(
    "CSRF-005",
    title="A forged CSRF cookie (wrong hash) is not trusted",
    clause="AUTHJS-csrf",
    severity=Severity.HIGH,
    family="csrf",
    action="csrf",
    tags=("security",),
)
def forged_cookie_is_replaced(ctx: CheckContext) -> None:
    _, _, cookie = fresh_csrf(ctx)
    forged_token = "f" * 64
    forged = f"{forged_token}%7C{'0' * 64}"
    again = ctx.client.action("csrf", cookies={cookie.name: forged})
    body = again.json()
    echoed = body.get("csrfToken") if isinstance(body, dict) else None
    expect(
        echoed != forged_token and again.cookie("csrf-token") is not None,
        "a CSRF cookie with a wrong hash was accepted",
        expected="a new token and a new CSRF cookie",
        exchange=again,
        received={"csrfToken": echoed},
    )


@check(
    "CSRF-006",
    title="CSRF cookie is HttpOnly, Path=/, SameSite, and __Host-/Secure on https",
    clause="RFC6265BIS-4.1.3",
    severity=Severity.HIGH,
    family="csrf",
    action="csrf",
    tags=("security",),
)
def cookie_attributes(ctx: CheckContext) -> None:
    exchange, _, cookie = fresh_csrf(ctx)
    problems = cookie_flag_problems(cookie, secure=ctx.client.secure, host_prefix=True)
    expect(
        not problems,
        "CSRF cookie attributes are weak",
        expected="HttpOnly; Path=/; SameSite=Lax"
        + ("; Secure; __Host- prefix; no Domain" if ctx.client.secure else ""),
        exchange=exchange,
        received={"cookie": cookie.raw, "problems": problems},
    )

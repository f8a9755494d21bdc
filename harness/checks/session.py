"""The session action: the empty body per profile, the signed-in shape, stale cookies, no secrets leaked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import spec
from harness.checks._common import expect, session_schema_errors
from harness.client import Exchange
from harness.context import CheckContext
from harness.cookies import cookie_name
from harness.findings import NotApplicable, Severity
from harness.registry import check

SECRET_PATTERNS = {
    "bcrypt hash": re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"),
    "argon2 hash": re.compile(r"\$argon2(id|i|d)\$"),
    "pbkdf2 hash": re.compile(r"(pbkdf2[_:-]?sha\d*\$|\$pbkdf2(-sha\d+)?\$)", re.IGNORECASE),
    "scrypt hash": re.compile(r"(\$scrypt\$|\$7\$[./A-Za-z0-9]{11,})"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    "JWE": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
}


def signed_in_session(ctx: CheckContext) -> tuple[Exchange, Any]:
    """GET session with the session cookies; N/A when the target refuses a minted cookie."""
    state = ctx.session()
    exchange = ctx.client.action("session", cookies=state.cookies)
    body = exchange.json()
    if state.how == "minted" and (not isinstance(body, dict) or "user" not in body):
        raise NotApplicable(
            "the target did not accept a session cookie minted with --secret "
            "(it may check a session store); pass --credentials instead"
        )
    expect(
        isinstance(body, dict) and "user" in body,
        "signing in gave no session",
        expected="{user: {...}}",
        exchange=exchange,
        received=body,
    )
    return exchange, body


@check(
    "SESS-001",
    title="No session cookie gives the profile's empty session ({} or null)",
    clause="DOC-session",
    severity=Severity.HIGH,
    family="session",
    action="session",
)
def empty_without_cookie(ctx: CheckContext) -> None:
    exchange = ctx.client.action("session")
    body = exchange.json()
    expect(
        exchange.status == 200 and body == ctx.profile.empty_session,
        "anonymous session body is wrong",
        expected={"status": 200, "body": ctx.profile.empty_session},
        exchange=exchange,
        received={"status": exchange.status, "body": body},
    )


@check(
    "SESS-002",
    title="Signed-in session matches the documented schema (fields, formats, enums, nullables)",
    clause="DOC-session-user",
    severity=Severity.HIGH,
    family="session",
    action="session",
)
def signed_in_matches_schema(ctx: CheckContext) -> None:
    exchange, body = signed_in_session(ctx)
    errors = session_schema_errors(ctx, body)
    expect(
        not errors,
        "signed-in session violates the schema",
        expected=str(ctx.profile.session_schema)[:80],
        exchange=exchange,
        received=errors[:8],
    )


@check(
    "SESS-003",
    title="Signed-in session carries every documented user field",
    clause="DOC-session-user",
    severity=Severity.ADVISORY,
    family="session",
    action="session",
)
def documented_fields_present(ctx: CheckContext) -> None:
    exchange, body = signed_in_session(ctx)
    documented = spec.schema("AuthSessionUser")["properties"]
    user = body.get("user") or {}
    legacy = {"premium_trial_end", "premium_trial_confirmed", "premium_trial_effective_date", "proToken"}
    client_only = set() if user.get("user_type") == "client" else {"clientId", "contactId"}
    missing = sorted(set(documented) - legacy - client_only - set(user))
    missing += [k for k in ("session_id", "login_method") if k not in body]
    expect(
        not missing,
        "documented session fields are missing",
        expected=sorted(documented),
        exchange=exchange,
        received={"missing": missing},
    )


@check(
    "SESS-004",
    title="Session `expires` is an ISO 8601 time in the future",
    clause="AUTHJS-session-expires",
    severity=Severity.MEDIUM,
    family="session",
    action="session",
)
def expires_in_future(ctx: CheckContext) -> None:
    exchange, body = signed_in_session(ctx)
    raw = body.get("expires")
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        ok = when.tzinfo is not None and when > datetime.now(UTC)
    except ValueError:
        ok = False
    expect(
        ok,
        "session expires is not a future ISO 8601 time",
        expected="e.g. 2030-01-01T00:00:00.000Z",
        exchange=exchange,
        received=raw,
    )


@check(
    "SESS-005",
    title="A stale session cookie gives the empty session and is cleared (Max-Age=0)",
    clause="AUTHJS-session-clear",
    severity=Severity.MEDIUM,
    family="session",
    action="session",
)
def stale_cookie_cleared(ctx: CheckContext) -> None:
    name = cookie_name("session-token", prefix=ctx.profile.cookie_prefix, secure=ctx.client.secure)
    exchange = ctx.client.action("session", cookies={name: "conformance-stale-session-value"})
    body = exchange.json()
    cleared = exchange.cookie("session-token")
    expect(
        body == ctx.profile.empty_session and cleared is not None and cleared.clears,
        "a stale session cookie was not cleared",
        expected={"body": ctx.profile.empty_session, "Set-Cookie": f"{name}=; Max-Age=0"},
        exchange=exchange,
        received={"body": body, "Set-Cookie": cleared.raw if cleared else None},
    )


@check(
    "SESS-006",
    title="Session JSON leaks no secrets (password hashes, raw JWT/JWE)",
    clause="OWASP-sensitive-data",
    severity=Severity.CRITICAL,
    family="session",
    action="session",
    tags=("security",),
)
def no_secrets_in_session(ctx: CheckContext) -> None:
    exchange, _ = signed_in_session(ctx)
    leaks = {
        label: match.group(0)[:24] + "..."
        for label, pattern in SECRET_PATTERNS.items()
        if (match := pattern.search(exchange.text))
    }
    expect(
        not leaks,
        "the session body carries secret material",
        expected="no hashes or tokens",
        exchange=exchange,
        received=leaks,
    )

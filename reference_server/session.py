"""The session: what goes into the JWE at sign-in, what `GET session` answers, and when it ends.

Claims follow AlgaPSA's `jwt` callback and the body its `session` callback (research/algapsa.md section 3):
`{user: {...documented fields}, expires, session_id, login_method}`. A cookie that does not decrypt, has expired,
or whose `sessions` row is missing, revoked or belongs to someone else is no session: `{}` and the cookie cleared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reference_server import jwe
from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import ResponseCookie, chunk_session, read_session
from reference_server.store import User

__all__ = ["NO_STORE", "current_claims", "session_action", "start_session", "tenant_slug"]

NO_STORE = {"Cache-Control": "private, no-cache, no-store", "Expires": "0", "Pragma": "no-cache"}
DEFAULT_IMAGE = "/image/avatar-purple-big.png"
_USER_FIELDS = (
    "id",
    "email",
    "name",
    "username",
    "image",
    "proToken",
    "tenant",
    "tenantSlug",
    "user_type",
    "clientId",
    "contactId",
    "plan",
    "addons",
    "trial_end",
    "subscription_status",
    "solo_pro_trial_end",
)
_NULLABLE = frozenset({"trial_end", "subscription_status", "solo_pro_trial_end"})


def tenant_slug(tenant: str) -> str:
    """AlgaPSA `buildTenantPortalSlug`: first 6 and last 6 hex digits of the dash-less tenant UUID."""
    compact = tenant.replace("-", "").lower()
    return compact[:6] + compact[-6:]


def build_claims(
    ctx: AuthContext, user: User, login_method: str, session_id: str, picture: str | None = None
) -> dict[str, Any]:
    tenant = ctx.store.tenant(user.tenant)
    claims: dict[str, Any] = {
        "sub": user.user_id,
        "id": user.user_id,
        "email": user.email,
        "name": user.display_name,
        "picture": picture or user.icon or DEFAULT_IMAGE,
        "username": user.username,
        "proToken": "",
        "tenant": user.tenant,
        "tenantSlug": tenant_slug(user.tenant),
        "user_type": user.user_type,
        "clientId": ctx.store.client_id_of(user),
        "contactId": user.contact_id,
        "plan": tenant.plan if tenant else None,
        "addons": list(tenant.addons) if tenant else [],
        "trial_end": tenant.trial_end if tenant else None,
        "subscription_status": tenant.subscription_status if tenant else None,
        "solo_pro_trial_end": tenant.solo_pro_trial_end if tenant else None,
        "session_id": session_id,
        "login_method": login_method,
    }
    return {key: value for key, value in claims.items() if value is not None or key in _NULLABLE}


def _session_cookies(ctx: AuthContext, claims: dict[str, Any], existing: list[str]) -> list[ResponseCookie]:
    payload = {k: v for k, v in claims.items() if k not in ("iat", "exp", "jti")}
    token = jwe.encode(payload, ctx.settings.secrets(), ctx.names.session, ctx.settings.session_max_age)
    return chunk_session(ctx.names.session, token, existing, ctx.names.secure, ctx.settings.session_max_age)


def start_session(ctx: AuthContext, user: User, login_method: str, picture: str | None = None) -> AuthResult:
    """Insert the `sessions` row, set the session cookie and send the browser to the callback URL."""
    expires = datetime.now(UTC) + timedelta(seconds=ctx.settings.session_max_age)
    session_id = ctx.store.create_session(
        user, login_method, ctx.client_ip, ctx.headers.get("user-agent"), expires.isoformat()
    )
    claims = build_claims(ctx, user, login_method, session_id, picture)
    _, existing = read_session(ctx.cookies, ctx.names.session)
    cookies = ctx.init_cookies + _session_cookies(ctx, claims, existing)
    return AuthResult(status=302, redirect=ctx.callback.url, cookies=cookies)


def current_claims(ctx: AuthContext) -> tuple[dict[str, Any] | None, list[str]]:
    """The live session's claims (or None) and the cookie names that carried it."""
    token, names = read_session(ctx.cookies, ctx.names.session)
    if not token:
        return None, names
    try:
        claims = jwe.decode(token, ctx.settings.secrets(), ctx.names.session)
    except jwe.InvalidToken:
        return None, names
    if ctx.settings.has_flaw("check-cookie-as-session") and "value" in claims:
        return claims, names  # one key for every JWE and no claim checks: a check cookie is a session
    required = ("tenant", "session_id", "sub", "user_type")
    if any(not isinstance(claims.get(key), str) for key in required) or claims["user_type"] not in (
        "internal",
        "client",
    ):
        return None, names
    active = ctx.store.session_is_active(claims["tenant"], claims["session_id"], claims["sub"], claims["user_type"])
    return (claims if active else None), names


def session_body(claims: dict[str, Any], expires: datetime) -> dict[str, Any]:
    user = {key: claims[key] for key in _USER_FIELDS if key in claims and key != "image"}
    user["image"] = claims.get("picture")
    user = {key: user[key] for key in _USER_FIELDS if key in user and (user[key] is not None or key in _NULLABLE)}
    body: dict[str, Any] = {"user": user, "expires": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    for key in ("session_id", "login_method"):
        if key in claims:
            body[key] = claims[key]
    return body


def session_action(ctx: AuthContext) -> AuthResult:
    """GET session: `{}` without a live session (stale cookies cleared), else the session, cookie refreshed."""
    bearer = ctx.headers.get("authorization", "")
    if ctx.settings.has_flaw("bearer-crash") and bearer.startswith("Bearer"):
        header, *_ = bearer.split(" ", 1)[1].split(".")  # GHSA-xmf8-cvqr-rfgj: getToken() split an unchecked header
        raise ValueError(f"malformed bearer token {header[:8]!r}")
    claims, names = current_claims(ctx)
    if claims is None:
        cleared = [ResponseCookie.clearing(name, ctx.names.secure) for name in names]
        return AuthResult(body={}, headers=dict(NO_STORE), cookies=ctx.init_cookies + cleared)
    expires = datetime.now(UTC) + timedelta(seconds=ctx.settings.session_max_age)
    cookies = ctx.init_cookies + _session_cookies(ctx, claims, names)
    return AuthResult(body=session_body(claims, expires), headers=dict(NO_STORE), cookies=cookies)

"""`GET webauthn-options`: registration or authentication options and the challenge cookie.

Follows @auth/core `lib/actions/webauthn-options.ts`: the ceremony comes from `action` (register |
authenticate | absent) and whether the user is known; the challenge is sealed in a check cookie the way Auth.js
seals it (inner JWE with salt "encodedWebauthnChallenge", outer `{value, provider}` JWE with the cookie name).
When WebAuthn is disabled the action is unavailable: 404, as the API page documents.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from reference_server import jwe
from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import CHECK_COOKIE_TTL, ResponseCookie
from reference_server.errors import InvalidProvider
from reference_server.session import current_claims

__all__ = ["webauthn_options_action"]

_CHALLENGE_SALT = "encodedWebauthnChallenge"
_TIMEOUT_MS = 300_000
_ALGORITHMS = (-8, -7, -257)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bad_request(message: str) -> AuthResult:
    return AuthResult(status=400, body={"error": message})


def _ceremony(requested: str | None, logged_in: bool, known_email: bool | None) -> str | None:
    if requested == "authenticate":
        return "authenticate"
    if requested == "register":
        return "register" if logged_in or known_email is False else None
    if not logged_in:
        return "register" if known_email is False else "authenticate"
    return None


def _options(ctx: AuthContext, ceremony: str, challenge: str, user: dict[str, str] | None) -> dict[str, Any]:
    hostname = ctx.host.split(":")[0] if not ctx.host.startswith("[") else ctx.host.split("]")[0] + "]"
    if ceremony == "authenticate":
        return {"rpId": hostname, "challenge": challenge, "timeout": _TIMEOUT_MS, "userVerification": "preferred"}
    assert user is not None
    return {
        "challenge": challenge,
        "rp": {"name": ctx.host, "id": hostname},
        "user": {"id": _b64url(user["id"].encode()), "name": user["email"], "displayName": user["name"]},
        "pubKeyCredParams": [{"alg": alg, "type": "public-key"} for alg in _ALGORITHMS],
        "timeout": _TIMEOUT_MS,
        "attestation": "none",
        "excludeCredentials": [],
        "authenticatorSelection": {
            "residentKey": "preferred",
            "userVerification": "preferred",
            "requireResidentKey": False,
        },
        "extensions": {"credProps": True},
    }


def _challenge_cookie(
    ctx: AuthContext, provider_id: str, challenge: str, user: dict[str, str] | None
) -> ResponseCookie:
    secrets_ = ctx.settings.secrets()
    inner = jwe.encode({"challenge": challenge, "registerData": user}, secrets_, _CHALLENGE_SALT, CHECK_COOKIE_TTL)
    sealed = jwe.encode({"value": inner, "provider": provider_id}, secrets_, ctx.names.challenge, CHECK_COOKIE_TTL)
    return ResponseCookie.expiring(ctx.names.challenge, sealed, ctx.names.secure, CHECK_COOKIE_TTL, with_max_age=True)


def webauthn_options_action(ctx: AuthContext) -> AuthResult:
    if not ctx.settings.webauthn:
        return AuthResult(status=404)
    provider = ctx.provider if ctx.provider_id else next(p for p in ctx.providers if p.type == "webauthn")
    if provider is None or provider.type != "webauthn":
        raise InvalidProvider(ctx.provider_id or "")
    requested = ctx.query.get("action")
    if requested not in (None, "register", "authenticate"):
        return _bad_request("Invalid action")
    claims, _ = current_claims(ctx)
    email = ctx.query.get("email")
    known = ctx.store.user_by_email(email) if email else None
    ceremony = _ceremony(requested, claims is not None, (known is not None) if email else None)
    if ceremony is None:
        return _bad_request("Invalid request")
    user = None
    if ceremony == "register":
        user = (
            {"id": claims["sub"], "email": claims["email"], "name": claims.get("name", claims["email"])}
            if claims
            else {"id": secrets.token_hex(16), "email": email or "", "name": email or ""}
        )
    challenge = _b64url(secrets.token_bytes(32))
    body = {"action": ceremony, "options": _options(ctx, ceremony, challenge, user)}
    cookies = ctx.init_cookies + [_challenge_cookie(ctx, provider.id, challenge, user)]
    return AuthResult(body=body, cookies=cookies)

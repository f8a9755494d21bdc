"""`GET webauthn-options`: registration or authentication options and the challenge cookie.

Follows @auth/core 0.41.3 `lib/actions/webauthn-options.js` and `lib/utils/webauthn-utils.js`: the ceremony comes
from `action` (register | authenticate | absent) and whether the user is signed in or the `email` is known
(`inferWebAuthnOptions`); the options are the Passkey provider's (`providers/passkey.js`: resident key and user
verification required); the RP is the request URL's hostname, host and origin (`getRelayingParty`). The challenge is
sealed in a check cookie the way Auth.js seals it (inner JWE with salt "encodedWebauthnChallenge", outer
`{value, provider}` JWE with the cookie name); `read_challenge` opens it for `POST callback/passkey`
(`reference_server/passkey.py`). When WebAuthn is disabled the action is unavailable: 404, as the API page documents.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from reference_server import jwe
from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import CHECK_COOKIE_TTL, ResponseCookie
from reference_server.errors import InvalidCheck, InvalidProvider
from reference_server.session import current_claims
from reference_server.store.model import StoredCredential

__all__ = ["Challenge", "read_challenge", "relying_party", "webauthn_options_action"]

_CHALLENGE_SALT = "encodedWebauthnChallenge"
_TIMEOUT_MS = 300_000  # providers/webauthn.js DEFAULT_WEBAUTHN_TIMEOUT: 5 minutes
_ALGORITHMS = (-8, -7, -257)


@dataclass(frozen=True)
class Challenge:
    """The sealed cookie's content: the challenge (base64url) and, for a registration, the user to register."""

    value: str
    register_data: dict[str, Any] | None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bad_request(message: str) -> AuthResult:
    return AuthResult(status=400, body={"error": message})


def relying_party(ctx: AuthContext) -> tuple[str, str]:
    """(RP ID, origin): the request URL's hostname and origin, as `getRelayingParty` falls back to."""
    hostname = ctx.host.split(":")[0] if not ctx.host.startswith("[") else ctx.host.split("]")[0] + "]"
    return hostname, ctx.origin


def _ceremony(requested: str | None, logged_in: bool, known_email: bool | None) -> str | None:
    if requested == "authenticate":
        return "authenticate"
    if requested == "register":
        return "register" if logged_in or known_email is False else None
    if not logged_in:
        return "register" if known_email is False else "authenticate"
    return None


def _descriptors(credentials: list[StoredCredential]) -> list[dict[str, Any]]:
    found = []
    for credential in credentials:
        entry: dict[str, Any] = {"id": _b64url(base64.b64decode(credential.credential_id)), "type": "public-key"}
        if credential.transports:
            entry["transports"] = credential.transports.split(",")
        found.append(entry)
    return found


def _options(ctx: AuthContext, ceremony: str, challenge: str, user: dict[str, str] | None) -> dict[str, Any]:
    rp_id, _ = relying_party(ctx)
    known = ctx.store.user_by_id(user["tenant"], user["id"]) if user and user.get("tenant") else None
    mine = _descriptors(ctx.store.authenticators_of(known)) if known else []
    if ceremony == "authenticate":
        return {
            "rpId": rp_id,
            "challenge": challenge,
            "timeout": _TIMEOUT_MS,
            "userVerification": "required",
            **({"allowCredentials": mine} if mine else {}),
        }
    assert user is not None
    return {
        "challenge": challenge,
        "rp": {"name": ctx.host, "id": rp_id},
        "user": {"id": _b64url(secrets.token_bytes(32)), "name": user["email"], "displayName": user["name"]},
        "pubKeyCredParams": [{"alg": alg, "type": "public-key"} for alg in _ALGORITHMS],
        "timeout": _TIMEOUT_MS,
        "attestation": "none",
        "excludeCredentials": mine,
        "authenticatorSelection": {
            "residentKey": "required",
            "userVerification": "required",
            "requireResidentKey": True,
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


def read_challenge(ctx: AuthContext) -> Challenge:
    """Open the sealed challenge cookie (`webauthnChallenge.use`); InvalidCheck when missing or not ours."""
    value = ctx.cookies.get(ctx.names.challenge)
    if not value:
        raise InvalidCheck("WebAuthn challenge was missing")
    try:
        outer = jwe.decode(value, ctx.settings.secrets(), ctx.names.challenge)
        inner = jwe.decode(str(outer.get("value")), ctx.settings.secrets(), _CHALLENGE_SALT)
    except jwe.InvalidToken as error:
        raise InvalidCheck("WebAuthn challenge could not be parsed") from error
    if ctx.provider is None or outer.get("provider") != ctx.provider.id or not isinstance(inner.get("challenge"), str):
        raise InvalidCheck("WebAuthn challenge was missing")
    register_data = inner.get("registerData")
    return Challenge(inner["challenge"], register_data if isinstance(register_data, dict) else None)


def _registering(ctx: AuthContext, claims: dict[str, Any] | None, email: str | None) -> dict[str, str]:
    """Who registers: the signed-in user (tenant and id kept to find them at the callback) or a new e-mail."""
    if claims:
        name = str(claims.get("name") or claims["email"])
        return {"tenant": claims["tenant"], "id": claims["sub"], "email": claims["email"], "name": name}
    return {"email": email or "", "name": ctx.query.get("name") or email or ""}


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
    user = _registering(ctx, claims, email) if ceremony == "register" else None
    if ceremony == "authenticate" and known is not None:
        user = {"tenant": known.tenant, "id": known.user_id, "email": known.email, "name": known.display_name}
    challenge = _b64url(secrets.token_bytes(32))
    body = {"action": ceremony, "options": _options(ctx, ceremony, challenge, user)}
    cookie_user = user if ceremony == "register" else None
    cookies = ctx.init_cookies + [_challenge_cookie(ctx, provider.id, challenge, cookie_user)]
    return AuthResult(body=body, cookies=cookies)

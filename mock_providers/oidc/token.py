"""Token endpoint (RFC 6749 4.1.3 / 6, OIDC Core 3.1.3), revocation (RFC 7009), introspection (RFC 7662)."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import pkce, sign_ahead
from .claims import now
from .clients import authenticate
from .codes import AuthorizationCode, request_flow
from .errors import Reason
from .faults import Fault
from .keys import KeyRing, b64url, hash_half, random_b64_kid
from .provider import Provider
from .sign_ahead import Minted, Prepared
from .site import Site, site_of
from .tokens import Grant
from .users import User

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token_endpoint(provider: Provider, request: Request, params: dict[str, str], fault: Fault | None) -> Response:
    client = authenticate(provider.clients, request.headers.get("authorization"), params)
    grant_type = params.get("grant_type")
    tenant: str = request.state.tenant
    if not grant_type:
        raise Reason("grant_type_missing")
    ahead: Prepared | None = None
    if grant_type == "authorization_code":
        grant = redeem_code(provider, params, client.client_id, tenant)
        future = provider.sign_ahead.take(params["code"])
        if future is not None and fault is None:
            ahead = sign_ahead.outcome(future)
    elif grant_type == "refresh_token":
        grant = redeem_refresh(provider, params, client.client_id, tenant)
    else:
        raise Reason("grant_type", grant_type=grant_type[:100])
    site = site_of(request)
    if ahead is not None and ahead.usable(site, now(), provider.keys.active, grant.user):
        minted = ahead.minted
    else:
        minted = mint(provider, site, grant, fault)
    return JSONResponse(issue_tokens(provider, grant, minted), headers=NO_STORE)


def redeem_code(provider: Provider, params: dict[str, str], client_id: str, tenant: str) -> Grant:
    value = params.get("code")
    if not value:
        raise Reason("code_missing")
    code = provider.codes.redeem(value, client_id, tenant)
    auth = code.request
    if params.get("redirect_uri") != auth.redirect_uri:
        raise Reason("redirect_mismatch", redirect_uri=params.get("redirect_uri", ""), client_id=client_id)
    pkce.verify(
        auth.code_challenge,
        auth.code_challenge_method,
        params.get("code_verifier"),
        provider.REJECT_VERIFIER_WITHOUT_CHALLENGE,
    )
    return code_grant(provider, code)


def code_grant(provider: Provider, code: AuthorizationCode) -> Grant:
    """What a redeemed code stands for (its client and tenant are the token request's, `redeem` checked)."""
    auth = code.request
    offline = provider.wants_refresh_token(auth.scope, auth.extra)
    grant = Grant(code.user, auth.client_id, auth.scope, auth.tenant, code.session_id, 0, auth.nonce, offline)
    grant.flow = request_flow(auth)
    return grant


def redeem_refresh(provider: Provider, params: dict[str, str], client_id: str, tenant: str) -> Grant:
    grant = provider.tokens.refresh(params.get("refresh_token", ""))
    if grant is None or grant.client_id != client_id or grant.tenant != tenant:
        raise Reason("refresh_invalid")
    return Grant(grant.user, client_id, grant.scope, tenant, grant.session_id, 0, None, False, dict(grant.flow))


def prepare(provider: Provider, site: Site, code: AuthorizationCode) -> None:
    """Have `code`'s tokens minted ahead on the event loop once the 302 is out (sign_ahead.py), unless its token
    request would take a fault already queued: those tokens are minted at the token request, with the fault."""
    if provider.faults.waiting("token", request_flow(code.request)):
        return
    provider.sign_ahead.schedule(code, functools.partial(mint_ahead, provider, site, code_grant(provider, code)))


def mint_ahead(provider: Provider, site: Site, grant: Grant) -> Prepared | None:
    """`mint` with what it was minted from; None when the clock's second changed while it ran."""
    second, key, user_state = now(), provider.keys.active, repr(grant.user)
    minted = mint(provider, site, grant, None)
    return Prepared(minted, site, second, key, user_state) if now() == second else None


def mint(provider: Provider, site: Site, grant: Grant, fault: Fault | None) -> Minted:
    """The tokens of a token response: access token, ID token (scope ``openid``), refresh token (offline)."""
    issuer = provider.token_issuer(site, grant.tenant, grant.user)
    access = provider.access_token(grant.user, grant.tenant, grant.client_id, grant.scope, issuer, grant.session_id)
    identity = id_token(provider, grant, issuer, access, fault) if "openid" in grant.scope.split() else None
    refresh = None
    if grant.offline:
        refresh = provider.refresh_token(issuer, grant.client_id, grant.session_id, grant.scope)
    return Minted(access, identity, refresh)


def issue_tokens(provider: Provider, grant: Grant, minted: Minted) -> dict[str, Any]:
    """The token response's body; the tokens are remembered for userinfo, introspection and refresh."""
    grant.expires_at = time.time() + provider.ACCESS_TOKEN_TTL
    provider.tokens.remember_access(minted.access, grant)
    body: dict[str, Any] = {
        "access_token": minted.access,
        "expires_in": provider.ACCESS_TOKEN_TTL,
        "scope": provider.response_scope(grant.scope),
        "token_type": "Bearer",
    }
    if minted.id_token is not None:
        body["id_token"] = minted.id_token
    if minted.refresh is not None:
        provider.tokens.remember_refresh(minted.refresh, grant)
        body["refresh_token"] = minted.refresh
    return body | provider.token_response_extra(grant.session_id, minted.refresh is not None)


def id_token(provider: Provider, grant: Grant, issuer: str, access: str, fault: Fault | None) -> str:
    issued = now()
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": grant.client_id,
        "iat": issued,
        "exp": issued + provider.ID_TOKEN_TTL,
    }
    claims |= provider.scoped_claims(grant.user, grant.tenant, grant.client_id, grant.scope)
    claims |= provider.id_token_extra(grant.user, grant.tenant, grant.client_id, grant.session_id)
    if provider.ID_TOKEN_AT_HASH:
        claims["at_hash"] = hash_half(access)
    if grant.nonce is not None:
        claims["nonce"] = grant.nonce
    return tamper(provider, claims, fault)


def tamper(provider: Provider, claims: dict[str, Any], fault: Fault | None) -> str:
    """Apply an ID-token fault from the control API; otherwise sign the claims as they are."""
    if fault is None:
        return provider.keys.sign(claims)
    params, kind = fault.params, fault.kind
    change = CLAIM_FAULTS.get(kind)
    if change is not None:
        change(claims, params)
    if kind == "alg_none":
        return unsigned(claims)
    if kind in ("unknown_key", "kid_absent"):
        return stranger_key().sign(claims, {"kid": None} if kind == "kid_absent" else None)
    token = provider.keys.sign(claims)
    if kind == "bad_signature":
        head, payload, signature = token.split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        token = f"{head}.{payload}.{flipped}"
    return token


def _untrusted_azp(claims: dict[str, Any], params: dict[str, Any]) -> None:
    """A second audience the client does not know, named as the authorized party (OIDC Core 3.1.3.7 3-5)."""
    party = str(params.get("azp", "untrusted-relying-party"))
    claims["aud"], claims["azp"] = [claims["aud"], party], party


def _iat_future(claims: dict[str, Any], params: dict[str, Any]) -> None:
    ahead = float(params.get("seconds", 86400))
    claims["iat"] = int(claims["iat"] + ahead)
    claims["exp"] = int(claims["iat"] + 3600)


def _expired(claims: dict[str, Any], params: dict[str, Any]) -> None:
    claims["iat"], claims["exp"] = claims["iat"] - 7200, claims["iat"] - 3600


CLAIM_FAULTS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "wrong_issuer": lambda c, p: c.update(iss=str(p.get("issuer", "https://wrong-issuer.invalid"))),
    "wrong_audience": lambda c, p: c.update(aud=str(p.get("audience", "someone-else"))),
    "wrong_nonce": lambda c, p: c.update(nonce=str(p.get("nonce", "not-the-nonce-you-sent"))),
    "expired_id_token": _expired,
    "untrusted_azp": _untrusted_azp,
    "iat_future": _iat_future,
    "missing_iat": lambda c, p: c.pop("iat", None),
    "missing_sub": lambda c, p: c.pop("sub", None),
    "missing_nonce": lambda c, p: c.pop("nonce", None),
}


def unsigned(claims: dict[str, Any]) -> str:
    """An `alg: none` JWS (RFC 7515 A.5): header and payload, empty signature."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


@functools.cache
def stranger_key() -> KeyRing:
    """A key that no provider publishes: tokens it signs must fail verification against any JWKS."""
    return KeyRing(kid_style=random_b64_kid)


async def revoke_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    token = params.get("token", "")
    if not provider.tokens.revoke(token) and provider.REVOKE_UNKNOWN_IS_ERROR:
        raise Reason("revoke_invalid")
    return Response(status_code=200, headers=NO_STORE)


async def introspect_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    authenticate(provider.clients, request.headers.get("authorization"), params)
    token = params.get("token", "")
    grant = provider.tokens.access(token) or provider.tokens.refresh(token)
    if grant is None:
        return JSONResponse({"active": False})
    user: User = grant.user
    claims = provider.scoped_claims(user, grant.tenant, grant.client_id, grant.scope)
    return JSONResponse(
        claims
        | {
            "active": True,
            "client_id": grant.client_id,
            "scope": grant.scope,
            "exp": int(grant.expires_at) if grant.expires_at else None,
            "iss": provider.issuer(site_of(request), grant.tenant),
            "token_type": "Bearer",
            "username": user.username,
        }
    )

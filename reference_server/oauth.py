"""OAuth 2 / OpenID Connect sign-in and callbacks, as @auth/core v5 runs them (authorization-url.ts,
callback/oauth/callback.ts, checks.ts), with the ID token verified against the provider's JWKS.

Sign-in: discover the issuer, seal the PKCE verifier (and state/nonce when configured) in check cookies bound
to the provider, redirect to the authorization endpoint. Callback: state and `iss` first, then the provider's
`?error=` (sign-in page, OAuthCallbackError), then PKCE, the token exchange (client_secret_basic with
form-encoded credentials) and the ID token (signature, iss, aud, exp, nonce). Any check or token failure is a
Configuration error; a session is created only after everything passed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import certifi
import httpx
import jwt

from reference_server import jwe
from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import CHECK_COOKIE_TTL, ResponseCookie
from reference_server.errors import AccessDenied, AuthError, InvalidCheck, OAuthCallbackError, OAuthSignInError
from reference_server.popup import POPUP_COOKIE, popup_page
from reference_server.providers import Provider
from reference_server.session import start_session
from reference_server.settings import OAuthProviderConfig

__all__ = ["authorization_redirect", "callback"]

_STATE_SALT = "encodedState"


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""

    def expected_token_issuer(self, claims: dict[str, Any]) -> str:
        """Entra's multi-tenant discovery says `{tenantid}`; its tokens name the concrete tenant."""
        return self.issuer.replace("{tenantid}", str(claims.get("tid", "")))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def _discover(ctx: AuthContext, http: httpx.AsyncClient, config: OAuthProviderConfig) -> Discovery:
    response = await http.get(f"{config.issuer}/.well-known/openid-configuration")
    response.raise_for_status()
    document = response.json()
    issuer = str(document.get("issuer", ""))
    matches = issuer.replace("{tenantid}", _configured_tenant(config.issuer)) == config.issuer
    if not matches and not ctx.settings.has_flaw("skip-discovery-issuer"):  # OIDC Discovery 4.3
        raise ValueError(f"discovery issuer {issuer!r} is not the configured {config.issuer!r}")
    return Discovery(
        issuer,
        document["authorization_endpoint"],
        document["token_endpoint"],
        document["jwks_uri"],
        str(document.get("userinfo_endpoint", "")),
    )


def _configured_tenant(issuer: str) -> str:
    parts = issuer.rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-1] == "v2.0" else "common"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default trust (certifi), built once: a new context per sign-in costs a fraction of a second."""
    return ssl.create_default_context(cafile=certifi.where())


def _client(ctx: AuthContext) -> httpx.AsyncClient:
    """The sign-in's client of the IdP. Environment proxies are ignored, as Node's fetch (Auth.js) ignores them; a
    client that reads them iterates `os.environ`, which pytest changes under a server running in a test's thread."""
    timeout = None if ctx.settings.has_flaw("no-idp-timeout") else ctx.settings.http_timeout
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_tls_context(), trust_env=False)


def _salt(ctx: AuthContext, name: str) -> str:
    """Each check cookie is sealed under its own name (the session key only with the GHSA-v64w-49xw-qq89 flaw)."""
    return ctx.names.session if ctx.settings.has_flaw("check-cookie-as-session") else name


def _seal(ctx: AuthContext, name: str, provider: Provider, value: str, with_max_age: bool = True) -> ResponseCookie:
    payload = {"value": value, "provider": provider.id}
    sealed = jwe.encode(payload, ctx.settings.secrets(), _salt(ctx, name), CHECK_COOKIE_TTL)
    return ResponseCookie.expiring(name, sealed, ctx.names.secure, CHECK_COOKIE_TTL, with_max_age)


def _unseal(ctx: AuthContext, name: str, provider: Provider) -> str:
    value = ctx.cookies.get(name)
    if not value:
        raise InvalidCheck(f"{name} cookie was missing")
    try:
        payload = jwe.decode(value, ctx.settings.secrets(), _salt(ctx, name))
    except jwe.InvalidToken as error:
        raise InvalidCheck(f"{name} value could not be parsed") from error
    if not isinstance(payload.get("value"), str):
        raise InvalidCheck(f"{name} value could not be parsed")
    if payload.get("provider") != provider.id and not ctx.settings.has_flaw("oauth-check-provider-unbound"):
        raise InvalidCheck(f"{name} cookie was created for a different provider")
    sealed_value: str = payload["value"]
    return sealed_value


def _uses(ctx: AuthContext, config: OAuthProviderConfig, check: str) -> bool:
    """Whether a configured check runs; the `oauth-pkce-skipped` flaw turns PKCE off without a word."""
    return check in config.checks and not (check == "pkce" and ctx.settings.has_flaw("oauth-pkce-skipped"))


async def authorization_redirect(ctx: AuthContext, provider: Provider) -> AuthResult:
    """POST signin/{provider}: the authorization URL, with check cookies (and the popup marker when asked)."""
    config = provider.oauth
    assert config is not None
    try:
        async with _client(ctx) as http:
            discovery = await _discover(ctx, http, config)
    except (httpx.HTTPError, ValueError, KeyError, RecursionError) as error:
        raise OAuthSignInError(str(error)) from error
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": f"{ctx.base_url}/callback/{provider.id}",
        "scope": config.scope,
    }
    cookies = list(ctx.init_cookies)
    if _uses(ctx, config, "pkce"):
        verifier = _b64url(secrets.token_bytes(32))
        if ctx.settings.has_flaw("oauth-pkce-plain"):
            params |= {"code_challenge": verifier, "code_challenge_method": "plain"}
        else:
            params |= {
                "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
                "code_challenge_method": "S256",
            }
        cookies.append(_seal(ctx, ctx.names.pkce, provider, verifier))
    if "state" in config.checks:
        state = jwe.encode(
            {"random": _b64url(secrets.token_bytes(16))}, ctx.settings.secrets(), _STATE_SALT, CHECK_COOKIE_TTL
        )
        params["state"] = state
        cookies.append(_seal(ctx, ctx.names.state, provider, state))
    if "nonce" in config.checks:
        params["nonce"] = _b64url(secrets.token_bytes(16))
        cookies.append(_seal(ctx, ctx.names.nonce, provider, params["nonce"], with_max_age=False))
    if (ctx.query.get("popup") or ctx.body.get("popup")) == "1":
        cookies.append(ResponseCookie.expiring(_popup_name(ctx), "1", ctx.names.secure, CHECK_COOKIE_TTL, True))
    extra = {k: v for k, v in ctx.query.items() if k in ("login_hint", "prompt", "hd", "domain_hint")}
    query = urlencode(params | extra, quote_via=quote)
    return AuthResult(status=302, redirect=f"{discovery.authorization_endpoint}?{query}", cookies=cookies)


def _popup_name(ctx: AuthContext) -> str:
    return ("__Secure-" if ctx.names.secure else "") + POPUP_COOKIE


def _check_cookie_names(ctx: AuthContext) -> list[str]:
    return [ctx.names.pkce, ctx.names.state, ctx.names.nonce, _popup_name(ctx)]


class TokenEndpointError(InvalidCheck):
    """The token endpoint failed; `flaw` names the deliberate flaw that would hide this failure."""

    def __init__(self, message: str, flaw: str) -> None:
        super().__init__(message)
        self.flaw = flaw


async def _exchange_code(
    ctx: AuthContext,
    config: OAuthProviderConfig,
    discovery: Discovery,
    code: str,
    verifier: str | None,
    http: httpx.AsyncClient,
) -> dict[str, Any]:
    credentials = f"{quote(config.client_id, safe='')}:{quote(config.client_secret, safe='')}"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"{ctx.base_url}/callback/{config.id}",
    }
    if verifier is not None:  # Auth.js deletes code_verifier from the token request when PKCE is off
        form["code_verifier"] = verifier
    response = await http.post(
        discovery.token_endpoint,
        data=form,
        headers={
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Accept": "application/json",
        },
    )
    try:
        body = response.json()
    except ValueError as error:
        raise TokenEndpointError("token response is not JSON", "swallow-token-json") from error
    if response.status_code != 200 or not isinstance(body, dict) or "error" in body:
        flaw = "swallow-token-5xx" if response.status_code >= 500 else "swallow-token-error"
        raise TokenEndpointError(f"token endpoint answered {response.status_code}: {str(body)[:200]}", flaw)
    if str(body.get("token_type", "")).lower() not in ("bearer", "dpop") or not body.get("id_token"):
        raise InvalidCheck("token response lacks a bearer token_type or an id_token")
    return body


_PINNED_JWKS: dict[tuple[int, str], list[dict[str, Any]]] = {}
"""The `pin-first-jwks` flaw's cache: per server (its store) and JWKS URI, the first key set seen, never refreshed."""


async def _jwks(ctx: AuthContext, http: httpx.AsyncClient, uri: str) -> list[dict[str, Any]]:
    pin = (id(ctx.store), uri) if ctx.settings.has_flaw("pin-first-jwks") else None
    if pin in _PINNED_JWKS:
        return _PINNED_JWKS[pin]
    keys = list((await http.get(uri)).json().get("keys", []))
    if pin is not None:
        _PINNED_JWKS[pin] = keys
    return keys


def _unverified_signature(ctx: AuthContext, header: dict[str, Any], keys: list[dict[str, Any]]) -> bool:
    """The flaws that accept an ID token without checking its signature, each in one situation."""
    flaw = ctx.settings.has_flaw
    kid = header.get("kid")
    return (
        flaw("skip-id-token-signature")
        or (flaw("accept-alg-none") and header.get("alg") == "none")
        or (flaw("trust-unknown-kid") and kid is not None and all(k.get("kid") != kid for k in keys))
        or (flaw("trust-missing-kid") and kid is None)
    )


async def _verify_id_token(
    ctx: AuthContext,
    http: httpx.AsyncClient,
    config: OAuthProviderConfig,
    discovery: Discovery,
    id_token: str,
    nonce: str | None,
) -> dict[str, Any]:
    """OIDC Core 3.1.3.7: signature (RS256, the JWKS key named by kid), iss, aud and azp, exp, iat, sub, nonce."""
    flaw = ctx.settings.has_flaw
    header = jwt.get_unverified_header(id_token)
    keys = await _jwks(ctx, http, discovery.jwks_uri)
    matching = [key for key in keys if key.get("kid") == header.get("kid")] or keys[:1]
    if not matching:
        raise InvalidCheck("no signing key in the provider's JWKS")
    unverified = jwt.decode(id_token, options={"verify_signature": False})
    required = [c for c in ("iss", "aud", "exp", "iat", "sub") if not flaw(f"optional-id-token-{c}")]
    claims = jwt.decode(
        id_token,
        jwt.PyJWK(matching[0], algorithm="RS256").key,
        algorithms=["RS256"],
        audience=config.client_id,
        issuer=discovery.expected_token_issuer(unverified),
        leeway=15,
        options={
            "verify_signature": not _unverified_signature(ctx, header, keys),
            "verify_iss": not flaw("skip-id-token-iss"),
            "verify_aud": not flaw("skip-id-token-aud"),
            "verify_exp": not flaw("skip-id-token-exp"),
            "verify_iat": not flaw("skip-id-token-iat"),
            "require": required,
        },
    )
    aud = claims.get("aud")
    audiences: list[Any] = aud if isinstance(aud, list) else [aud]
    azp = claims.get("azp", config.client_id if len(audiences) == 1 else None)
    if azp != config.client_id and not flaw("skip-id-token-azp"):  # 3.1.3.7 steps 3-5, as oauth4webapi
        raise InvalidCheck("ID token names other audiences or another authorized party (azp)")
    tolerated = "nonce" not in claims and flaw("accept-missing-nonce")
    if nonce is not None and claims.get("nonce") != nonce and not (tolerated or flaw("skip-nonce-check")):
        raise InvalidCheck("nonce mismatch")
    return claims


async def _userinfo(
    ctx: AuthContext, http: httpx.AsyncClient, discovery: Discovery, access_token: str, sub: str
) -> dict[str, Any]:
    """The profile from userinfo (providers configured with `userinfo`); its sub must be the ID token's (5.3.2)."""
    response = await http.get(discovery.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    response.raise_for_status()
    profile = response.json()
    if not isinstance(profile, dict):
        raise InvalidCheck("userinfo response is not a JSON object")
    if profile.get("sub") != sub and not ctx.settings.has_flaw("skip-userinfo-sub"):
        raise InvalidCheck("userinfo sub is not the ID token's sub")
    return profile


async def _validated_claims(ctx: AuthContext, provider: Provider) -> dict[str, Any]:
    config = provider.oauth
    assert config is not None
    verify_state = "state" in config.checks and not ctx.settings.has_flaw("oauth-state-unverified")
    state = _unseal(ctx, ctx.names.state, provider) if verify_state else None
    if state is not None and ctx.query.get("state") != state:
        raise InvalidCheck("state mismatch")
    async with _client(ctx) as http:
        discovery = await _discover(ctx, http, config)
        if "iss" in ctx.query and "{tenantid}" not in discovery.issuer and ctx.query["iss"] != discovery.issuer:
            raise InvalidCheck("authorization response iss mismatch")  # RFC 9207, checked before `error`
        if "error" in ctx.query:
            raise OAuthCallbackError(ctx.query["error"])
        if not ctx.query.get("code"):
            raise InvalidCheck("response parameter code missing")
        verifier = _unseal(ctx, ctx.names.pkce, provider) if _uses(ctx, config, "pkce") else None
        nonce = _unseal(ctx, ctx.names.nonce, provider) if "nonce" in config.checks else None
        tokens = await _exchange_code(ctx, config, discovery, ctx.query["code"], verifier, http)
        claims = await _verify_id_token(ctx, http, config, discovery, tokens["id_token"], nonce)
        if config.userinfo:
            claims |= await _userinfo(ctx, http, discovery, str(tokens.get("access_token", "")), claims.get("sub", ""))
        return claims


async def callback(ctx: AuthContext, provider: Provider) -> AuthResult:
    """GET callback/{provider}: a session and a redirect (or the popup page), or an Auth.js error."""
    popup = ctx.cookies.get(_popup_name(ctx)) == "1" or ctx.query.get("popup") == "1"
    try:
        try:
            claims = await _validated_claims(ctx, provider)
        except TokenEndpointError as error:
            if ctx.settings.has_flaw(error.flaw):  # a lax RP: back to the callbackUrl as if nothing happened
                return AuthResult(status=302, redirect=f"{ctx.origin}/")
            raise
        except (httpx.HTTPError, ValueError, KeyError, RecursionError, jwt.PyJWTError) as error:
            raise InvalidCheck(str(error)) from error
        user = ctx.store.user_by_email(str(claims.get("email", "")))
        if user is None or user.user_type != "internal":
            raise AccessDenied("no internal user with this email")  # AlgaPSA CE: SSO for internal users only
    except AuthError as error:
        if not popup:
            raise
        return _popup_result(ctx, provider, error)
    result = start_session(ctx, user, provider.id, picture=claims.get("picture"))
    result.cookies += [
        ResponseCookie.clearing(name, ctx.names.secure) for name in _check_cookie_names(ctx) if name in ctx.cookies
    ]
    if popup:
        page = popup_page(provider.id, ctx.origin, success=True)
        return AuthResult(body=page, content_type="text/html", cookies=result.cookies)
    return result


def _popup_result(ctx: AuthContext, provider: Provider, error: AuthError) -> AuthResult:
    code = ctx.query.get("error") if isinstance(error, OAuthCallbackError) else error.redirect_error()
    description = ctx.query.get("error_description") if isinstance(error, OAuthCallbackError) else None
    page = popup_page(
        provider.id,
        ctx.origin,
        success=False,
        error=code or "OAuthCallbackError",
        description=description or "Sign-in did not complete. Please try again.",
    )
    cleared = [ResponseCookie.clearing(_popup_name(ctx), ctx.names.secure)]
    return AuthResult(body=page, content_type="text/html", cookies=cleared)

"""Authorization endpoint (RFC 6749 4.1.1, OIDC Core 3.1.2): validate, pick a user, redirect with a code.

Client and redirect_uri problems are shown as an error page (never redirected, RFC 6749 4.1.2.1); everything
else goes back to the client as ``error=...``. State and nonce are optional and echoed only when sent.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from . import login_page, token
from .clients import is_web_url
from .codes import AuthorizationRequest
from .errors import Reason
from .faults import Fault
from .provider import Provider
from .site import site_of
from .users import User

MAX_PENDING = 1000
KNOWN = (
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "login_hint",
    "prompt",
    "response_type",
)


async def authorize_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    tenant: str = request.state.tenant
    if "mock_request_id" in params:
        return decide(provider, request, params)
    try:
        auth = parse_request(provider, params, tenant)
    except Reason as reason:
        error = provider.oauth_error(reason)
        return login_page.error_page(
            f"{provider.name} sign-in error", error.status_code, error.error, error.description
        )
    if fault and fault.kind in ("error", "access_denied"):
        code = str(fault.params.get("error", "access_denied"))
        description = fault.params.get("error_description", provider.ACCESS_DENIED_DESCRIPTION)
        return redirect_error(auth, code, description, error_iss(provider, request, auth))
    if params.get("response_type") != "code":
        return redirect_error(
            auth,
            "unsupported_response_type",
            "Only response_type=code is supported",
            error_iss(provider, request, auth),
        )
    hinted = provider.users.find(auth.login_hint)
    if provider.auto_login and provider.users.users:
        return redirect_with_code(provider, request, auth, hinted or provider.users.users[0])
    if auth.prompt == "none":
        return redirect_error(
            auth, "login_required", "No signed-in session at the mock provider", error_iss(provider, request, auth)
        )
    return show_picker(provider, request, auth, hinted)


def parse_request(provider: Provider, params: dict[str, str], tenant: str) -> AuthorizationRequest:
    client_id = params.get("client_id", "")
    client = provider.clients.get(client_id)
    if client is None:
        raise Reason("client_unknown", client_id=client_id)
    redirect_uri = params.get("redirect_uri", "")
    if not is_web_url(redirect_uri) or not client.accepts_redirect(redirect_uri):
        raise Reason("redirect_mismatch", redirect_uri=redirect_uri, client_id=client_id)
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=params.get("scope", "openid"),
        tenant=tenant,
        state=params.get("state"),
        nonce=params.get("nonce"),
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method") or None,
        response_mode=params.get("response_mode", "query"),
        login_hint=params.get("login_hint"),
        prompt=params.get("prompt"),
        extra={k: v for k, v in params.items() if k not in KNOWN},
    )


def show_picker(provider: Provider, request: Request, auth: AuthorizationRequest, hinted: User | None) -> Response:
    request_id = secrets.token_urlsafe(16)
    provider.pending[request_id] = auth
    while len(provider.pending) > MAX_PENDING:
        provider.pending.pop(next(iter(provider.pending)))
    return login_page.picker(
        f"Sign in - {provider.name} (mock)",
        auth.client_id,
        request.url.path,
        request_id,
        provider.users.users,
        hinted,
    )


def decide(provider: Provider, request: Request, params: dict[str, str]) -> Response:
    """The picker's POST: a chosen user gets a code, Deny gets ``access_denied``."""
    auth = provider.pending.pop(params.get("mock_request_id", ""), None)
    if auth is None:
        return login_page.error_page(
            "Sign-in expired",
            400,
            "invalid_request",
            "This sign-in page has expired; start the sign-in again.",
        )
    if params.get("deny"):
        return redirect_error(
            auth, "access_denied", provider.ACCESS_DENIED_DESCRIPTION, error_iss(provider, request, auth)
        )
    if params.get("custom"):
        try:
            custom = provider.users.add(custom_user(params))
        except ValueError as exc:  # ControlInputError names the field; bad JSON says where
            provider.pending[params["mock_request_id"]] = auth  # the user may correct the form and send it again
            return login_page.error_page("Invalid user", 400, "invalid_request", str(exc))
        return redirect_with_code(provider, request, auth, custom)
    user = provider.users.find(params.get("user"))
    if user is None:
        return login_page.error_page("Unknown account", 400, "invalid_request", "No such mock user.")
    return redirect_with_code(provider, request, auth, user)


def custom_user(params: dict[str, str]) -> dict[str, Any]:
    """The free-text form as a user mapping: email, name and the claims object; `ValueError` when it is not one."""
    claims = json.loads(params.get("claims") or "{}")
    if not isinstance(claims, dict):
        raise ValueError("claims: expected a JSON object")
    user: dict[str, Any] = {"email": params.get("email", "").strip()}
    if not user["email"]:
        raise ValueError("email: required")
    if params.get("name", "").strip():
        user["name"] = params["name"].strip()
    return {**claims, **user}


def redirect_with_code(provider: Provider, request: Request, auth: AuthorizationRequest, user: User) -> Response:
    code = provider.codes.issue(auth, user)
    site = site_of(request)
    token.prepare(provider, site, code)
    params = {"code": code.value}
    if auth.state is not None:
        params["state"] = auth.state
    params |= provider.authorize_response_extra(site, auth.tenant, user, code.session_id, auth.scope)
    return redirect(auth, params)


def error_iss(provider: Provider, request: Request, auth: AuthorizationRequest) -> str | None:
    """RFC 9207 2: a provider advertising ``iss`` sends it in error responses too (as Keycloak does)."""
    return provider.issuer(site_of(request), auth.tenant) if provider.AUTH_RESPONSE_ISS else None


def redirect_error(auth: AuthorizationRequest, error: str, description: str | None, iss: str | None = None) -> Response:
    params = {"error": error}
    if description:
        params["error_description"] = description
    if auth.state is not None:
        params["state"] = auth.state
    if iss is not None:
        params["iss"] = iss
    return redirect(auth, params)


def redirect(auth: AuthorizationRequest, params: dict[str, str]) -> Response:
    if auth.response_mode == "form_post":
        return login_page.form_post(auth.redirect_uri, params)
    separator = "#" if auth.response_mode == "fragment" else ("&" if "?" in auth.redirect_uri else "?")
    headers = {"Cache-Control": "no-store"}
    return RedirectResponse(auth.redirect_uri + separator + urlencode(params), status_code=302, headers=headers)

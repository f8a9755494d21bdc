"""Routing: one starlette route per endpoint a vendor serves, and the dispatch every call goes through (log,
faults scoped to the sign-in, the handler, refusals worded the vendor's way).

The import graph is one-way: endpoint modules depend on the provider's state (provider.py) and the claim helpers
(claims.py); this module depends on the endpoints; nothing in the core imports this module back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from . import authorize, discovery, logout, token, userinfo
from .codes import request_flow
from .errors import OAuthError, Reason
from .faults import SCOPE_KEYS, Fault
from .provider import Handler, Provider
from .requestlog import LoggedRequest

LOG = logging.getLogger("mock_providers")
INTERNAL_ERROR = OAuthError("server_error", "The mock provider hit an internal error (see its log).", 500)
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 100

#: The protocol endpoints of the shared core; a vendor serves those its ``PATHS`` name, plus its ``EXTRA_HANDLERS``.
ENDPOINTS: Mapping[str, Handler] = {
    "discovery": discovery.discovery_endpoint,
    "jwks": discovery.jwks_endpoint,
    "authorize": authorize.authorize_endpoint,
    "token": token.token_endpoint,
    "userinfo": userinfo.userinfo_endpoint,
    "revoke": token.revoke_endpoint,
    "logout": logout.logout_endpoint,
    "introspect": token.introspect_endpoint,
}


def handlers(provider: Provider) -> dict[str, Handler]:
    return dict(ENDPOINTS) | dict(provider.EXTRA_HANDLERS)


def routes(provider: Provider, host_key: str) -> list[BaseRoute]:
    """The routes of `provider`'s endpoints on one of its hosts (``PATHS`` names the host of each)."""
    table = handlers(provider)
    return [
        Route(path, _endpoint(provider, name, table[name]), methods=list(provider.METHODS.get(name, ("GET",))))
        for name, (key, path) in provider.PATHS.items()
        if key == host_key and name in table
    ]


def _endpoint(provider: Provider, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await dispatch(provider, name, handler, request)

    return endpoint


async def dispatch(provider: Provider, name: str, handler: Handler, request: Request) -> Response:
    """Log, apply generic faults, run the handler, and word any refusal the vendor's way."""
    tenant_name = request.path_params.get("tenant", "")
    early: Reason | None = None
    try:
        params = await read_params(request)
    except Reason as reason:
        params, early = {}, reason
    entry = provider.log.record(
        LoggedRequest(
            provider.name,
            name,
            request.method,
            str(request.url),
            params,
            request.headers.get("authorization"),
        )
    )
    fault = provider.faults.take(name, flow_of(provider, name, params, request))
    entry.fault = fault.kind if fault else None
    try:
        if early:
            raise early
        response = await apply_generic_fault(provider, fault, name, tenant_name)
        if response is None:
            request.state.tenant = provider.resolve_tenant(tenant_name)
            response = await handler(provider, request, params, fault)
    except Reason as reason:
        response = provider.error_response(provider.oauth_error(reason), tenant_name, name)
    except OAuthError as error:
        response = provider.error_response(error, tenant_name, name)
    except Exception:  # a bug here must not look like a network failure: vendor-shaped 500, logged once
        LOG.exception("%s %s: unhandled error in the %s mock", request.method, request.url.path, provider.name)
        response = provider.error_response(INTERNAL_ERROR, tenant_name, name)
    entry.status = response.status_code
    return response


def flow_of(provider: Provider, endpoint: str, params: Mapping[str, str], request: Request) -> dict[str, str]:
    """What the authorization request behind this call is known by (for faults scoped to one sign-in):
    /authorize's own parameters; at /token the code's (or refresh token's) request; with an access token the
    request that issued it; elsewhere only a `client_id` the call names."""
    if endpoint == "authorize":
        return {key: params[key] for key in SCOPE_KEYS if params.get(key)}
    if endpoint == "token":
        code = provider.codes.peek(params.get("code", ""))
        if code is not None:
            return request_flow(code.request)
        grant = provider.tokens.refresh(params.get("refresh_token", ""))
        if grant is not None:
            return grant.flow
    bearer = request.headers.get("authorization", "")
    access = bearer[7:].strip() if bearer[:7].lower() == "bearer " else params.get("access_token", "")
    grant = provider.tokens.access(access) if access else None
    if grant is not None:
        return grant.flow
    return {"client_id": params["client_id"]} if params.get("client_id") else {}


async def read_params(request: Request) -> dict[str, str]:
    """Query plus urlencoded body, bounded; undecodable or oversized input is a ``malformed_request``. The query
    is parsed as starlette's `query_params` parses it (latin-1, blanks kept, the last of a repeated name wins),
    without building its multi-dict on every call."""
    params = dict(parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True))
    if request.method != "POST":
        return params
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Reason("malformed_request")
    content_type = request.headers.get("content-type", "application/x-www-form-urlencoded")
    if body and "x-www-form-urlencoded" in content_type:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Reason("malformed_request") from exc
        for key, value in pairs:
            params.setdefault(key, value)
    return params


async def apply_generic_fault(provider: Provider, fault: Fault | None, endpoint: str, tenant: str) -> Response | None:
    """Delay, 5xx, malformed JSON and error bodies; authorize and ID-token faults are left to handlers."""
    if fault is None:
        return None
    if fault.kind == "delay":
        await asyncio.sleep(float(fault.params.get("seconds", 1)))
        return None
    if fault.kind == "status":
        status = int(fault.params.get("status", 503))
        error = OAuthError("temporarily_unavailable", "Injected failure", status)
        return provider.error_response(error, tenant, endpoint)
    if fault.kind == "malformed_json":
        return Response('{"access_token": "ya29.', status_code=200, media_type="application/json")
    if fault.kind == "error" and endpoint != "authorize":
        error = OAuthError(
            str(fault.params.get("error", "invalid_grant")),
            str(fault.params.get("error_description", "Injected error")),
            int(fault.params.get("status", 400)),
        )
        return provider.error_response(error, tenant, endpoint)
    return None

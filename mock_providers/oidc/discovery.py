"""OpenID Provider metadata (OIDC Discovery 1.0 section 4, RFC 8414) and the JWKS document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .faults import Fault
from .provider import Provider
from .site import site_of

CACHE = {"Cache-Control": "public, max-age=3600"}


async def discovery_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    return JSONResponse(provider.discovery(site_of(request), request.state.tenant), headers=CACHE)


async def jwks_endpoint(provider: Provider, request: Request, params: dict[str, str], fault: Fault | None) -> Response:
    return JSONResponse(provider.jwks(), headers=CACHE)

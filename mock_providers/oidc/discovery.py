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
    document = provider.discovery(site_of(request), request.state.tenant)
    if fault is not None and fault.kind == "wrong_discovery_issuer":  # OIDC Discovery 4.3: must equal the issuer URL
        document["issuer"] = str(fault.params.get("issuer", "https://wrong-issuer.invalid"))
    return JSONResponse(document, headers=CACHE)


async def jwks_endpoint(provider: Provider, request: Request, params: dict[str, str], fault: Fault | None) -> Response:
    return JSONResponse(provider.jwks(), headers=CACHE)

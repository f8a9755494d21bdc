"""UserInfo endpoint (OIDC Core 5.3): claims for the bearer access token (header, or form/query token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import Reason
from .faults import Fault
from .provider import Provider
from .tokens import Grant


def bearer_grant(provider: Provider, request: Request, params: dict[str, str]) -> Grant:
    """Find the grant behind the presented token; missing or unknown tokens are ``token_*`` reasons."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = params.get("access_token", "")
    token = token.strip()
    if not token:
        raise Reason("token_missing")
    grant = provider.tokens.access(token)
    if grant is None:
        raise Reason("token_invalid")
    return grant


async def userinfo_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    grant = bearer_grant(provider, request, params)
    claims = provider.userinfo_claims(grant.user, grant.tenant, grant.client_id, grant.scope)
    if fault is not None and fault.kind == "wrong_sub":  # OIDC Core 5.3.2: the RP must compare it with the ID token's
        claims["sub"] = str(fault.params.get("sub", "someone-else-entirely"))
    return JSONResponse(claims)

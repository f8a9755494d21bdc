"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): redirect back, or a signed-out page.

Keycloak (since 18) refuses ``post_logout_redirect_uri`` without ``id_token_hint`` or ``client_id``; vendors
opt into that with ``LOGOUT_NEEDS_HINT``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from . import login_page
from .clients import is_web_url
from .faults import Fault
from .provider import Provider


def hinted_client(provider: Provider, id_token_hint: str) -> str | None:
    """The ``aud`` of an ID token we signed (expiry ignored, as OPs do for hints); None if not ours."""
    for key in provider.keys.keys:
        try:
            claims = jwt.decode(
                id_token_hint,
                key.private_key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False},
            )
        except jwt.PyJWTError:
            continue
        aud = claims.get("aud")
        return aud[0] if isinstance(aud, list) and aud else aud if isinstance(aud, str) else None
    return None


async def logout_endpoint(
    provider: Provider, request: Request, params: dict[str, str], fault: Fault | None
) -> Response:
    target = params.get("post_logout_redirect_uri")
    hint, client_id = params.get("id_token_hint"), params.get("client_id")
    if hint and hinted_client(provider, hint) is None:
        return login_page.error_page("Logout", 400, "invalid_request", "Invalid id_token_hint")
    if target:
        if getattr(provider, "LOGOUT_NEEDS_HINT", False) and not hint and not client_id:
            return login_page.error_page("Logout", 400, "invalid_request", "Missing parameters: id_token_hint")
        if not is_web_url(target):
            return login_page.error_page("Logout", 400, "invalid_request", "Invalid redirect uri")
        query = {"state": params["state"]} if "state" in params else {}
        separator = "&" if "?" in target else "?"
        return RedirectResponse(target + (separator + urlencode(query) if query else ""), status_code=302)
    return HTMLResponse('<!doctype html><html><body><h1 data-testid="signed-out">You are signed out</h1></body></html>')

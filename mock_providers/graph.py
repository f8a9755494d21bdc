"""A Microsoft Graph stand-in for what NextAuth's Entra provider calls: ``/v1.0/me`` and the photo."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .oidc.errors import Reason
from .oidc.faults import Fault
from .oidc.provider import Provider
from .oidc.tokens import Grant
from .oidc.userinfo import bearer_grant

#: A valid 1x1 JPEG, enough for ``image/jpeg`` consumers (Auth.js turns it into a data URL).
PHOTO_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)
PHOTO_SIZE = re.compile(r"^\d{1,4}x\d{1,4}$")


def _grant(provider: Provider, request: Request, params: dict[str, str]) -> Grant | JSONResponse:
    try:
        return bearer_grant(provider, request, params)
    except Reason as reason:
        message = (
            "Access token is empty."
            if reason.key == "token_missing"
            else "IDX14100: JWT is not well formed, there are no dots (.)."
        )
        return JSONResponse(
            graph_error("InvalidAuthenticationToken", message),
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
        )


async def me_endpoint(provider: Provider, request: Request, params: dict[str, str], fault: Fault | None) -> Response:
    grant = _grant(provider, request, params)
    if isinstance(grant, Response):
        return grant
    user = grant.user
    return JSONResponse(
        {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": user.name,
            "givenName": user.given_name,
            "jobTitle": None,
            "mail": user.email,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": user.locale,
            "surname": user.family_name,
            "userPrincipalName": user.email,
            "id": provider.object_id(user),  # type: ignore[attr-defined]
        }
    )


async def photo_endpoint(provider: Provider, request: Request, params: dict[str, str], fault: Fault | None) -> Response:
    grant = _grant(provider, request, params)
    if isinstance(grant, Response):
        return grant
    size = request.path_params.get("size", "648x648")
    if not PHOTO_SIZE.match(size):
        return JSONResponse(graph_error("ErrorInvalidImageSize", f"Invalid image size '{size[:20]}'."), status_code=400)
    if not grant.user.photo:
        return JSONResponse(
            graph_error(
                "ImageNotFound",
                "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
            ),
            status_code=404,
        )
    return Response(PHOTO_JPEG, media_type="image/jpeg", headers={"Cache-Control": "private"})


def graph_error(code: str, message: str) -> dict[str, Any]:
    """Microsoft Graph's error envelope (not OAuth's)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%S}",
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }

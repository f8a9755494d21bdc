"""The ASGI app: the catch-all `{base_path}/{...}` route plus a small home page.

This is where Auth.js's response plumbing lives (@auth/core index.ts): configuration errors answer 500 (an HTML
page for the four page actions, JSON otherwise), unknown actions 400 `"Bad request."`, thrown errors a 302 to
the error or sign-in page, and `X-Auth-Return-Redirect` turns any redirect into `{"url": ...}`.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from reference_server.actions import dispatch
from reference_server.body_limits import BodyLimits
from reference_server.context import AuthResult, build_context, parse_action, raw_path, request_origin
from reference_server.errors import AuthError, BadRequest, CredentialsSignin, InvalidCallbackUrlError
from reference_server.pages import error_page
from reference_server.seed import seed_store
from reference_server.settings import Settings
from reference_server.store import Store, open_store

__all__ = ["create_app"]

log = logging.getLogger("reference_server")
_PAGE_ACTIONS = frozenset({"signin", "signout", "error", "verify-request"})
_CONFIG_MESSAGE = "There was a problem with the server configuration. Check the server logs for more information."
_ALL_METHODS = ["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def _to_response(result: AuthResult) -> Response:
    headers = dict(result.headers)
    if result.redirect is not None:
        response: Response = Response(status_code=302, headers={**headers, "Location": result.redirect.rstrip(" ")})
    elif result.content_type == "text/html":
        response = HTMLResponse(result.body, status_code=result.status, headers=headers)
        response.headers["content-type"] = "text/html"  # exactly what Auth.js sends
    elif result.body is None and result.content_type is None:
        response = Response(status_code=result.status, headers=headers)
    else:
        body = json.dumps(result.body, separators=(",", ":"))
        response = Response(body, status_code=result.status, headers=headers, media_type="application/json")
        response.headers["content-type"] = "application/json"
    for cookie in result.cookies:
        response.raw_headers.append((b"set-cookie", cookie.header().encode("latin-1")))
    return response


def _bad_request() -> Response:
    return JSONResponse("Bad request.", status_code=400, media_type="application/json")


class AuthEndpoint:
    """The catch-all route handler, holding the deployment's settings and store."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return Response(status_code=405, headers={"Allow": "GET, POST"})
        try:
            origin, host = request_origin(self.settings, request)
            action, _ = parse_action(raw_path(request), self.settings.base_path)
        except BadRequest:
            return _bad_request()
        try:
            ctx = await build_context(self.settings, self.store, request)
            result = await dispatch(ctx)
        except BadRequest:
            return _bad_request()
        except InvalidCallbackUrlError:
            return self._configuration_error(request, action, origin, host)
        except AuthError as error:
            result = self._error_redirect(request, action, origin, error)
        except Exception:  # a bug must not leak a traceback to the client
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            result = self._error_redirect(request, action, origin, AuthError())
        response = _to_response(result)
        location = response.headers.get("location")
        if location and "x-auth-return-redirect" in request.headers:
            as_json = JSONResponse({"url": location})
            as_json.raw_headers.extend(header for header in response.raw_headers if header[0] == b"set-cookie")
            return as_json
        return response

    def _configuration_error(self, request: Request, action: str, origin: str, host: str) -> Response:
        if request.method != "GET" or action not in _PAGE_ACTIONS:
            return JSONResponse({"message": _CONFIG_MESSAGE}, status_code=500)
        if self.settings.pages.error:
            target = f"{origin}{self.settings.pages.error}?error=Configuration"
            return Response(status_code=302, headers={"Location": target})
        status, page = error_page("Configuration", origin, host, f"{origin}{self.settings.base_path}/signin")
        return HTMLResponse(page, status_code=status)

    def _error_redirect(self, request: Request, action: str, origin: str, error: AuthError) -> AuthResult:
        if request.method == "POST" and action == "session":
            return AuthResult(status=400, body=None, content_type="application/json")
        params = {"error": error.redirect_error()}
        if isinstance(error, CredentialsSignin):
            params["code"] = error.code
        page = {"signIn": self.settings.pages.sign_in, "error": self.settings.pages.error}.get(error.kind)
        path = page or f"{self.settings.base_path}/{error.kind.lower()}"
        cookies = list(error.response_cookies)
        return AuthResult(status=302, redirect=f"{origin}{path}?{urlencode(params)}", cookies=cookies)


async def _home(request: Request) -> Response:
    base = request.app.state.settings.base_path
    return HTMLResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>nextauth-conformance reference'
        f'</title></head><body><h1>nextauth-conformance reference server</h1><ul><li><a href="{base}/signin">'
        f'Sign in</a></li><li><a href="{base}/session">Session</a></li><li><a href="{base}/providers">'
        f'Providers</a></li><li><a href="{base}/signout">Sign out</a></li></ul></body></html>'
    )


def create_app(settings: Settings | None = None, store: Store | None = None) -> Starlette:
    """A reference server for `settings`; opens and seeds `settings.database` unless a store is given."""
    settings = settings or Settings()
    if store is None:
        opened = open_store(settings.database)
        seed_store(opened, settings.seed, settings.seed_users)
        store = opened
    endpoint = AuthEndpoint(settings, store)
    app = Starlette(
        routes=[
            Route("/", _home, methods=["GET"]),
            Route(settings.base_path + "/{rest:path}", endpoint.handle, methods=_ALL_METHODS),
        ],
        middleware=[Middleware(BodyLimits, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)],
    )
    app.state.settings = settings
    app.state.store = store
    return app

"""One request as Auth.js sees it after `init`: action, provider, csrf state, callback URL, init cookies.

Every action reads this instead of the raw request, so the order Auth.js applies (parse, assert callbackUrl,
csrf, callback-url cookie) lives in one place.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from reference_server.callback_url import (
    InvalidCallbackUrl,
    ResolvedCallbackUrl,
    UnsendableCallbackUrl,
    is_sendable,
    resolve_callback_url,
)
from reference_server.cookies import CookieNames, ResponseCookie, cookie_names, parse_cookie_header
from reference_server.csrf import CsrfState, csrf_state
from reference_server.errors import BadRequest, CallbackUrlNotSendable, InvalidCallbackUrlError, InvalidProvider
from reference_server.providers import Provider, configured_providers
from reference_server.settings import Settings
from reference_server.store import Store

__all__ = ["ACTIONS", "AuthContext", "AuthResult", "build_context", "parse_action", "raw_path", "request_origin"]

ACTIONS = frozenset(
    {"providers", "session", "csrf", "signin", "signout", "callback", "verify-request", "error", "webauthn-options"}
)
_WITH_PROVIDER = frozenset({"signin", "callback", "webauthn-options"})


@dataclass
class AuthResult:
    """What an action answers, before it becomes an HTTP response."""

    status: int = 200
    body: Any = None
    content_type: str | None = None
    redirect: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[ResponseCookie] = field(default_factory=list)


@dataclass
class AuthContext:
    settings: Settings
    store: Store
    method: str
    action: str
    provider_id: str | None
    origin: str
    host: str
    request_url: str
    query: dict[str, str]
    body: dict[str, str]
    cookies: dict[str, str]
    headers: dict[str, str]
    client_ip: str | None
    names: CookieNames
    providers: tuple[Provider, ...]
    csrf: CsrfState
    callback: ResolvedCallbackUrl
    init_cookies: list[ResponseCookie]

    @property
    def base_url(self) -> str:
        return self.origin + self.settings.base_path

    @property
    def provider(self) -> Provider | None:
        return next((p for p in self.providers if p.id == self.provider_id), None)


def parse_action(path: str, base_path: str) -> tuple[str, str | None]:
    """`/api/auth/callback/google` -> ("callback", "google"); anything else raises BadRequest."""
    if not path.startswith(base_path + "/"):
        raise BadRequest(path)
    segments = [segment for segment in path[len(base_path) :].split("/") if segment]
    if not 1 <= len(segments) <= 2 or segments[0] not in ACTIONS:
        raise BadRequest(path)
    provider = segments[1] if len(segments) == 2 and segments[1] != "undefined" else None
    if len(segments) == 2 and segments[0] not in _WITH_PROVIDER:
        raise BadRequest(path)
    return segments[0], provider


def raw_path(request: Request) -> str:
    """The path as sent, still percent-encoded: Auth.js splits the encoded path, so `callback%2Fx` is one segment."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1").split("?", 1)[0] if raw else request.url.path


def request_origin(settings: Settings, request: Request) -> tuple[str, str]:
    if settings.origin:
        parts = urlsplit(settings.origin)
        return f"{parts.scheme}://{parts.netloc}", parts.netloc
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    if not settings.trust_host and request.scope.get("server"):
        address, port = request.scope["server"]
        host = f"[{address}]:{port}" if ":" in str(address) else f"{address}:{port}"
    if settings.has_flaw("trust-forwarded-host"):
        host = request.headers.get("x-forwarded-host") or host
    if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
        raise BadRequest("bad Host header")
    return f"{request.url.scheme}://{host}", host


async def _form_body(request: Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    raw = await request.body()  # already bounded in size and time by body_limits.BodyLimits
    text = raw.decode("utf-8", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(text or "{}")
        except (ValueError, RecursionError) as error:  # RecursionError: arrays nested thousands deep
            raise BadRequest("malformed JSON body") from error
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))


async def build_context(settings: Settings, store: Store, request: Request) -> AuthContext:
    """Auth.js `init`: raises BadRequest, InvalidProvider or InvalidCallbackUrlError like the library."""
    if request.method not in ("GET", "POST"):
        raise BadRequest(request.method)
    action, provider_id = parse_action(raw_path(request), settings.base_path)
    origin, host = request_origin(settings, request)
    secure = settings.secure_cookies if settings.secure_cookies is not None else origin.startswith("https://")
    names = cookie_names(secure)
    query = dict(request.query_params)
    query_string = request.url.query
    body = await _form_body(request)
    cookies = parse_cookie_header(request.headers.get("cookie", ""))
    param = body.get("callbackUrl") or query.get("callbackUrl")
    try:
        callback = resolve_callback_url(param, cookies.get(names.callback_url), origin)
    except InvalidCallbackUrl as error:
        if settings.has_flaw("callback-url-hangs"):
            await asyncio.sleep(30)  # GHSA-g5fm-jp9v-2432: the unhandled URL error left the request hanging
        raise InvalidCallbackUrlError(str(error)) from error
    except UnsendableCallbackUrl as error:
        stored = cookies.get(names.callback_url)
        clear = () if stored is None or is_sendable(stored) else (ResponseCookie.clearing(names.callback_url, secure),)
        raise CallbackUrlNotSendable(str(error), clear) from error
    providers = configured_providers(settings)
    if provider_id and provider_id not in {p.id for p in providers}:
        raise InvalidProvider(provider_id)
    csrf = csrf_state(
        cookies.get(names.csrf), ",".join(settings.secrets()), body.get("csrfToken"), request.method == "POST"
    )
    init_cookies = []
    if csrf.cookie_value:
        init_cookies.append(ResponseCookie(names.csrf, csrf.cookie_value, secure))
    if callback.cookie_value:
        init_cookies.append(ResponseCookie(names.callback_url, callback.cookie_value, secure))
    return AuthContext(
        settings=settings,
        store=store,
        method=request.method,
        action=action,
        provider_id=provider_id,
        origin=origin,
        host=host,
        request_url=origin + request.url.path + (f"?{query_string}" if query_string else ""),
        query=query,
        body=body,
        cookies=cookies,
        headers={k.lower(): v for k, v in request.headers.items()},
        client_ip=request.client.host if request.client else None,
        names=names,
        providers=providers,
        csrf=csrf,
        callback=callback,
        init_cookies=init_cookies,
    )

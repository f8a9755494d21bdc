"""The single ASGI app serving all vendors: path prefixes on the shared port, vendor host names by Host.

Shared port layout: ``/google/...``, ``/entra/{tenant}/...``, ``/graph/...``,
``/keycloak/realms/{realm}/...``,
control API under ``/_mock``. A request whose Host is a real vendor host (``accounts.google.com``,
``login.microsoftonline.com``, ...) is served that vendor's root-level paths instead (impersonation).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .inbox_api import inbox_routes
from .oidc import routing
from .oidc.control import ControlPlane, control_routes
from .oidc.provider import Provider
from .oidc.site import SITE_SCOPE_KEY, Site, site_of
from .smtp_inbox import Inbox
from .tls import DNS_NAMES as IMPERSONATED_HOSTS
from .tls import TlsFiles


class SiteMiddleware:
    """Record, per request, whether a vendor host is impersonated and which origin URLs should use."""

    def __init__(
        self,
        app: ASGIApp,
        impersonated: frozenset[str],
        public_url: str | None,
        public_https_port: int | None,
    ) -> None:
        self.app = app
        self.impersonated = impersonated
        self.public_url = public_url
        self.public_https_port = public_https_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            authority = headers.get(b"host", b"").decode("latin-1") or "localhost"
            https_port = self.public_https_port
            if https_port is None and scope.get("scheme") == "https" and scope.get("server"):
                https_port = scope["server"][1]
            forwarded = headers.get(b"x-forwarded-host", b"").decode("latin-1").strip().lower()
            if host_name(forwarded) in self.impersonated and host_name(authority) not in self.impersonated:
                # The Node preload (vendor_hosts.cjs) reached us for a vendor host: answer as that vendor, on
                # the port the app used (443 unless the forwarded host names one).
                others = [(k, v) for k, v in scope["headers"] if k != b"host"]
                scope["headers"] = [*others, (b"host", forwarded.encode())]
                authority = forwarded
                port = forwarded.rpartition(":")[2] if ":" in forwarded else ""
                https_port = int(port) if port.isdigit() and len(port) <= 5 else None
            hostname = host_name(authority)
            scope[SITE_SCOPE_KEY] = Site(
                scheme=scope.get("scheme", "http"),
                authority=authority,
                impersonating=hostname in self.impersonated,
                public_https_port=https_port,
                public_url=self.public_url,
            )
        await self.app(scope, receive, send)


def host_name(authority: str) -> str:
    """``accounts.google.com:4443`` -> ``accounts.google.com``; IPv6 literals stay whole."""
    return (authority.rsplit(":", 1)[0] if not authority.endswith("]") else authority).lower()


class CatchAllMiddleware:
    """The last net: an unhandled error is logged once and answered with a JSON 500.

    Without it the exception reaches uvicorn, which logs it a second time and closes the keep-alive
    connection, so the client's next request on it fails too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            routing.LOG.exception(
                "%s %s: unhandled error in the mock providers", scope.get("method"), scope.get("path")
            )
            if not started:
                await JSONResponse(routing.INTERNAL_ERROR.body(), status_code=500)(scope, receive, send)


class VendorHosts(BaseRoute):
    """The impersonated vendor hosts as one route: the Host header's name (`host_name`, as SiteMiddleware reads it)
    looked up in a table, where one `Host` route per name parsed the header and tried its pattern on every request
    before the path prefixes. The first router given for a name serves it, as the first matching `Host` did."""

    def __init__(self, routers: dict[str, ASGIApp]) -> None:
        self.routers = routers

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] in ("http", "websocket"):
            app = self.routers.get(host_name(Headers(scope=scope).get("host") or ""))
            if app is not None:
                return Match.FULL, {"path_params": dict(scope.get("path_params", {})), "endpoint": app}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["endpoint"](scope, receive, send)


def vendor_routes(providers: dict[str, Provider]) -> tuple[VendorHosts, list[BaseRoute]]:
    """(the host table for impersonation, prefix mounts for the shared port). Plain routers, not nested
    Starlette apps, whose own error middleware would answer text and re-raise past the catch-all."""
    hosts: dict[str, ASGIApp] = {}
    by_prefix: dict[str, list[BaseRoute]] = {}
    for provider in providers.values():
        for key, real_host in provider.HOSTS.items():
            served = routing.routes(provider, key)
            if not served:
                continue
            if real_host in IMPERSONATED_HOSTS:
                hosts.setdefault(real_host, Router(routes=served))
            by_prefix.setdefault(provider.PREFIXES[key], []).extend(served)
    mounts: list[BaseRoute] = [Mount(prefix, routes=routes) for prefix, routes in by_prefix.items()]
    return VendorHosts(hosts), mounts


def summary(providers: dict[str, Provider], request: Request) -> dict[str, Any]:
    site = site_of(request)
    return {
        name: {
            "client_id": p.client_id,
            "client_secret": p.client_secret,
            "discovery": [p.url(site, "discovery", t) for t in tenants_of(p)],
        }
        for name, p in providers.items()
    }


def tenants_of(provider: Provider) -> list[str]:
    return list(
        getattr(provider, "realms", None)
        or (["common", *getattr(provider, "tenants", ())] if hasattr(provider, "tenants") else [""])
    )


def build_app(
    providers: dict[str, Provider],
    control: ControlPlane,
    public_url: str | None = None,
    public_https_port: int | None = None,
    inbox: Inbox | None = None,
    smtp_url: Callable[[], str] = lambda: "",
    tls_files: Callable[[], TlsFiles | None] = lambda: None,
) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        control.reset()

    hosts, mounts = vendor_routes(providers)
    control_mount = Mount("/_mock", routes=control_routes(control, lambda r: summary(providers, r)))

    async def index(request: Request) -> JSONResponse:
        return JSONResponse(summary(providers, request))

    async def tls_pem(request: Request) -> Response:
        # The HTTPS listener's local CA (ca.pem) and certificate (server.pem), so a client of the control API (the
        # harness's mock-IdP client, its browser) can verify the mock's https URLs without turning verification off.
        files, name = tls_files(), request.path_params["name"]
        if files is None or name not in ("ca", "server"):
            return JSONResponse({"error": "no HTTPS listener" if files is None else "not found"}, status_code=404)
        path = files.ca_cert if name == "ca" else files.server_cert
        return Response(path.read_bytes(), media_type="application/x-pem-file")

    impersonated = frozenset(hosts.routers)
    inbox_api = inbox_routes(inbox, smtp_url) if inbox is not None else []
    routes: list[BaseRoute] = [
        Route("/_mock/{name:str}.pem", tls_pem),
        control_mount,
        *inbox_api,
        hosts,
        *mounts,
        Route("/", index),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(
        SiteMiddleware, impersonated=impersonated, public_url=public_url, public_https_port=public_https_port
    )
    app.add_middleware(CatchAllMiddleware)  # added last: outermost, so it also covers SiteMiddleware
    return app

"""The shared OpenID provider: state (keys, users, codes, tokens, faults) and the hooks vendors override.

A vendor overlay is a subclass that sets class attributes (``PATHS``, ``HOSTS``, ``ERRORS``, claim and
discovery data) and overrides a few small methods; the protocol lives in the endpoint modules.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .clients import Client
from .codes import AuthorizationRequest, CodeStore, request_flow
from .errors import OAuthError, Reason, word
from .faults import SCOPE_KEYS, Fault, FaultPlan
from .keys import KeyRing, KidStyle, hex40_kid
from .requestlog import LoggedRequest, RequestLog
from .site import Site
from .tokens import TokenStore
from .users import User, UserDirectory, numeric_sub

LOG = logging.getLogger("mock_providers")
INTERNAL_ERROR = OAuthError("server_error", "The mock provider hit an internal error (see its log).", 500)
Handler = Callable[["Provider", Request, dict[str, str], Fault | None], Awaitable[Response]]
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 100
EMAIL_CLAIMS = frozenset({"email", "email_verified"})
PROFILE_CLAIMS = frozenset({"name", "given_name", "family_name", "picture", "locale", "preferred_username"})


class Provider:
    """One vendor's OpenID provider. Subclasses are data: see google.py, entra.py, keycloak.py."""

    name: ClassVar[str] = "oidc"
    #: endpoint -> (host key, path template with an optional ``{tenant}``)
    PATHS: ClassVar[dict[str, tuple[str, str]]] = {}
    #: host key -> the vendor's real host name (impersonation) and prefix on the shared port
    HOSTS: ClassVar[dict[str, str]] = {}
    PREFIXES: ClassVar[dict[str, str]] = {}
    METHODS: ClassVar[dict[str, tuple[str, ...]]] = {
        "authorize": ("GET", "POST"),
        "token": ("POST",),
        "userinfo": ("GET", "POST"),
        "revoke": ("POST",),
        "logout": ("GET", "POST"),
        "introspect": ("POST",),
    }
    ERRORS: ClassVar[dict[str, tuple[str, str, int]]] = {}
    DISCOVERY: ClassVar[dict[str, Any]] = {}
    USER_SEED: ClassVar[int] = 1
    KID_STYLE: ClassVar[KidStyle] = staticmethod(hex40_kid)
    KEY_COUNT: ClassVar[int] = 1
    REJECT_VERIFIER_WITHOUT_CHALLENGE: ClassVar[bool] = False
    AUTH_RESPONSE_ISS: ClassVar[bool] = False
    ID_TOKEN_AT_HASH: ClassVar[bool] = True
    ID_TOKEN_TTL: ClassVar[int] = 3600
    ACCESS_TOKEN_TTL: ClassVar[int] = 3599
    ACCESS_TOKEN_PREFIX: ClassVar[str] = ""
    REFRESH_TOKEN_PREFIX: ClassVar[str] = ""
    REVOKE_UNKNOWN_IS_ERROR: ClassVar[bool] = False
    CODE_PREFIX: ClassVar[str] = ""
    ACCESS_DENIED_DESCRIPTION: ClassVar[str | None] = None
    ALWAYS_REFRESH_TOKEN: ClassVar[bool] = False

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | None,
        redirect_uris: Iterable[str] | None = None,
        users: Iterable[Mapping[str, Any]] = (),
        user_count: int = 3,
        code_ttl: float = 60.0,
        auto_login: bool = False,
        log: RequestLog | None = None,
    ) -> None:
        uris = tuple(redirect_uris) if redirect_uris is not None else None
        self.clients = {client_id: Client(client_id, client_secret, uris)}
        self.client_id, self.client_secret = client_id, client_secret
        self.keys = KeyRing(kid_style=type(self).KID_STYLE, initial_count=self.KEY_COUNT)
        self.users = UserDirectory(self.USER_SEED, user_count, self.make_sub, users)
        self.codes = CodeStore(code_ttl, self.CODE_PREFIX)
        self.tokens = TokenStore()
        self.faults = FaultPlan()
        self.log = log or RequestLog()
        self.pending: dict[str, AuthorizationRequest] = {}
        self.auto_login = auto_login
        self._initial_auto_login = auto_login

    make_sub = staticmethod(numeric_sub)

    # ---- tenants, issuers and URLs -------------------------------------------------------------------

    def resolve_tenant(self, name: str) -> str:
        """The tenant (Entra) or realm (Keycloak) in the path; raise ``tenant_unknown`` if not served."""
        return name

    def issuer(self, site: Site, tenant: str) -> str:
        raise NotImplementedError

    def token_issuer(self, site: Site, tenant: str, user: User) -> str:
        """The ``iss`` of tokens; equals the discovered issuer except where a vendor templates it."""
        return self.issuer(site, tenant)

    def url(self, site: Site, endpoint: str, tenant: str = "") -> str:
        host_key, path = self.PATHS[endpoint]
        return site.origin(self.HOSTS[host_key], self.PREFIXES[host_key]) + path.format(tenant=tenant)

    # ---- claims and token responses (vendors extend) --------------------------------------------------

    def identity_claims(self, user: User, tenant: str, client_id: str) -> dict[str, Any]:
        return {
            "sub": user.sub,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "picture": user.picture,
        }

    def scoped_claims(self, user: User, tenant: str, client_id: str, scope: str) -> dict[str, Any]:
        """Identity claims minus the email/profile ones whose scope was not granted; ``None`` dropped."""
        scopes = set(scope.split())
        claims = self.identity_claims(user, tenant, client_id) | user.claims
        return {
            k: v
            for k, v in claims.items()
            if v is not None
            and not (k in EMAIL_CLAIMS and "email" not in scopes)
            and not (k in PROFILE_CLAIMS and "profile" not in scopes)
        }

    def id_token_extra(self, user: User, tenant: str, client_id: str, session_id: str) -> dict[str, Any]:
        return {}

    def access_token(self, user: User, tenant: str, client_id: str, scope: str, issuer: str, session_id: str) -> str:
        return TokenStore.opaque(self.ACCESS_TOKEN_PREFIX)

    def refresh_token(self, issuer: str, client_id: str, session_id: str, scope: str) -> str:
        return TokenStore.opaque(self.REFRESH_TOKEN_PREFIX)

    def wants_refresh_token(self, scope: str, extra: Mapping[str, str]) -> bool:
        return self.ALWAYS_REFRESH_TOKEN or "offline_access" in scope.split()

    def token_response_extra(self, session_id: str, has_refresh: bool) -> dict[str, Any]:
        return {}

    def response_scope(self, scope: str) -> str:
        return scope

    def userinfo_claims(self, user: User, tenant: str, client_id: str, scope: str) -> dict[str, Any]:
        return self.scoped_claims(user, tenant, client_id, scope)

    def authorize_response_extra(
        self, site: Site, tenant: str, user: User, session_id: str, scope: str
    ) -> dict[str, str]:
        return {"iss": self.issuer(site, tenant)} if self.AUTH_RESPONSE_ISS else {}

    # ---- documents --------------------------------------------------------------------------------------

    def discovery(self, site: Site, tenant: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"issuer": self.issuer(site, tenant)}
        names = {
            "authorize": "authorization_endpoint",
            "token": "token_endpoint",
            "userinfo": "userinfo_endpoint",
            "revoke": "revocation_endpoint",
            "jwks": "jwks_uri",
            "logout": "end_session_endpoint",
            "introspect": "introspection_endpoint",
        }
        for endpoint, key in names.items():
            if endpoint in self.PATHS:
                doc[key] = self.url(site, endpoint, tenant)
        return doc | self.DISCOVERY

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() | {"alg": "RS256", "use": "sig"} for key in self.keys.keys]}

    # ---- errors -----------------------------------------------------------------------------------------

    def oauth_error(self, reason: Reason) -> OAuthError:
        return word(self.ERRORS, reason)

    def error_body(self, error: OAuthError, tenant: str) -> dict[str, Any]:
        return error.body()

    def error_response(self, error: OAuthError, tenant: str, endpoint: str = "token") -> Response:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if error.status_code == 401 and endpoint in ("userinfo", "graph_me", "graph_photo"):
            headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
        return JSONResponse(self.error_body(error, tenant), status_code=error.status_code, headers=headers)

    # ---- control ----------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.users.reset()
        self.codes.clear()
        self.tokens.clear()
        self.pending.clear()
        self.faults.clear()
        self.keys.reset()
        self.auto_login = self._initial_auto_login

    # ---- routing ----------------------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        from . import authorize, discovery, token, userinfo

        return {
            "discovery": discovery.discovery_endpoint,
            "jwks": discovery.jwks_endpoint,
            "authorize": authorize.authorize_endpoint,
            "token": token.token_endpoint,
            "userinfo": userinfo.userinfo_endpoint,
            "revoke": token.revoke_endpoint,
        }

    def routes(self, host_key: str) -> list[BaseRoute]:
        handlers = self.handlers()
        return [
            Route(path, self._endpoint(name, handlers[name]), methods=list(self.METHODS.get(name, ("GET",))))
            for name, (key, path) in self.PATHS.items()
            if key == host_key and name in handlers
        ]

    def _endpoint(self, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.dispatch(name, handler, request)

        return endpoint

    async def dispatch(self, name: str, handler: Handler, request: Request) -> Response:
        """Log, apply generic faults, run the handler, and word any refusal the vendor's way."""
        tenant_name = request.path_params.get("tenant", "")
        early: Reason | None = None
        try:
            params = await read_params(request)
        except Reason as reason:
            params, early = {}, reason
        entry = self.log.record(
            LoggedRequest(
                self.name,
                name,
                request.method,
                str(request.url),
                params,
                request.headers.get("authorization"),
            )
        )
        fault = self.faults.take(name, self.flow_of(name, params, request))
        entry.fault = fault.kind if fault else None
        try:
            if early:
                raise early
            response = await apply_generic_fault(self, fault, name, tenant_name)
            if response is None:
                request.state.tenant = self.resolve_tenant(tenant_name)
                response = await handler(self, request, params, fault)
        except Reason as reason:
            response = self.error_response(self.oauth_error(reason), tenant_name, name)
        except OAuthError as error:
            response = self.error_response(error, tenant_name, name)
        except Exception:  # a bug here must not look like a network failure: vendor-shaped 500, logged once
            LOG.exception("%s %s: unhandled error in the %s mock", request.method, request.url.path, self.name)
            response = self.error_response(INTERNAL_ERROR, tenant_name, name)
        entry.status = response.status_code
        return response

    def flow_of(self, endpoint: str, params: Mapping[str, str], request: Request) -> dict[str, str]:
        """What the authorization request behind this call is known by (for faults scoped to one sign-in):
        /authorize's own parameters; at /token the code's (or refresh token's) request; with an access token the
        request that issued it; elsewhere only a `client_id` the call names."""
        if endpoint == "authorize":
            return {key: params[key] for key in SCOPE_KEYS if params.get(key)}
        if endpoint == "token":
            code = self.codes.peek(params.get("code", ""))
            if code is not None:
                return request_flow(code.request)
            grant = self.tokens.refresh(params.get("refresh_token", ""))
            if grant is not None:
                return grant.flow
        bearer = request.headers.get("authorization", "")
        token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else params.get("access_token", "")
        grant = self.tokens.access(token) if token else None
        if grant is not None:
            return grant.flow
        return {"client_id": params["client_id"]} if params.get("client_id") else {}


async def read_params(request: Request) -> dict[str, str]:
    """Query plus urlencoded body, bounded; undecodable or oversized input is a ``malformed_request``."""
    params = dict(request.query_params)
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


def new_session_id() -> str:
    return str(uuid.uuid4())


def now() -> int:
    return int(time.time())

"""The shared OpenID provider: state (keys, users, codes, tokens, faults) and the hooks vendors override.

A vendor overlay is a subclass that sets class attributes (``PATHS``, ``HOSTS``, ``ERRORS``, claim and
discovery data) and overrides a few small methods; the protocol lives in the endpoint modules, which import this
one, and routing.py maps paths to them. This module imports neither, so the package's import graph is one-way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .claims import released
from .clients import Client
from .codes import AuthorizationRequest, CodeStore
from .errors import OAuthError, Reason, word
from .faults import Fault, FaultPlan
from .keys import KeyRing, KidStyle, hex40_kid
from .requestlog import RequestLog
from .sign_ahead import SignAhead
from .site import Site
from .tokens import TokenStore
from .users import User, UserDirectory, numeric_sub

#: An endpoint: (provider, request, query+form parameters, the fault taken for this call) -> response.
Handler = Callable[["Provider", Request, dict[str, str], Fault | None], Awaitable[Response]]


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
    #: endpoint -> handler, for a vendor's own endpoints beside the core's (routing.ENDPOINTS); see entra.py
    EXTRA_HANDLERS: ClassVar[Mapping[str, Handler]] = {}
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
        self.sign_ahead = SignAhead(self.codes)
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
        return released(self.identity_claims(user, tenant, client_id) | user.claims, scope)

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
        self.sign_ahead.clear()
        self.tokens.clear()
        self.pending.clear()
        self.faults.clear()
        self.keys.reset()
        self.auto_login = self._initial_auto_login

"""Microsoft Entra ID (Azure AD) v2.0 endpoints per tenant, AADSTS error bodies, and a Graph stand-in.

Issuer modes for ``common``/``organizations`` discovery: ``template`` (what Microsoft serves:
``{base}/{tenantid}/v2.0``; Auth.js v5 substitutes it) or ``concrete`` (``{base}/<primary tenant>/v2.0``; what
next-auth v4 needs off login.microsoftonline.com, since only that host gets ``{tenantid}`` substitution).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from spec.providers import MOCKS

from . import graph
from .graph import graph_error
from .oidc.claims import now
from .oidc.errors import OAuthError, Reason
from .oidc.keys import KidStyle, b64url, thumbprint_kid
from .oidc.provider import Handler, Provider
from .oidc.site import Site
from .oidc.users import User, guid_sub

CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
CLIENT_SECRET = "mock~entra~client~secret"
PRIMARY_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
MULTI_TENANTS = ("common", "organizations")
ISSUER_MODES = ("template", "concrete")
AADSTS = re.compile(r"^AADSTS(\d+)")


class EntraProvider(Provider):
    name = "entra"
    HOSTS: ClassVar[dict[str, str]] = dict(MOCKS["entra"].hosts)
    PREFIXES: ClassVar[dict[str, str]] = {"login": "/entra", "graph": "/graph"}
    PATHS: ClassVar[dict[str, tuple[str, str]]] = {
        "discovery": ("login", "/{tenant}/v2.0/.well-known/openid-configuration"),
        "authorize": ("login", "/{tenant}/oauth2/v2.0/authorize"),
        "token": ("login", "/{tenant}/oauth2/v2.0/token"),
        "logout": ("login", "/{tenant}/oauth2/v2.0/logout"),
        "jwks": ("login", "/{tenant}/discovery/v2.0/keys"),
        "userinfo": ("graph", "/oidc/userinfo"),
        "graph_me": ("graph", "/v1.0/me"),
        "graph_photo": ("graph", "/v1.0/me/photos/{size}/$value"),
        "graph_photo_default": ("graph", "/v1.0/me/photo/$value"),
    }
    DISCOVERY: ClassVar[dict[str, Any]] = {
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "request_uri_parameter_supported": False,
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],
        "tenant_region_scope": None,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    ERRORS: ClassVar[dict[str, tuple[str, str, int]]] = {
        "code_invalid": (
            "invalid_grant",
            "AADSTS9002313: Invalid request. Request is malformed or invalid.",
            400,
        ),
        "code_reused": (
            "invalid_grant",
            "AADSTS54005: OAuth2 Authorization code was already redeemed, please "
            "retry with a new valid code or use an existing refresh token.",
            400,
        ),
        "code_expired": (
            "invalid_grant",
            "AADSTS70008: The provided authorization code or refresh token has "
            "expired due to inactivity. Send a new interactive authorization request for this "
            "user and resource.",
            400,
        ),
        "code_client_mismatch": (
            "invalid_grant",
            "AADSTS70000: The provided value for the 'code' parameter is not valid.",
            400,
        ),
        "code_missing": (
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'code'.",
            400,
        ),
        "redirect_mismatch": (
            "invalid_request",
            "AADSTS50011: The redirect URI '{redirect_uri}' specified in "
            "the request does not match the redirect URIs configured for the application "
            "'{client_id}'.",
            400,
        ),
        "client_unknown": (
            "unauthorized_client",
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory.",
            400,
        ),
        "client_missing": (
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
            400,
        ),
        "client_secret": (
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret "
            "being sent in the request is the client secret value, not the client secret ID, "
            "for a secret added to app '{client_id}'.",
            401,
        ),
        "grant_type": (
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type '{grant_type}'.",
            400,
        ),
        "grant_type_missing": (
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
            400,
        ),
        "pkce_missing_verifier": (
            "invalid_grant",
            "AADSTS50148: The code_verifier does not match the "
            "code_challenge supplied in the authorization request for PKCE.",
            400,
        ),
        "pkce_invalid_verifier": (
            "invalid_grant",
            "AADSTS501491: Invalid size of Code_Verifier parameter.",
            400,
        ),
        "pkce_mismatch": (
            "invalid_grant",
            "AADSTS50148: The code_verifier does not match the code_challenge "
            "supplied in the authorization request for PKCE.",
            400,
        ),
        "refresh_invalid": (
            "invalid_grant",
            "AADSTS9002313: Invalid request. Request is malformed or invalid.",
            400,
        ),
        "tenant_unknown": (
            "invalid_tenant",
            "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you "
            "have the correct tenant ID and are signing into the correct cloud.",
            400,
        ),
        "malformed_request": (
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
            400,
        ),
        "token_invalid": ("InvalidAuthenticationToken", "Access token validation failure.", 401),
        "token_missing": ("InvalidAuthenticationToken", "Access token is empty.", 401),
    }
    EXTRA_HANDLERS: ClassVar[Mapping[str, Handler]] = {
        "graph_me": graph.me_endpoint,
        "graph_photo": graph.photo_endpoint,
        "graph_photo_default": graph.photo_endpoint,
    }
    ACCESS_DENIED_DESCRIPTION = "AADSTS65004: User declined to consent to access the app."
    USER_SEED = 2002
    KID_STYLE: ClassVar[KidStyle] = staticmethod(thumbprint_kid)
    KEY_COUNT = 2
    ID_TOKEN_AT_HASH = False
    make_sub = staticmethod(guid_sub)

    def __init__(
        self, *, tenants: tuple[str, ...] = (PRIMARY_TENANT,), issuer_mode: str = "template", **kwargs: Any
    ) -> None:
        if issuer_mode not in ISSUER_MODES:
            raise ValueError(f"entra issuer mode must be one of {', '.join(ISSUER_MODES)}; got {issuer_mode!r}")
        super().__init__(**kwargs)
        self.tenants = tuple(t.lower() for t in tenants) or (PRIMARY_TENANT,)
        self.issuer_mode = issuer_mode

    @property
    def primary_tenant(self) -> str:
        return self.tenants[0]

    def resolve_tenant(self, name: str) -> str:
        tenant = name.lower()
        domains = {u.domain for u in self.users.users}
        if tenant in ("", *MULTI_TENANTS, "consumers", MSA_TENANT, *self.tenants) or tenant in domains:
            return tenant
        raise Reason("tenant_unknown", tenant=name[:100])

    def tenant_id(self, tenant: str, user: User | None = None) -> str:
        """The ``tid`` for a sign-in through this tenant path."""
        if tenant in self.tenants or tenant == MSA_TENANT:
            return tenant
        if tenant == "consumers":
            return MSA_TENANT
        return (user.tenant if user and user.tenant else None) or self.primary_tenant

    def login_origin(self, site: Site) -> str:
        return site.origin(self.HOSTS["login"], self.PREFIXES["login"])

    def issuer(self, site: Site, tenant: str) -> str:
        if tenant in MULTI_TENANTS and self.issuer_mode == "template":
            return f"{self.login_origin(site)}/{{tenantid}}/v2.0"
        return f"{self.login_origin(site)}/{self.tenant_id(tenant)}/v2.0"

    def token_issuer(self, site: Site, tenant: str, user: User) -> str:
        return f"{self.login_origin(site)}/{self.tenant_id(tenant, user)}/v2.0"

    def discovery(self, site: Site, tenant: str) -> dict[str, Any]:
        doc = super().discovery(site, tenant)
        base = f"{self.login_origin(site)}/{tenant}"
        return doc | {
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "kerberos_endpoint": f"{base}/kerberos",
        }

    def jwks(self) -> dict[str, Any]:
        template = "https://login.microsoftonline.com/{tenantid}/v2.0"
        return {
            "keys": [
                key.public_jwk()
                | {"use": "sig", "x5t": key.thumbprint, "x5c": [key.certificate_b64()], "issuer": template}
                for key in self.keys.keys
            ]
        }

    def object_id(self, user: User) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra-oid:{user.sub}"))

    def identity_claims(self, user: User, tenant: str, client_id: str) -> dict[str, Any]:
        pairwise = b64url(hashlib.sha256(f"{self.object_id(user)}:{client_id}".encode()).digest())[:43]
        return {
            "sub": pairwise,
            "oid": self.object_id(user),
            "tid": self.tenant_id(tenant, user),
            "name": user.name,
            "preferred_username": user.email,
            "email": user.email,
        }

    def id_token_extra(self, user: User, tenant: str, client_id: str, session_id: str) -> dict[str, Any]:
        return {
            "ver": "2.0",
            "nbf": now(),
            "sid": session_id,
            "aio": b64url(uuid.uuid4().bytes * 2),
            "rh": "0.AAAA" + b64url(uuid.uuid4().bytes),
            "uti": b64url(uuid.uuid4().bytes)[:22],
        }

    def userinfo_claims(self, user: User, tenant: str, client_id: str, scope: str) -> dict[str, Any]:
        sub = self.identity_claims(user, tenant, client_id)["sub"]
        return {
            "sub": sub,
            "name": user.name,
            "family_name": user.family_name,
            "given_name": user.given_name,
            "picture": "https://graph.microsoft.com/v1.0/me/photo/$value",
            "email": user.email,
        }

    def authorize_response_extra(
        self, site: Site, tenant: str, user: User, session_id: str, scope: str
    ) -> dict[str, str]:
        return {"session_state": session_id}

    def error_body(self, error: OAuthError, tenant: str) -> dict[str, Any]:
        """AADSTS shape: description with Trace/Correlation/Timestamp lines, plus error_codes and ids."""
        if error.error == "InvalidAuthenticationToken":
            return graph_error(error.error, error.description)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = dt.datetime.now(dt.UTC)
        match = AADSTS.match(error.description)
        return {
            "error": error.error,
            "error_description": f"{error.description}\r\nTrace ID: {trace}\r\nCorrelation ID: "
            f"{correlation}\r\nTimestamp: {stamp:%Y-%m-%d %H:%M:%S}Z",
            "error_codes": [int(match.group(1))] if match else [],
            "timestamp": f"{stamp:%Y-%m-%d %H:%M:%S}Z",
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={match.group(1) if match else ''}",
        }

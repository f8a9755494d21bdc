"""Keycloak (17+, no ``/auth``) realms: issuer ``{base}/realms/{realm}``, its claims, tokens and errors."""

from __future__ import annotations

import secrets
import time
from typing import Any, ClassVar

from spec.providers import MOCKS

from .oidc.claims import now
from .oidc.errors import OAuthError, Reason
from .oidc.keys import KidStyle, compact_hs512, random_b64_kid
from .oidc.provider import Provider
from .oidc.site import Site
from .oidc.users import User, guid_sub

CLIENT_ID = "nextauth"
CLIENT_SECRET = "mock-keycloak-client-secret"
DEFAULT_REALMS = ("nextauth", "algapsa")
REFRESH_TTL = 1800
KC = "/protocol/openid-connect"


class KeycloakProvider(Provider):
    name = "keycloak"
    HOSTS: ClassVar[dict[str, str]] = dict(MOCKS["keycloak"].hosts)
    PREFIXES: ClassVar[dict[str, str]] = {"kc": "/keycloak"}
    PATHS: ClassVar[dict[str, tuple[str, str]]] = {
        "discovery": ("kc", "/realms/{tenant}/.well-known/openid-configuration"),
        "authorize": ("kc", "/realms/{tenant}" + KC + "/auth"),
        "token": ("kc", "/realms/{tenant}" + KC + "/token"),
        "introspect": ("kc", "/realms/{tenant}" + KC + "/token/introspect"),
        "userinfo": ("kc", "/realms/{tenant}" + KC + "/userinfo"),
        "jwks": ("kc", "/realms/{tenant}" + KC + "/certs"),
        "logout": ("kc", "/realms/{tenant}" + KC + "/logout"),
        "revoke": ("kc", "/realms/{tenant}" + KC + "/revoke"),
    }
    DISCOVERY: ClassVar[dict[str, Any]] = {
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "password",
            "client_credentials",
            "urn:openid:params:grant-type:ciba",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "response_types_supported": [
            "code",
            "none",
            "id_token",
            "token",
            "id_token token",
            "code id_token",
            "code token",
            "code id_token token",
        ],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256", "none"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "tls_client_auth",
            "client_secret_jwt",
        ],
        "claims_supported": [
            "aud",
            "sub",
            "iss",
            "auth_time",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
            "acr",
        ],
        "scopes_supported": [
            "openid",
            "basic",
            "address",
            "profile",
            "web-origins",
            "organization",
            "service_account",
            "microprofile-jwt",
            "email",
            "roles",
            "acr",
            "phone",
            "offline_access",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "claims_parameter_supported": True,
        "request_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "authorization_response_iss_parameter_supported": True,
    }
    ERRORS: ClassVar[dict[str, tuple[str, str, int]]] = {
        "code_invalid": ("invalid_grant", "Code not valid", 400),
        "code_reused": ("invalid_grant", "Code not valid", 400),
        "code_expired": ("invalid_grant", "Code is expired", 400),
        "code_client_mismatch": ("invalid_grant", "Auth error", 400),
        "code_missing": ("invalid_request", "Missing parameter: code", 400),
        "redirect_mismatch": ("invalid_grant", "Incorrect redirect_uri", 400),
        "client_unknown": ("invalid_client", "Invalid client or Invalid client credentials", 401),
        "client_missing": ("invalid_client", "Invalid client or Invalid client credentials", 401),
        "client_secret": ("unauthorized_client", "Invalid client or Invalid client credentials", 401),
        "grant_type": ("unsupported_grant_type", "Unsupported grant_type", 400),
        "grant_type_missing": ("invalid_request", "Missing form parameter: grant_type", 400),
        "pkce_missing_verifier": ("invalid_grant", "PKCE code verifier not specified", 400),
        "pkce_invalid_verifier": ("invalid_grant", "PKCE verification failed: Invalid code verifier", 400),
        "pkce_mismatch": ("invalid_grant", "PKCE verification failed: Code mismatch", 400),
        "pkce_no_challenge": (
            "invalid_grant",
            "PKCE code verifier specified but challenge not present in authorization",
            400,
        ),
        "refresh_invalid": ("invalid_grant", "Invalid refresh token", 400),
        "token_invalid": ("invalid_token", "Token verification failed", 401),
        "token_missing": ("invalid_request", "Token not provided", 401),
        "tenant_unknown": ("Realm does not exist", "Realm does not exist", 404),
        "malformed_request": ("invalid_request", "Invalid request", 400),
    }
    ACCESS_DENIED_DESCRIPTION = "User denied consent"
    USER_SEED = 3003
    KID_STYLE: ClassVar[KidStyle] = staticmethod(random_b64_kid)
    REJECT_VERIFIER_WITHOUT_CHALLENGE = True
    AUTH_RESPONSE_ISS = True
    ALWAYS_REFRESH_TOKEN = True
    LOGOUT_NEEDS_HINT = True
    ACCESS_TOKEN_TTL = 300
    ID_TOKEN_TTL = 300
    make_sub = staticmethod(guid_sub)

    def __init__(self, *, realms: tuple[str, ...] = DEFAULT_REALMS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.realms = tuple(realms) or DEFAULT_REALMS
        self._refresh_secret = secrets.token_bytes(64)

    def resolve_tenant(self, name: str) -> str:
        if name not in self.realms:
            raise Reason("tenant_unknown", tenant=name[:100])
        return name

    def issuer(self, site: Site, tenant: str) -> str:
        return site.origin(self.HOSTS["kc"], self.PREFIXES["kc"]) + f"/realms/{tenant}"

    def identity_claims(self, user: User, tenant: str, client_id: str) -> dict[str, Any]:
        return super().identity_claims(user, tenant, client_id) | {"preferred_username": user.username}

    def id_token_extra(self, user: User, tenant: str, client_id: str, session_id: str) -> dict[str, Any]:
        return {
            "typ": "ID",
            "azp": client_id,
            "sid": session_id,
            "auth_time": now(),
            "acr": "1",
            "jti": secrets.token_hex(16),
        }

    def role_claims(self, user: User, client_id: str) -> dict[str, Any]:
        return {
            "realm_access": {"roles": ["offline_access", "uma_authorization", *user.roles]},
            "resource_access": {
                client_id: {"roles": list(user.roles)},
                "account": {"roles": ["manage-account", "view-profile"]},
            },
        }

    def access_token(self, user: User, tenant: str, client_id: str, scope: str, issuer: str, session_id: str) -> str:
        issued = now()
        claims = {
            "exp": issued + self.ACCESS_TOKEN_TTL,
            "iat": issued,
            "jti": secrets.token_hex(16),
            "iss": issuer,
            "aud": "account",
            "typ": "Bearer",
            "azp": client_id,
            "sid": session_id,
            "acr": "1",
            "allowed-origins": ["*"],
            "scope": scope,
        }
        claims |= self.role_claims(user, client_id) | self.scoped_claims(user, tenant, client_id, scope)
        return self.keys.sign(claims)

    def refresh_token(self, issuer: str, client_id: str, session_id: str, scope: str) -> str:
        issued = now()
        claims = {
            "exp": issued + REFRESH_TTL,
            "iat": issued,
            "jti": secrets.token_hex(16),
            "iss": issuer,
            "aud": issuer,
            "typ": "Refresh",
            "azp": client_id,
            "sid": session_id,
            "scope": scope,
            "nonce_salt": time.time_ns(),
        }
        return compact_hs512(claims, {"typ": "JWT"}, self._refresh_secret)

    def token_response_extra(self, session_id: str, has_refresh: bool) -> dict[str, Any]:
        return {
            "refresh_expires_in": REFRESH_TTL if has_refresh else 0,
            "not-before-policy": 0,
            "session_state": session_id,
        }

    def authorize_response_extra(
        self, site: Site, tenant: str, user: User, session_id: str, scope: str
    ) -> dict[str, str]:
        return {"session_state": session_id, "iss": self.issuer(site, tenant)}

    def error_body(self, error: OAuthError, tenant: str) -> dict[str, Any]:
        return error.body()

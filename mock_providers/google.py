"""Google as an OpenID provider: accounts.google.com discovery, Google's claims, token shape and errors."""

from __future__ import annotations

from typing import Any, ClassVar

from spec.providers import MOCKS

from .oidc.keys import KidStyle, hex40_kid
from .oidc.provider import Provider
from .oidc.site import Site
from .oidc.users import User, numeric_sub

CLIENT_ID = "000000000000-mockclientid0000000000000000000.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-mock-google-client-secret"
SCOPE_EXPANSION = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}
CONSUMER_DOMAINS = ("gmail.com", "googlemail.com")


class GoogleProvider(Provider):
    name = "google"
    HOSTS: ClassVar[dict[str, str]] = dict(MOCKS["google"].hosts)
    PREFIXES: ClassVar[dict[str, str]] = dict.fromkeys(HOSTS, "/google")
    PATHS: ClassVar[dict[str, tuple[str, str]]] = {
        "discovery": ("accounts", "/.well-known/openid-configuration"),
        "authorize": ("accounts", "/o/oauth2/v2/auth"),
        "token": ("oauth2", "/token"),
        "revoke": ("oauth2", "/revoke"),
        "userinfo": ("openidconnect", "/v1/userinfo"),
        "jwks": ("www", "/oauth2/v3/certs"),
    }
    DISCOVERY: ClassVar[dict[str, Any]] = {
        "response_types_supported": [
            "code",
            "token",
            "id_token",
            "code token",
            "code id_token",
            "token id_token",
            "code token id_token",
            "none",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": [
            "aud",
            "email",
            "email_verified",
            "exp",
            "family_name",
            "given_name",
            "iat",
            "iss",
            "name",
            "picture",
            "sub",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ],
    }
    ERRORS: ClassVar[dict[str, tuple[str, str, int]]] = {
        "code_invalid": ("invalid_grant", "Malformed auth code.", 400),
        "code_reused": ("invalid_grant", "Bad Request", 400),
        "code_expired": ("invalid_grant", "Bad Request", 400),
        "code_client_mismatch": ("invalid_grant", "Bad Request", 400),
        "code_missing": ("invalid_request", "Missing required parameter: code", 400),
        "redirect_mismatch": ("redirect_uri_mismatch", "Bad Request", 400),
        "client_unknown": ("invalid_client", "The OAuth client was not found.", 401),
        "client_missing": ("invalid_request", "Could not determine client ID from request.", 400),
        "client_secret": ("invalid_client", "Unauthorized", 401),
        "grant_type": ("unsupported_grant_type", "Invalid grant_type: {grant_type}", 400),
        "grant_type_missing": ("unsupported_grant_type", "Invalid grant_type: ", 400),
        "pkce_missing_verifier": ("invalid_grant", "Missing code verifier.", 400),
        "pkce_invalid_verifier": ("invalid_grant", "Invalid code verifier.", 400),
        "pkce_mismatch": ("invalid_grant", "Invalid code verifier.", 400),
        "refresh_invalid": ("invalid_grant", "Bad Request", 400),
        "token_invalid": ("invalid_request", "Invalid Credentials", 401),
        "token_missing": ("invalid_request", "Invalid Credentials", 401),
        "malformed_request": ("invalid_request", "Invalid request.", 400),
    }
    USER_SEED = 1001
    KID_STYLE: ClassVar[KidStyle] = staticmethod(hex40_kid)
    KEY_COUNT = 2
    ACCESS_TOKEN_PREFIX = "ya29.a0"
    REFRESH_TOKEN_PREFIX = "1//0g"
    CODE_PREFIX = "4/0A"
    REVOKE_UNKNOWN_IS_ERROR = True
    make_sub = staticmethod(numeric_sub)

    def issuer(self, site: Site, tenant: str) -> str:
        return site.origin(self.HOSTS["accounts"], self.PREFIXES["accounts"])

    def identity_claims(self, user: User, tenant: str, client_id: str) -> dict[str, Any]:
        claims = super().identity_claims(user, tenant, client_id) | {"locale": user.locale}
        if user.domain not in CONSUMER_DOMAINS:
            claims["hd"] = user.domain
        return claims

    def id_token_extra(self, user: User, tenant: str, client_id: str, session_id: str) -> dict[str, Any]:
        return {"azp": client_id}

    def wants_refresh_token(self, scope: str, extra: dict[str, str]) -> bool:  # type: ignore[override]
        return extra.get("access_type") == "offline"

    def response_scope(self, scope: str) -> str:
        """Google answers with the expanded scope URLs, sorted, e.g. ``.../userinfo.email ... openid``."""
        return " ".join(sorted(SCOPE_EXPANSION.get(s, s) for s in scope.split()))

    def authorize_response_extra(
        self, site: Site, tenant: str, user: User, session_id: str, scope: str
    ) -> dict[str, str]:
        extra = {"scope": self.response_scope(scope), "authuser": "0", "prompt": "consent"}
        if user.domain not in CONSUMER_DOMAINS:
            extra["hd"] = user.domain
        return extra

"""OAuth/OIDC sign-in (authorization redirect) and provider callbacks. Filled in by the mock-providers work."""

from __future__ import annotations

from reference_server.context import AuthContext, AuthResult
from reference_server.errors import InvalidCheck, OAuthSignInError
from reference_server.providers import Provider


def authorization_redirect(ctx: AuthContext, provider: Provider) -> AuthResult:
    raise OAuthSignInError(provider.id)


def callback(ctx: AuthContext, provider: Provider) -> AuthResult:
    raise InvalidCheck(provider.id)

"""Auth.js v5 error types and where each one sends the browser (@auth/core errors.ts, index.ts).

A thrown error becomes a 302 to `<origin><pages[kind] or basePath/kind>?error=<type>`. Only client-safe types
travel in the URL; everything else is reported as `Configuration`, so internals never leak.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessDenied",
    "AuthError",
    "BadRequest",
    "CallbackUrlNotSendable",
    "CredentialsSignin",
    "InvalidCallbackUrlError",
    "InvalidCheck",
    "InvalidProvider",
    "MissingCSRF",
    "OAuthCallbackError",
    "OAuthSignInError",
    "UnknownAction",
    "Verification",
    "WebAuthnVerificationError",
]


class AuthError(Exception):
    """Base: `type` is the wire name, `kind` the page it lands on, `client_safe` whether the name is shown."""

    type = "Configuration"
    kind = "error"
    client_safe = False
    response_cookies: tuple[Any, ...] = ()
    """Set-Cookie lines (cookies.ResponseCookie) the error redirect carries."""

    def redirect_error(self) -> str:
        return self.type if self.client_safe else "Configuration"


class BadRequest(Exception):
    """The request does not parse as an Auth.js action at all (path, method, body): 400 "Bad request."."""


class UnknownAction(AuthError):
    """A parsed action that cannot be served (GET signin/{provider} in v5): a Configuration redirect."""

    type = "UnknownAction"


class InvalidCallbackUrlError(AuthError):
    """callbackUrl (query, body or cookie) is neither /relative nor absolute http(s): a configuration error."""

    type = "InvalidCallbackUrl"


class CallbackUrlNotSendable(AuthError):
    """callbackUrl cannot be a Location header value. Auth.js ends such a request with a Configuration redirect
    (`Headers.set` throws in `toResponse`); here it is raised in init, before the action writes anything, and a
    callback-url cookie holding such a value is cleared, so the browser's next request works again."""

    def __init__(self, message: str, response_cookies: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.response_cookies = response_cookies


class InvalidProvider(AuthError):
    type = "InvalidProvider"


class Verification(AuthError):
    """An emailed sign-in link whose token is unknown, used, expired or for another address (callback/index.ts)."""

    type = "Verification"
    client_safe = True


class WebAuthnVerificationError(AuthError):
    """A passkey registration or assertion failed verification (@auth/core errors.js: a client-safe type)."""

    type = "WebAuthnVerificationError"
    client_safe = True


class InvalidCheck(AuthError):
    """A PKCE, state or nonce check cookie was missing, unreadable or did not match."""

    type = "InvalidCheck"


class OAuthSignInError(AuthError):
    type = "OAuthSignInError"
    kind = "signIn"


class AccessDenied(AuthError):
    type = "AccessDenied"
    client_safe = True


class CredentialsSignin(AuthError):
    type = "CredentialsSignin"
    kind = "signIn"
    client_safe = True
    code = "credentials"


class MissingCSRF(AuthError):
    type = "MissingCSRF"
    kind = "signIn"
    client_safe = True


class OAuthCallbackError(AuthError):
    """The provider answered `?error=` (for example the user pressed Deny)."""

    type = "OAuthCallbackError"
    kind = "signIn"
    client_safe = True

"""OAuth errors (RFC 6749 5.2) as classes named by wire code, and the reasons vendors word differently.

The core raises :class:`Reason` ("code_reused", "pkce_mismatch", ...). Each vendor maps a reason to
``(error, error_description, status)`` in its ``ERRORS`` table and renders the body in its own shape.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

#: Fallback wording when a vendor table lacks a reason.
DEFAULT_ERRORS: dict[str, tuple[str, str, int]] = {
    "code_invalid": ("invalid_grant", "Invalid authorization code", 400),
    "code_reused": ("invalid_grant", "Authorization code already used", 400),
    "code_expired": ("invalid_grant", "Authorization code expired", 400),
    "code_client_mismatch": ("invalid_grant", "Authorization code was issued to another client", 400),
    "code_missing": ("invalid_request", "Missing parameter: code", 400),
    "redirect_mismatch": ("invalid_grant", "Incorrect redirect_uri", 400),
    "client_unknown": ("invalid_client", "Unknown client", 401),
    "client_secret": ("invalid_client", "Invalid client credentials", 401),
    "client_missing": ("invalid_request", "Missing client_id", 400),
    "grant_type": ("unsupported_grant_type", "Unsupported grant_type", 400),
    "grant_type_missing": ("invalid_request", "Missing grant_type", 400),
    "pkce_missing_verifier": ("invalid_grant", "PKCE code verifier not specified", 400),
    "pkce_invalid_verifier": ("invalid_grant", "Invalid code verifier", 400),
    "pkce_mismatch": ("invalid_grant", "PKCE verification failed", 400),
    "pkce_no_challenge": ("invalid_grant", "code verifier sent without challenge", 400),
    "refresh_invalid": ("invalid_grant", "Invalid refresh token", 400),
    "revoke_invalid": ("invalid_token", "Token expired or revoked", 400),
    "token_invalid": ("invalid_token", "Invalid access token", 401),
    "token_missing": ("invalid_request", "Missing access token", 401),
    "tenant_unknown": ("invalid_request", "Unknown tenant", 404),
    "malformed_request": ("invalid_request", "Malformed request", 400),
    "access_denied": ("access_denied", "The user denied the request", 302),
    "login_required": ("login_required", "User interaction required", 302),
    "response_type": ("unsupported_response_type", "Unsupported response_type", 400),
}


class Reason(Exception):  # noqa: N818 - it names why a request fails, the vendor picks the wire error
    """Why a request is refused, independent of vendor wording; ``detail`` fills ``{placeholders}``."""

    def __init__(self, key: str, **detail: Any) -> None:
        super().__init__(key)
        self.key = key
        self.detail = detail


@dataclass
class OAuthError(Exception):
    """A wire error: ``error`` code, human description, HTTP status, plus vendor extra fields."""

    error: str
    description: str
    status_code: int = 400
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description, **self.extra}


def word(table: dict[str, tuple[str, str, int]], reason: Reason) -> OAuthError:
    """Turn a reason into the vendor's wording; unknown placeholders stay visible rather than crash."""
    error, description, status = table.get(reason.key) or DEFAULT_ERRORS[reason.key]
    with contextlib.suppress(KeyError, IndexError):
        description = description.format(**reason.detail)
    return OAuthError(error, description, status)

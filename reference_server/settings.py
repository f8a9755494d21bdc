"""What a reference server deployment is: secret, origin, providers, pages, store.

Mirrors the knobs AlgaPSA turns on Auth.js v5 (research/algapsa.md section 1): a secret, an optional fixed
public URL (NEXTAUTH_URL), custom pages, the OAuth providers that are configured, the session lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reference_server.flaws import validate_flaws

__all__ = ["OAuthProviderConfig", "Pages", "Settings"]


@dataclass(frozen=True)
class Pages:
    """Custom pages (Auth.js `pages`). None means the built-in page is rendered."""

    sign_in: str | None = None
    sign_out: str | None = None
    error: str | None = None
    verify_request: str | None = None


@dataclass(frozen=True)
class OAuthProviderConfig:
    """One OAuth/OIDC provider as the app configures it: only issuer and client credentials."""

    id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    checks: tuple[str, ...] = ("pkce",)
    scope: str = "openid profile email"
    userinfo: bool = False
    """Take the profile from the userinfo endpoint too (Auth.js v5 `idToken: false`), its sub checked."""


@dataclass(frozen=True)
class Settings:
    """One deployment. `origin=None` trusts the request's Host, as Auth.js v5 does with `trustHost`."""

    secret: str = "nextauth-conformance-dev-secret"
    origin: str | None = None
    base_path: str = "/api/auth"
    database: str = ":memory:"
    seed: int = 20260101
    seed_users: int = 8
    oauth_providers: tuple[OAuthProviderConfig, ...] = ()
    pages: Pages = field(default_factory=Pages)
    webauthn: bool = False
    email_server: str | None = None
    """`smtp://host:port` of the mail server: set, it turns on the email (magic link) provider (`--email`)."""
    email_from: str = "noreply@example.com"
    email_max_age: int = 86400
    """Lifetime of an emailed sign-in link in seconds (Auth.js's provider `maxAge`, default one day)."""
    session_max_age: int = 86400
    secure_cookies: bool | None = None
    http_timeout: float = 10.0
    max_body_bytes: int = 64 * 1024
    body_timeout: float = 10.0
    """Request bodies: larger ones get 413 unread, slower ones 408 (reference_server/body_limits.py)."""
    trust_host: bool = True
    """Without `origin`: True takes it from the Host header (Auth.js v5 `trustHost`, what `serve` does, so
    `localhost` and `127.0.0.1` both work); False from the address the connection reached (a pinned origin, as
    a deployment with AUTH_URL has; the embedded harness target uses it)."""
    flaws: frozenset[str] = frozenset()
    """Deliberate flaws for fail tests (reference_server/flaws.py); empty in every real deployment."""

    def __post_init__(self) -> None:
        validate_flaws(self.flaws)

    def has_flaw(self, name: str) -> bool:
        return name in self.flaws

    def secrets(self) -> tuple[str, ...]:
        """Auth.js accepts a list of secrets: the first encrypts, all decrypt (key rotation)."""
        return tuple(part for part in self.secret.split(",") if part) or (self.secret,)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

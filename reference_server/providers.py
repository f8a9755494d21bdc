"""The providers a deployment offers, and their public description (`GET providers`).

Credentials is always there (as in AlgaPSA); google, azure-ad and keycloak only when configured; a WebAuthn
`passkey` provider when WebAuthn is enabled; an `email` (magic link) provider with a
mail server. The order and the names are the vendor catalog's (spec/providers.yaml: AlgaPSA's order,
research/algapsa.md section 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_server.settings import OAuthProviderConfig, Settings
from spec.providers import PROVIDERS

__all__ = ["CREDENTIAL_FIELDS", "Provider", "configured_providers", "public_info"]

_ORDER = tuple(p.id for p in PROVIDERS)
_NAMES = {p.id: p.name for p in PROVIDERS}
CREDENTIAL_FIELDS = {
    "email": {"label": "Email", "type": "email"},
    "password": {"label": "Password", "type": "password"},
}


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    type: str  # oidc | credentials | webauthn | email
    oauth: OAuthProviderConfig | None = None


def configured_providers(settings: Settings) -> tuple[Provider, ...]:
    found = [Provider("credentials", _NAMES["credentials"], "credentials")]
    found += [Provider(config.id, config.name, "oidc", config) for config in settings.oauth_providers]
    if settings.webauthn:
        found.append(Provider("passkey", _NAMES["passkey"], "webauthn"))
    if settings.email_server:
        found.append(Provider("email", _NAMES["email"], "email"))
    return tuple(sorted(found, key=lambda p: _ORDER.index(p.id) if p.id in _ORDER else len(_ORDER)))


def public_info(provider: Provider, base_url: str) -> dict[str, str]:
    """Exactly the five fields @auth/core publishes, with absolute URLs."""
    return {
        "id": provider.id,
        "name": provider.name,
        "type": provider.type,
        "signinUrl": f"{base_url}/signin/{provider.id}",
        "callbackUrl": f"{base_url}/callback/{provider.id}",
    }

"""The OAuth providers the reference server knows: one row per provider id, read by the CLI, the wiring to the
mocks and the popup page.

The ids are the API page's `callback/{provider}` values. Checks are Auth.js's as AlgaPSA configures them
(research/algapsa.md section 1: Entra adds `state` to PKCE); the popup name is the vendor a user recognises.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OAUTH_PROVIDERS", "ProviderKind"]


@dataclass(frozen=True)
class ProviderKind:
    id: str
    name: str
    """Auth.js's display name (the `providers` action's `name`)."""
    popup_name: str
    """The vendor named on the popup callback page."""
    mock_vendor: str
    """The mock in mock_providers that stands in for this provider."""
    checks: tuple[str, ...]


OAUTH_PROVIDERS: dict[str, ProviderKind] = {
    kind.id: kind
    for kind in (
        ProviderKind("google", "Google", "Google", "google", ("pkce",)),
        ProviderKind("azure-ad", "Azure Active Directory", "Microsoft", "entra", ("pkce", "state")),
        ProviderKind("keycloak", "Keycloak", "Keycloak", "keycloak", ("pkce",)),
    )
}

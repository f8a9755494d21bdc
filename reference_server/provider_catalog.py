"""The OAuth providers the reference server knows: one row per provider id, read by the CLI, the wiring to the
mocks and the popup page; the rows are the vendor catalog's OAuth entries (spec/providers.yaml).

The ids are the API page's `callback/{provider}` values. Checks are Auth.js's as AlgaPSA configures them
(research/algapsa.md section 1: Entra adds `state` to PKCE); the popup name is the vendor a user recognises.
"""

from __future__ import annotations

from spec.providers import PROVIDERS, ProviderEntry

__all__ = ["OAUTH_PROVIDERS", "ProviderKind"]

ProviderKind = ProviderEntry

OAUTH_PROVIDERS: dict[str, ProviderKind] = {kind.id: kind for kind in PROVIDERS if kind.oauth}

"""Settings for a run of the mocks, and building the vendor providers (the catalog's mocks) from them."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from spec.providers import MOCK_VENDORS, MOCKS

from . import entra, google, keycloak
from .oidc.provider import Provider
from .oidc.requestlog import RequestLog

_VENDOR_MODULES: dict[str, ModuleType] = {"google": google, "entra": entra, "keycloak": keycloak}
"""Vendor name -> its module (CLIENT_ID, CLIENT_SECRET and the Provider class live there)."""
VENDORS = tuple(MOCKS)
"""The vendors, in the catalog's order (spec/providers.yaml `mocks`)."""
VENDOR_ALIASES = {
    alias: vendor
    for alias, vendor in [*MOCK_VENDORS.items(), *((a, m.name) for m in MOCKS.values() for a in m.aliases)]
    if alias != vendor
}
"""Other names of a vendor: the Auth.js ids whose mock it is (``azure-ad``, ``microsoft-entra-id``) and its own."""


def default_state_dir() -> Path:
    """A per-user cache dir, never the repository: ``$XDG_CACHE_HOME/nextauth-conformance/mock-idp``."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "nextauth-conformance" / "mock-idp"


@dataclass
class MockOptions:
    """Everything configurable; defaults suit local use (permissive redirect URIs, picker page)."""

    host: str = "127.0.0.1"
    http_port: int = 0
    https_port: int | None = 0
    public_url: str | None = None
    public_https_port: int | None = None
    state_dir: Path | None = None
    key_dir: Path | None = None
    """Where the RSA signing keys are kept between starts (oidc/key_store.py); None: the per-user state dir
    (`running_mocks` gives each start a throwaway `state_dir` for its TLS files, but keys need no fresh copy)."""
    code_ttl: float = 60.0
    auto_login: bool = False
    user_count: int = 3
    users: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    redirect_uris: Sequence[str] | None = None
    clients: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    entra_issuer_mode: str = "template"
    entra_tenants: Sequence[str] = (entra.PRIMARY_TENANT,)
    keycloak_realms: Sequence[str] = keycloak.DEFAULT_REALMS
    smtp_port: int | None = 0
    """The mock SMTP inbox (mock_providers/smtp_inbox.py); None: no inbox."""
    smtp_starttls: bool = False
    """Offer STARTTLS with the local CA's certificate (needs the HTTPS listener's TLS files)."""


def vendor_name(name: str) -> str:
    """Canonical vendor name; ``azure-ad`` and ``microsoft-entra-id`` mean ``entra``."""
    canonical = VENDOR_ALIASES.get(name, name)
    if canonical not in VENDORS:
        raise ValueError(f"unknown vendor {name!r}; use one of {', '.join(VENDORS)}")
    return canonical


def build_providers(options: MockOptions, log: RequestLog) -> dict[str, Provider]:
    for vendor in list(options.users) + list(options.clients):
        vendor_name(vendor)

    def common(vendor: str) -> dict[str, Any]:
        module = _VENDOR_MODULES[vendor]
        client_id, secret = options.clients.get(vendor) or (module.CLIENT_ID, module.CLIENT_SECRET)
        users = [u for name, group in options.users.items() if vendor_name(name) == vendor for u in group]
        return {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": options.redirect_uris,
            "users": users,
            "user_count": options.user_count,
            "code_ttl": options.code_ttl,
            "auto_login": options.auto_login,
            "log": log,
        }

    return {vendor: _FACTORIES[vendor](options, common(vendor)) for vendor in VENDORS}


_FACTORIES: dict[str, Callable[[MockOptions, dict[str, Any]], Provider]] = {
    "google": lambda options, common: google.GoogleProvider(**common),
    "entra": lambda options, common: entra.EntraProvider(
        tenants=tuple(options.entra_tenants), issuer_mode=options.entra_issuer_mode, **common
    ),
    "keycloak": lambda options, common: keycloak.KeycloakProvider(realms=tuple(options.keycloak_realms), **common),
}
"""Vendor name -> its provider built from the run's options and the settings every vendor takes."""

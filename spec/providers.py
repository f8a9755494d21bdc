"""The vendor catalog (`providers.yaml`) as Python: one row per sign-in provider, one per mock IdP vendor.

The harness, the reference server and the mocks read it here, so a vendor is added in one file (plus its mock's
behaviour in mock_providers/). Loaded once at import; a malformed catalog is a `CatalogError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import yaml

from spec import SPEC_DIR

__all__ = [
    "CATALOG_PATH",
    "MOCKS",
    "MOCK_VENDORS",
    "OAUTH_IDS",
    "PROVIDERS",
    "CatalogError",
    "MockVendor",
    "ProviderEntry",
    "impersonated_hosts",
    "load",
]

CATALOG_PATH = SPEC_DIR / "providers.yaml"
OAUTH_TYPES = ("oidc", "oauth")
PROVIDER_TYPES = (*OAUTH_TYPES, "credentials", "webauthn", "email")


class CatalogError(ValueError):
    """The catalog file breaks its shape; the message names the entry and field."""


@dataclass(frozen=True)
class ProviderEntry:
    id: str
    name: str
    """Auth.js's display name (the `providers` action's `name`)."""
    type: str
    documented: bool = False
    """A `callback/{provider}` value of the API page."""
    popup_name: str = ""
    """The vendor named on the popup callback page."""
    mock: str = ""
    """The mock vendor that stands in for this provider ("" for providers without an IdP)."""
    aliases: tuple[str, ...] = ()
    """Other Auth.js ids of the same vendor (`microsoft-entra-id`, v5's Entra provider)."""
    checks: tuple[str, ...] = ()
    """The Auth.js `checks` the reference server configures (AlgaPSA's)."""

    @property
    def oauth(self) -> bool:
        return self.type in OAUTH_TYPES


@dataclass(frozen=True)
class MockVendor:
    name: str
    hosts: Mapping[str, str]
    """Host key (the mock provider's PATHS) -> the vendor's real host name."""
    impersonated: bool
    """The mock answers as `hosts` (by Host or X-Forwarded-Host) and the Node preload sends them to it."""
    issuer: str
    """Issuer path on the mocks' base URL; `{tenant}` is the tenant or realm."""
    default_tenant: str = ""
    aliases: tuple[str, ...] = field(default=())


_PROVIDER_FIELDS = {"name", "type", "documented", "popup_name", "mock", "aliases", "checks"}
_MOCK_FIELDS = {"hosts", "impersonated", "issuer", "default_tenant", "aliases"}


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise CatalogError(f"{where}: expected a list of names, got {value!r}")
    return tuple(value)


def _fields(where: str, row: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise CatalogError(f"{where}: expected a mapping, got {row!r}")
    if unknown := sorted(set(row) - allowed):
        raise CatalogError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    if missing := sorted(required - set(row)):
        raise CatalogError(f"{where}: missing field {missing[0]!r}")
    return row


def _mock(name: str, row: Any) -> MockVendor:
    where = f"mocks.{name}"
    row = _fields(where, row, _MOCK_FIELDS, {"hosts", "impersonated", "issuer"})
    hosts = row["hosts"]
    if not isinstance(hosts, dict) or not hosts or not all(isinstance(v, str) and v for v in hosts.values()):
        raise CatalogError(f"{where}.hosts: expected host key -> host name, got {hosts!r}")
    if not isinstance(row["impersonated"], bool):
        raise CatalogError(f"{where}.impersonated: expected true or false, got {row['impersonated']!r}")
    if not isinstance(row["issuer"], str) or not row["issuer"].startswith("/"):
        raise CatalogError(f"{where}.issuer: expected a path starting with /, got {row['issuer']!r}")
    return MockVendor(
        name,
        MappingProxyType({str(k): v for k, v in hosts.items()}),
        row["impersonated"],
        row["issuer"],
        str(row.get("default_tenant", "")),
        _strings(f"{where}.aliases", row.get("aliases", [])),
    )


def _provider(pid: str, row: Any, mocks: Mapping[str, MockVendor]) -> ProviderEntry:
    where = f"providers.{pid}"
    row = _fields(where, row, _PROVIDER_FIELDS, {"name", "type"})
    if row["type"] not in PROVIDER_TYPES:
        raise CatalogError(f"{where}.type: expected one of {', '.join(PROVIDER_TYPES)}, got {row['type']!r}")
    entry = ProviderEntry(
        pid,
        str(row["name"]),
        row["type"],
        bool(row.get("documented", False)),
        str(row.get("popup_name", "")),
        str(row.get("mock", "")),
        _strings(f"{where}.aliases", row.get("aliases", [])),
        _strings(f"{where}.checks", row.get("checks", [])),
    )
    if entry.oauth and entry.mock not in mocks:
        raise CatalogError(f"{where}.mock: expected one of the mocks ({', '.join(mocks)}), got {entry.mock!r}")
    if entry.oauth and not entry.popup_name:
        raise CatalogError(f"{where}: missing field 'popup_name'")
    return entry


def load(text: str) -> tuple[tuple[ProviderEntry, ...], dict[str, MockVendor]]:
    """Parse and check a catalog document (the file's text): its providers in order, and its mocks by name."""
    document = yaml.safe_load(text)
    document = _fields("catalog", document, {"providers", "mocks"}, {"providers", "mocks"})
    for section in ("providers", "mocks"):
        if not isinstance(document[section], dict) or not document[section]:
            raise CatalogError(f"{section}: expected a mapping of names to entries")
    mocks = {str(name): _mock(str(name), row) for name, row in document["mocks"].items()}
    providers = tuple(_provider(str(pid), row, mocks) for pid, row in document["providers"].items())
    return providers, mocks


PROVIDERS, MOCKS = load(CATALOG_PATH.read_text(encoding="utf-8"))
OAUTH_IDS: tuple[str, ...] = tuple(p.id for p in PROVIDERS if p.oauth)
"""The OAuth provider ids, in catalog order: what OAuth checks are parametrised over."""
MOCK_VENDORS: dict[str, str] = {pid: p.mock for p in PROVIDERS if p.oauth for pid in (p.id, *p.aliases)}
"""Auth.js provider id (and alias) -> the mock vendor a sign-in through it reaches."""


def impersonated_hosts() -> tuple[str, ...]:
    """The vendors' real hosts the mocks answer for, in catalog order: the Node preload redirects exactly these."""
    return tuple(host for mock in MOCKS.values() if mock.impersonated for host in mock.hosts.values())

"""One vendor catalog (spec/providers.yaml): the harness, the reference server, the mocks and the Node preload all
list exactly its vendors, and a malformed catalog is one line naming the field."""

from __future__ import annotations

import pytest

import spec
from harness.context import OAUTH_PROVIDERS
from harness.mock_idp import MOCK_VENDORS
from mock_providers import node_preload
from mock_providers.oidc.requestlog import RequestLog
from mock_providers.options import VENDOR_ALIASES, VENDORS, MockOptions, build_providers, vendor_name
from mock_providers.tls import DNS_NAMES, VENDOR_HOSTS
from reference_server.provider_catalog import OAUTH_PROVIDERS as REFERENCE_OAUTH
from reference_server.providers import configured_providers
from reference_server.settings import OAuthProviderConfig, Settings
from spec.providers import MOCKS, PROVIDER_TYPES, PROVIDERS, CatalogError, impersonated_hosts, load


def test_every_reader_lists_the_catalog_vendors() -> None:
    oauth = tuple(p.id for p in PROVIDERS if p.oauth)
    assert OAUTH_PROVIDERS == oauth == tuple(REFERENCE_OAUTH)
    assert {REFERENCE_OAUTH[pid].mock for pid in oauth} <= set(MOCKS)
    assert set(MOCK_VENDORS) == {i for p in PROVIDERS if p.oauth for i in (p.id, *p.aliases)}
    providers = build_providers(MockOptions(user_count=1), RequestLog())
    assert tuple(providers) == VENDORS == tuple(MOCKS)
    assert {name: dict(p.HOSTS) for name, p in providers.items()} == {n: dict(m.hosts) for n, m in MOCKS.items()}
    assert all(vendor_name(alias) == vendor for alias, vendor in MOCK_VENDORS.items())
    assert impersonated_hosts() == VENDOR_HOSTS and set(VENDOR_HOSTS) <= set(DNS_NAMES)


def test_the_catalog_gives_the_lists_the_code_had_before_it() -> None:
    """The constants the catalog replaced, verbatim: the move changed no list."""
    assert OAUTH_PROVIDERS == ("google", "azure-ad", "keycloak")
    assert MOCK_VENDORS == {
        "google": "google",
        "azure-ad": "entra",
        "microsoft-entra-id": "entra",
        "keycloak": "keycloak",
    }
    assert tuple(p.id for p in PROVIDERS) == ("google", "azure-ad", "credentials", "keycloak", "passkey", "email")
    assert VENDORS == ("google", "entra", "keycloak")
    assert VENDOR_ALIASES == {"azure-ad": "entra", "microsoft-entra-id": "entra", "azure": "entra"}
    assert VENDOR_HOSTS == (
        "accounts.google.com",
        "oauth2.googleapis.com",
        "openidconnect.googleapis.com",
        "www.googleapis.com",
        "login.microsoftonline.com",
        "graph.microsoft.com",
    )
    assert [(k.id, k.name, k.popup_name, k.mock, k.checks) for k in REFERENCE_OAUTH.values()] == [
        ("google", "Google", "Google", "google", ("pkce",)),
        ("azure-ad", "Azure Active Directory", "Microsoft", "entra", ("pkce", "state")),
        ("keycloak", "Keycloak", "Keycloak", "keycloak", ("pkce",)),
    ]


def test_the_reference_server_lists_providers_in_catalog_order_with_catalog_names() -> None:
    oauth = tuple(
        OAuthProviderConfig(p.id, p.name, f"http://127.0.0.1:9/{p.id}", "c", "s") for p in PROVIDERS if p.oauth
    )
    listed = configured_providers(Settings(oauth_providers=oauth, webauthn=True, email_server="smtp://127.0.0.1:9"))
    assert [(p.id, p.name) for p in listed] == [(p.id, p.name) for p in PROVIDERS]


def test_the_node_preload_is_generated_from_the_catalog() -> None:
    source = node_preload.PRELOAD_PATH.read_text(encoding="utf-8")
    assert node_preload.render(source) == source, "run `python -m mock_providers.node_preload`"
    stale = node_preload.render(source, ["accounts.google.com"])
    assert stale != source and '"graph.microsoft.com"' not in stale and '  "accounts.google.com",\n]);' in stale
    with pytest.raises(ValueError, match="generated"):
        node_preload.render("const VENDOR_HOSTS = new Set([]);\n")


def test_the_documented_providers_are_the_spec_callback_values() -> None:
    parameter = spec.load_openapi()["components"]["parameters"]["provider"]["schema"]["enum"]
    assert sorted(parameter) == sorted(p.id for p in PROVIDERS if p.documented)
    provider_info_types = spec.load_openapi()["components"]["schemas"]["ProviderInfo"]["properties"]["type"]["enum"]
    assert set(provider_info_types) == set(PROVIDER_TYPES)


GOOD_MOCK = "mocks: {m: {hosts: {a: a.example}, impersonated: true, issuer: /m}}\n"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "providers: {x: {name: X, type: oidc, popup_name: X, mock: nope}}\n" + GOOD_MOCK,
            "providers.x.mock: expected",
        ),
        ("providers: {x: {name: X, type: saml}}\n" + GOOD_MOCK, "providers.x.type: expected one of"),
        ("providers: {x: {name: X, type: email, colour: red}}\n" + GOOD_MOCK, "providers.x: unknown field 'colour'"),
        ("providers: {x: {type: email}}\n" + GOOD_MOCK, "providers.x: missing field 'name'"),
        ("providers: {x: {name: X, type: email, checks: pkce}}\n" + GOOD_MOCK, "providers.x.checks: expected a list"),
        (
            "providers: {x: {name: X, type: email}}\nmocks: {m: {hosts: {}, impersonated: true, issuer: /m}}",
            "mocks.m.hosts",
        ),
        (
            "providers: {x: {name: X, type: email}}\nmocks: {m: {hosts: {a: b}, impersonated: 1, issuer: /m}}",
            "impersonated",
        ),
        (
            "providers: {x: {name: X, type: email}}\nmocks: {m: {hosts: {a: b}, impersonated: true, issuer: m}}",
            "issuer",
        ),
        ("providers: []\n" + GOOD_MOCK, "providers: expected a mapping"),
        ("- a list\n", "catalog: expected a mapping"),
    ],
)
def test_a_malformed_catalog_names_the_field(document: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as raised:
        load(document)
    assert "\n" not in str(raised.value)


def test_a_minimal_catalog_loads() -> None:
    providers, mocks = load("providers: {x: {name: X, type: oidc, popup_name: X, mock: m}}\n" + GOOD_MOCK)
    assert providers[0].oauth and providers[0].mock == "m" and dict(mocks["m"].hosts) == {"a": "a.example"}

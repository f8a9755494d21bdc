"""The mock login page: a free-text user with claims, nothing loaded from another host, consistent names, and a
printed SPKI hash that a real Chromium accepts for the HTTPS issuer."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import ssl
import subprocess
from typing import Any

import httpx
import pytest

from harness import browser
from mock_providers.entra import PRIMARY_TENANT
from mock_providers.oidc.users import avatar
from mock_providers.testing import RunningMocks
from tests.mock_providers.conftest import callback_params

VENDOR_TENANT_ID = PRIMARY_TENANT  # the tenant the mock Entra signs `common` users into


def _request_id(page: httpx.Response) -> str:
    return page.text.split('name="mock_request_id" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("vendor", ["google", "entra", "keycloak"])
def test_free_text_user_with_claims_signs_in(vendor: str, flow: Any, mocks: RunningMocks, http: httpx.Client) -> None:
    sign_in = flow(vendor)
    page = sign_in.authorize(nonce="n-1")
    assert page.status_code == 200 and 'data-testid="custom-user"' in page.text
    form = {
        "mock_request_id": _request_id(page),
        "custom": "1",
        "email": "ada@analytical.example",
        "name": "Ada Lovelace",
        "claims": json.dumps({"department": "mathematics", "roles": ["admin"]}),
    }
    back = http.post(str(page.request.url.copy_with(query=None)), data=form)
    assert back.status_code == 302, back.text
    tokens = sign_in.token(callback_params(back)["code"]).json()
    issuer = sign_in.discovery["issuer"].replace("{tenantid}", VENDOR_TENANT_ID) if vendor == "entra" else None
    claims = sign_in.verify_id_token(tokens["id_token"], issuer)
    assert claims["email"] == "ada@analytical.example"
    assert claims["department"] == "mathematics"
    created = next(u for u in mocks.users(vendor) if u["email"] == "ada@analytical.example")
    assert (created["name"], created["given_name"], created["family_name"]) == ("Ada Lovelace", "Ada", "Lovelace")
    if vendor != "entra":  # Entra's ID token carries name only; Google and Keycloak carry the parts
        assert (claims["given_name"], claims["family_name"]) == ("Ada", "Lovelace")


def test_bad_claims_are_one_message_and_the_form_can_be_sent_again(flow: Any, http: httpx.Client) -> None:
    sign_in = flow("keycloak")
    page = sign_in.authorize()
    url = str(page.request.url.copy_with(query=None))
    form = {"mock_request_id": _request_id(page), "custom": "1", "email": "x@example.com", "claims": "[1]"}
    bad = http.post(url, data=form)
    assert bad.status_code == 400 and "claims: expected a JSON object" in bad.text
    again = http.post(url, data=form | {"claims": "{}"})
    assert again.status_code == 302


def test_created_users_get_consistent_names(mocks: RunningMocks) -> None:
    mocks.add_user("keycloak", email="ada@example.com", name="Ada Lovelace")
    mocks.add_user("keycloak", email="grace@example.com", given_name="Grace", family_name="Hopper")
    mocks.add_user("keycloak", email="plato@example.com", name="Plato")
    users = {u["email"]: u for u in mocks.users("keycloak")}
    assert (users["ada@example.com"]["given_name"], users["ada@example.com"]["family_name"]) == ("Ada", "Lovelace")
    assert users["grace@example.com"]["name"] == "Grace Hopper"
    assert (users["plato@example.com"]["given_name"], users["plato@example.com"]["family_name"]) == ("Plato", "")


def test_login_page_loads_nothing_from_other_hosts(flow: Any, mocks: RunningMocks) -> None:
    page = flow("google").authorize()
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", page.text), page.text
    assert "url(" not in page.text
    assert all(str(u["picture"] or "data:").startswith("data:") for u in mocks.users("google"))
    assert avatar("Ada Lovelace").startswith("data:image/svg+xml;base64,")


def test_spki_hash_is_the_https_listeners_key(mocks: RunningMocks) -> None:
    assert mocks.https_url and mocks.spki_hash
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(("127.0.0.1", int(mocks.https_port or 0)), timeout=10))
    spki = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-pubkey", "-noout"], input=der, capture_output=True, check=True
    ).stdout
    digest = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "DER"], input=spki, capture_output=True, check=True
    ).stdout
    assert base64.b64encode(hashlib.sha256(digest).digest()).decode() == mocks.spki_hash
    assert any(mocks.spki_hash in line for line in mocks.browser_trust_lines())


@pytest.mark.browser
def test_chromium_trusts_the_https_issuer_with_the_printed_spki_hash(mocks: RunningMocks) -> None:
    """The flag `mocks` prints makes a real Chromium load the HTTPS issuer (no ignore_https_errors)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        info = browser.discover(playwright)
        options = {"executable_path": info.executable} if info.kind != "playwright" else {}
        args = [*browser.LAUNCH_ARGS, f"--ignore-certificate-errors-spki-list={mocks.spki_hash}"]
        chromium = playwright.chromium.launch(headless=True, args=args, **options)
        try:
            page = chromium.new_page()
            response = page.goto(mocks.discovery_url("entra", https=True), timeout=20_000)
            assert response is not None and response.status == 200
            assert json.loads(page.inner_text("body"))["issuer"].startswith("https://")
        finally:
            chromium.close()

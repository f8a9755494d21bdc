"""The real Auth.js v5 app signed in through the mocks by a real Chromium, with all three vendors.

What a person does after `nextauth-conformance mocks`: the app's built-in sign-in page, the provider's button,
the mock's login page (a listed account for Google and Keycloak, the free-text form for Entra), back to the app
with a session. Entra's issuer is HTTPS with the mocks' local CA: the browser trusts it through the SPKI hash
the mocks print (`--ignore-certificate-errors-spki-list`), not `ignore_https_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from harness import browser
from mock_providers.testing import RunningMocks, running_mocks
from tests.interop.provider_env import app_env

try:
    from tests.interop.nextapps import RunningApp, running_app
except ImportError:  # tests/ is not a package: pytest put this directory on sys.path
    from nextapps import RunningApp, running_app

pytestmark = [pytest.mark.interop, pytest.mark.browser, pytest.mark.timeout(900)]

USERS = {
    "google": {"email": "grace.hopper@example.org", "name": "Grace Hopper"},
    "keycloak": {"email": "alan.turing@example.net", "name": "Alan Turing"},
}
STEP_MS = 30_000


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningMocks]:
    with running_mocks(
        state_dir=tmp_path_factory.mktemp("mock-idp"),
        auto_login=False,  # the login page, as a person sees it
        user_count=1,
        users={vendor: [user] for vendor, user in USERS.items()},
        entra_issuer_mode="template",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def v5_app(mocks: RunningMocks) -> Iterator[RunningApp]:
    with running_app("authjs-v5", env=app_env("authjs-v5", mocks)) as app:
        yield app


@pytest.fixture(scope="module")
def chromium(mocks: RunningMocks) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        info = browser.discover(playwright)
        options = {"executable_path": info.executable} if info.kind != "playwright" else {}
        args = [
            *browser.LAUNCH_ARGS,
            f"--ignore-certificate-errors-spki-list={mocks.spki_hash}",
            "--host-resolver-rules=MAP localhost 127.0.0.1",  # the app writes localhost, listens on 127.0.0.1
        ]
        launched = playwright.chromium.launch(headless=True, args=args, **options)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("provider_id", ["google", "azure-ad", "keycloak"])
def test_real_app_signs_in_in_chromium(provider_id: str, v5_app: RunningApp, chromium: Any) -> None:
    context = chromium.new_context()
    context.set_default_timeout(STEP_MS)
    try:
        page = context.new_page()
        page.goto(f"{v5_app.public_url}/api/auth/signin")
        page.locator(f'form[action$="/signin/{provider_id}"] button').click()
        page.wait_for_selector('[data-testid="account-picker"]')
        if provider_id == "azure-ad":
            page.fill('[data-testid="custom-email"]', "ada@contoso.example")
            page.fill('[data-testid="custom-name"]', "Ada Lovelace")
            page.click('[data-testid="custom-submit"]')
            expected = {"email": "ada@contoso.example", "name": "Ada Lovelace"}
        else:
            vendor = provider_id
            expected = USERS[vendor]
            page.click(f'[data-testid="user-{expected["email"]}"]')
        page.wait_for_url(lambda url: url.startswith(v5_app.public_url) and "/callback/" not in url)
        session = json.loads(context.request.get(f"{v5_app.public_url}/api/auth/session").text())
        assert session and session["user"]["email"] == expected["email"], v5_app.log[-3000:]
        assert session["user"]["name"] == expected["name"]
    finally:
        context.close()

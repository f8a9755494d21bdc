"""Fixtures for the browser checks: one Chromium per session, the reference server wired to the mock IdPs,
and the deliberately broken variants of it (tests/browser/broken.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import browser
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.profiles import PROFILES
from mock_providers.testing import RunningMocks, running_mocks
from reference_server import OAuthProviderConfig
from reference_server.app import create_app
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.testing import RunningReferenceServer, running_reference_server
from spec.providers import PROVIDERS as CATALOG
from tests.browser.broken import BREAKAGES, broken_app
from tests.browser.custom_pages import WithCustomPages

PROVIDERS = {p.id: (p.mock, p.name, p.checks) for p in CATALOG if p.oauth}  # id -> (mock vendor, name, checks)


@dataclass
class Stack:
    """The mocks, the good reference server, one broken server per breakage name and a reference server with
    the custom popup pages on its origin (tests/browser/custom_pages.py)."""

    mocks: RunningMocks
    reference: RunningReferenceServer
    report_dir: Path
    custom: str = ""
    broken: dict[str, str] = field(default_factory=dict)
    clients: list[TargetClient] = field(default_factory=list)

    def context(self, url: str | None = None, *, mock_idp: bool = True, popup_url: str | None = None) -> CheckContext:
        """A fresh CheckContext for the good server (or a broken one), as the plugin would build it."""
        client = TargetClient(url or self.reference.url)
        self.clients.append(client)
        inputs = Inputs(
            self.reference.secret,
            (self.reference.demo_email, self.reference.demo_password),
            self.mocks.http_url if mock_idp else None,
            popup_url,
        )
        return CheckContext(client, PROFILES["documented"], inputs, report_dir=self.report_dir)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Iterator[browser.BrowserInfo]:
    """Fail (never skip) with the one clear line when there is no browser; CI installs Debian's chromium."""
    try:
        session = browser.shared()
    except browser.NoBrowser as exc:
        pytest.fail(str(exc), pytrace=False)
    assert session.info is not None
    yield session.info
    browser.close_shared()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Failure screenshots and traces of the deliberately broken targets go to a temp dir, not reports/."""
    with running_mocks(auto_login=False) as mocks, contextlib.ExitStack() as servers:
        configs = tuple(
            OAuthProviderConfig(
                pid,
                name,
                mocks.issuer(vendor),
                mocks.client_id(vendor),
                mocks.client_secret(vendor) or "",
                checks=checks,
            )
            for pid, (vendor, name, checks) in PROVIDERS.items()
        )
        reference = servers.enter_context(running_reference_server(oauth_providers=configs))
        built = Stack(mocks, reference, tmp_path_factory.mktemp("browser-reports"))
        for name, (path_part, rewrite) in BREAKAGES.items():
            app = broken_app(create_app(Settings(oauth_providers=configs)), path_part, rewrite)
            built.broken[name] = servers.enter_context(serve_in_thread(app))
        custom = WithCustomPages(create_app(Settings(oauth_providers=configs)), mocks)
        built.custom = servers.enter_context(serve_in_thread(custom))
        for vendor, _, _ in PROVIDERS.values():
            mocks.add_user(vendor, email=reference.demo_email, name="Demo User")
        yield built
        for client in built.clients:
            client.close()

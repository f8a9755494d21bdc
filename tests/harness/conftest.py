"""Shared fixtures: the reference server, a deliberately broken copy of it, and check contexts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.profiles import PROFILES
from reference_server.app import create_app
from reference_server.serving import serve_in_thread
from reference_server.settings import OAuthProviderConfig, Settings
from reference_server.testing import RunningReferenceServer, running_reference_server
from spec.providers import PROVIDERS
from tests.harness.mutator import Mutation, Mutator

DEAD_ISSUER = "http://127.0.0.1:9"
OAUTH = tuple(
    OAuthProviderConfig(p.id, p.name, f"{DEAD_ISSUER}/{p.id}", "client", "secret", p.checks)
    for p in PROVIDERS
    if p.oauth
)


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningReferenceServer]:
    with running_reference_server(oauth_providers=OAUTH, trust_host=False) as server:
        yield server


class Switchable:
    """One served app whose breakage is swapped per test (starting a server per test is slow): a response
    mutation, or a reference server built with named flaws (`reference_server/flaws.py`), made once per set."""

    def __init__(self, app: Any, settings: Settings | None = None) -> None:
        self.app, self.current, self.settings = app, app, settings
        self._flawed: dict[frozenset[str], Any] = {}

    def use(self, suffix: str, mutation: Mutation, method: str | None = None) -> None:
        self.current = Mutator(self.app, suffix, mutation, method=method)

    def use_flaws(self, *names: str) -> None:
        assert self.settings is not None, "this switch was built without settings"
        flaws = frozenset(names)
        if flaws not in self._flawed:
            self._flawed[flaws] = create_app(self.settings.with_changes(flaws=flaws))
        self.current = self._flawed[flaws]

    def reset(self) -> None:
        self.current = self.app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.current(scope, receive, send)


@pytest.fixture(autouse=True)
def _close_target_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every TargetClient a test made (contexts are built inline in many tests); an open pool's sockets
    would be reported as ResourceWarnings in whichever test the garbage collector runs next."""
    created: list[TargetClient] = []
    original = TargetClient.__init__

    def tracking(self: TargetClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(TargetClient, "__init__", tracking)
    yield
    for client in created:
        client.close()


@pytest.fixture(scope="session")
def _broken_server() -> Iterator[tuple[str, Switchable, Settings]]:
    settings = Settings(oauth_providers=OAUTH)
    switch = Switchable(create_app(settings), settings)
    with serve_in_thread(switch) as url:
        yield url, switch, settings


@pytest.fixture
def broken(_broken_server: tuple[str, Switchable, Settings]) -> Iterator[tuple[str, Switchable]]:
    url, switch, _ = _broken_server
    yield url, switch
    switch.reset()


def make_context(
    url: str, profile: str = "documented", *, secret: str | None = None, credentials: tuple[str, str] | None = None
) -> CheckContext:
    return CheckContext(TargetClient(url), PROFILES[profile], Inputs(secret, credentials, None))


@pytest.fixture
def reference_context(reference: RunningReferenceServer) -> Iterator[CheckContext]:
    ctx = make_context(
        reference.url, secret=reference.secret, credentials=(reference.demo_email, reference.demo_password)
    )
    yield ctx
    with contextlib.suppress(Exception):
        ctx.client.close()

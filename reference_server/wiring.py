"""Wire the reference server to the mock providers: one place that knows which mock backs which provider.

AlgaPSA's provider set (google, azure-ad, keycloak) with its checks (azure-ad adds state to PKCE), issuers and
client credentials taken from running mocks, and the demo accounts registered at every mock so an OAuth
sign-in maps to an existing user, as AlgaPSA requires.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mock_providers.testing import RunningMocks, running_mocks
from reference_server.provider_catalog import OAUTH_PROVIDERS
from reference_server.seed import DEMO_USER, DemoAccount
from reference_server.settings import OAuthProviderConfig, Settings
from reference_server.testing import RunningReferenceServer, running_reference_server

__all__ = ["Stack", "oauth_providers_for", "register_accounts", "running_stack"]


def oauth_providers_for(mocks: RunningMocks, https: bool = False) -> tuple[OAuthProviderConfig, ...]:
    return tuple(
        OAuthProviderConfig(
            kind.id,
            kind.name,
            mocks.issuer(kind.mock, https=https),
            mocks.client_id(kind.mock),
            mocks.client_secret(kind.mock) or "",
            checks=kind.checks,
        )
        for kind in OAUTH_PROVIDERS.values()
    )


def register_accounts(mocks: RunningMocks, accounts: tuple[DemoAccount, ...] = (DEMO_USER,)) -> None:
    """Make each account a user of every mock; sign-ins pick it with `login_hint` or the mock's user picker."""
    for kind in OAUTH_PROVIDERS.values():
        for account in accounts:
            mocks.add_user(
                kind.mock,
                email=account.email,
                name=f"{account.first_name} {account.last_name}",
                given_name=account.first_name,
                family_name=account.last_name,
            )


@dataclass(frozen=True)
class Stack:
    reference: RunningReferenceServer
    mocks: RunningMocks


@contextlib.contextmanager
def running_stack(settings: Settings | None = None, auto_login: bool = True, **overrides: Any) -> Iterator[Stack]:
    """Mocks plus a reference server whose google, azure-ad and keycloak providers point at them, and whose email
    provider mails to their SMTP inbox."""
    with running_mocks(auto_login=auto_login) as mocks:
        register_accounts(mocks)
        overrides.setdefault("email_server", mocks.smtp_url or None)
        settings = (settings or Settings()).with_changes(oauth_providers=oauth_providers_for(mocks), **overrides)
        with running_reference_server(settings) as reference:
            yield Stack(reference, mocks)

"""pytest fixtures for an app's own tests (entry point `pytest11`): the mock IdPs without any setup code.

    def test_sign_in(mock_idp):
        issuer = mock_idp.issuer("keycloak")          # configure the app with it, then sign in
        mock_idp.inject_fault("keycloak", "token", "error", error="invalid_grant")

`mock_idp` is session-scoped and auto-logs in (the login_hint user, else the first); `mock_idp_clean` resets
users, faults, the request log and the mail inbox before the test that asks for it. The mock SMTP inbox comes with
it: give the app's email provider `mock_idp.smtp_url` and read the magic link with `mock_idp.links(address)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_providers.testing import RunningMocks, running_mocks


@pytest.fixture(scope="session")
def mock_idp() -> Iterator[RunningMocks]:
    """Google, Entra ID and Keycloak on free loopback ports (HTTP and HTTPS) for the whole session."""
    with running_mocks(auto_login=True) as mocks:
        yield mocks


@pytest.fixture
def mock_idp_clean(mock_idp: RunningMocks) -> RunningMocks:
    """The session's mocks, reset (users, faults, request log, inbox) and back to auto-login."""
    mock_idp.reset()
    mock_idp.clear_inbox()
    mock_idp.set_auto_login(True)
    return mock_idp

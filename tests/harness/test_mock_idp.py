"""The one mock-IdP client: the run's TLS settings plus the mock's own CA, never verification turned off."""

from __future__ import annotations

import ssl
import threading
import time

import httpx
import pytest

from harness.mock_idp import MockIdp
from harness.signin import SignInFailed
from mock_providers.testing import running_mocks


def test_the_mocks_https_urls_verify_with_the_ca_read_from_the_control_api() -> None:
    with running_mocks(smtp_port=None) as mocks:
        assert mocks.https_url is not None and mocks.ca_path is not None
        idp = MockIdp(mocks.http_url, timeout=10.0)
        verify = idp.verify
        assert isinstance(verify, ssl.SSLContext) and verify.verify_mode == ssl.CERT_REQUIRED
        with idp.client() as http:
            assert http.get(f"{mocks.https_url}/_mock/health").status_code == 200
        with pytest.raises(httpx.ConnectError), httpx.Client(timeout=10.0) as plain:
            plain.get(f"{mocks.https_url}/_mock/health")  # the system roots alone do not know the mock's CA
        idp.register_user("google", "someone.new@example.com")
        with idp.client() as http:
            emails = [u["email"] for u in http.get(idp.users_url("google")).json()]
        assert "someone.new@example.com" in emails


def test_without_an_https_listener_the_runs_setting_stays_and_insecure_verifies_nothing() -> None:
    with running_mocks(https_port=None, smtp_port=None) as mocks:
        assert httpx.get(f"{mocks.http_url}/_mock/ca.pem", timeout=10.0).status_code == 404
        assert MockIdp(mocks.http_url, timeout=10.0).verify is True
        assert MockIdp(mocks.http_url, timeout=10.0, verify=False).verify is False


def test_a_mock_that_does_not_answer_is_a_sign_in_failure() -> None:
    idp = MockIdp("http://127.0.0.1:9", timeout=2.0)
    with pytest.raises(SignInFailed, match="did not answer"):
        idp.register_user("google", "a@example.com")


def test_the_discovery_summary_names_each_vendors_client_id_and_authorization_path() -> None:
    """FLOW-002 compares the authorization request with these; an empty answer would silently skip the comparison."""
    with running_mocks(https_port=None, smtp_port=None) as mocks:
        found = MockIdp(mocks.http_url, timeout=10.0).authorization_paths()
    assert {"google", "entra", "keycloak"} <= set(found)
    for vendor, entry in found.items():
        assert entry["client_id"], vendor
        assert entry["paths"] and all(path.startswith("/") for path in entry["paths"]), vendor


def test_a_user_is_registered_once_however_many_sign_ins_ask_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-ins on several threads (the rp pool, the browser lanes, the main thread) ask for the same user at once:
    one registration, so no picker rendered for the first is left with a user the second replaced."""
    posts: list[str] = []
    post = httpx.Client.post

    def slow_post(self: httpx.Client, url: str, **kwargs: object) -> httpx.Response:
        posts.append(url)
        time.sleep(0.3)  # both threads would have found the user missing by now
        return post(self, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "post", slow_post)
    with running_mocks(https_port=None, smtp_port=None) as mocks:
        idp = MockIdp(mocks.http_url, timeout=10.0)
        threads = [threading.Thread(target=idp.register_user, args=("google", "Twice@Example.com")) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with idp.client() as http:
            emails = [u["email"].lower() for u in http.get(idp.users_url("google")).json()]
    assert len(posts) == 1, posts
    assert emails.count("twice@example.com") == 1, emails

"""The one client of our mock IdP (`--mock-idp URL`): its control API, user registration, the discovery summary and
the HTTP clients a sign-in through it uses, all with the run's timeout and TLS settings (`harness/tls.py`).

The mock's HTTPS listener has a local CA (the v5 Entra issuer is https): it is read once from the control API
(`/_mock/ca.pem`) and trusted, beside the run's own roots and bundle, for requests to the mock only; under
`--insecure` nothing is verified, as for the target.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from harness.signin import SignInFailed
from spec.providers import MOCK_VENDORS

__all__ = ["MOCK_VENDORS", "MockIdp"]

# MOCK_VENDORS: Auth.js provider id -> the mock's vendor (its `/_mock/{vendor}/...` control paths), from the catalog.


class MockIdp:
    """`url` (the mock's http origin) with `timeout` and `verify` (what httpx takes: False, True or a context)."""

    def __init__(self, url: str, *, timeout: float, verify: bool | ssl.SSLContext = True) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._run_verify = verify
        self._verify: bool | ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._registered: set[tuple[str, str]] = set()
        self._users_lock = threading.Lock()

    @property
    def verify(self) -> bool | ssl.SSLContext:
        """The run's setting plus the mock's CA (made once: a context costs a noticeable fraction of a second and
        the relying-party checks make dozens of sign-ins)."""
        with self._lock:
            if self._verify is None:
                self._verify = self._with_mock_ca()
            return self._verify

    def _with_mock_ca(self) -> bool | ssl.SSLContext:
        if self._run_verify is False:
            return False
        with (
            httpx.Client(timeout=self.timeout, verify=self._run_verify, trust_env=False) as http,
            contextlib.suppress(httpx.HTTPError),
        ):
            answer = http.get(f"{self.url}/_mock/ca.pem")
            if answer.status_code == 200 and "BEGIN CERTIFICATE" in answer.text:
                context = ssl.create_default_context()
                if isinstance(self._run_verify, ssl.SSLContext):
                    for der in self._run_verify.get_ca_certs(binary_form=True):
                        context.load_verify_locations(cadata=der)
                with contextlib.suppress(ssl.SSLError):
                    context.load_verify_locations(cadata=answer.text)
                return context
        return self._run_verify

    def client(self, *, follow_redirects: bool = False) -> httpx.Client:
        """A fresh client (its own cookie jar: one per sign-in) with the run's timeout and TLS settings."""
        return httpx.Client(
            timeout=self.timeout, follow_redirects=follow_redirects, verify=self.verify, trust_env=False
        )

    def server_certificates(self) -> list[x509.Certificate]:
        """The mock's HTTPS certificate when the mock's CA signs it (`/_mock/server.pem`; none without HTTPS or
        under --insecure): what the browser pins to reach the mock's https URLs."""
        verify = self.verify
        if not isinstance(verify, ssl.SSLContext):
            return []
        with self.client() as http, contextlib.suppress(httpx.HTTPError, ValueError):
            ca, server = (http.get(f"{self.url}/_mock/{name}.pem") for name in ("ca", "server"))
            if ca.status_code == 200 and server.status_code == 200:
                issuer = x509.load_pem_x509_certificate(ca.content)
                cert = x509.load_pem_x509_certificate(server.content)
                with contextlib.suppress(ValueError, TypeError, InvalidSignature):
                    cert.verify_directly_issued_by(issuer)
                    return [cert]
        return []

    def is_mock_url(self, url: str) -> bool:
        return urlsplit(url).hostname == urlsplit(self.url).hostname

    def users_url(self, provider: str) -> str:
        return f"{self.url}/_mock/{MOCK_VENDORS[provider]}/users"

    def register_user(self, provider: str, email: str, http: httpx.Client | None = None) -> None:
        """Make `email` a user of the mock behind `provider`, before any flow starts; a user the mock already knows
        is left alone (registering again would give it a new `sub`, and a picker already rendered would offer a
        stale one). Once per run and (provider, email), one thread at a time: two sign-ins that both found the user
        missing would both register it, and the second would take the first's picker choice away (the mock's
        400 "Unknown account"). Raises `SignInFailed` when the mock refuses or does not answer."""
        key = (provider, email.lower())
        with self._users_lock:
            if key not in self._registered:
                self._register(provider, email, http)
                self._registered.add(key)

    def _register(self, provider: str, email: str, http: httpx.Client | None) -> None:
        users = self.users_url(provider)
        with contextlib.ExitStack() as stack:
            idp = http or stack.enter_context(self.client())
            try:
                known = idp.get(users).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise SignInFailed(f"the mock IdP's control API at {users} did not answer: {exc}") from None
            if any(isinstance(u, dict) and str(u.get("email", "")).lower() == email.lower() for u in known):
                return
            name = email.split("@")[0].replace(".", " ").title()
            response = idp.post(users, json={"email": email, "name": name})
        if response.status_code >= 400:
            raise SignInFailed(f"the mock IdP refused the user {email}: {response.status_code} {response.text[:120]}")

    def authorization_paths(self) -> dict[str, Any]:
        """Per vendor: its client id and the authorization endpoint paths of its discovery documents (`/_mock/`);
        empty when the mock does not answer."""
        found: dict[str, Any] = {}
        with self.client() as http, contextlib.suppress(httpx.HTTPError, ValueError):
            summary = http.get(f"{self.url}/_mock/").json()
            for vendor, entry in summary.items():
                paths = set()
                for url in entry.get("discovery", []):
                    with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                        paths.add(urlsplit(http.get(url).json()["authorization_endpoint"]).path)
                found[vendor] = {"client_id": entry.get("client_id"), "paths": paths}
        return found

"""Run the mocks in-process for tests: ``with running_mocks() as mocks: ...``.

``mocks.issuer("keycloak", "nextauth")`` gives the issuer to configure; ``mocks.inject_fault(...)``,
``mocks.add_user(...)``, ``mocks.rotate_keys(...)``, ``mocks.requests()`` and ``mocks.reset()`` steer them;
``mocks.smtp_url`` is the mock inbox's SMTP server and ``mocks.links(address)`` the links mailed to an address.
"""

from __future__ import annotations

import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spec.providers import MOCKS

from .app import tenants_of
from .entra import EntraProvider
from .options import MockOptions, vendor_name
from .server import MockServers
from .smtp_inbox import InboxMessage
from .tls import spki_sha256

__all__ = ["RunningMocks", "running_mocks"]

READY_TIMEOUT_SECONDS = 10.0


class RunningMocks:
    """Handle on started mocks: URLs, issuers, clients, CA path and the Python control API."""

    def __init__(self, servers: MockServers) -> None:
        self.servers = servers
        self.control = servers.control
        self.http_url = servers.base_url("http")
        self.https_url = servers.base_url("https") if servers.tls else None
        self.ca_path: Path | None = servers.tls.ca_cert if servers.tls else None
        self.https_port = int(self.https_url.rsplit(":", 1)[1]) if self.https_url else None
        self.smtp_url = servers.smtp_url()
        """`smtp://127.0.0.1:PORT` for the app's email provider (`EMAIL_SERVER`); "" without the inbox."""
        self.inbox_url = f"{self.http_url}/_inbox" if self.smtp_url else ""

    @property
    def spki_hash(self) -> str | None:
        """The HTTPS listener's key for Chromium: ``--ignore-certificate-errors-spki-list=<this>`` trusts it."""
        return spki_sha256(self.servers.tls.server_cert) if self.servers.tls else None

    def browser_trust_lines(self) -> list[str]:
        """How to make a browser accept the HTTPS issuer (Entra) without installing the local CA."""
        if not self.spki_hash:
            return []
        flag = f"--ignore-certificate-errors-spki-list={self.spki_hash}"
        return [
            "# browsers: trust the HTTPS issuer (Entra) without installing the CA",
            f"#   chromium {flag}",
            f'#   Playwright: chromium.launch(args=["{flag}"])  (or new_context(ignore_https_errors=True))',
            f"#   or import {self.ca_path} as a trusted authority (certutil / the OS keychain)",
        ]

    def base_url(self, https: bool = False) -> str:
        if https and not self.https_url:
            raise RuntimeError("HTTPS is disabled (https_port=None)")
        return self.https_url if https and self.https_url else self.http_url

    def issuer(self, vendor: str, tenant: str | None = None, https: bool = False) -> str:
        """The issuer to configure in the app: google; entra per tenant (default ``common``, as Auth.js
        substitutes ``{tenantid}``); keycloak per realm (default the first realm)."""
        mock = MOCKS[vendor_name(vendor)]
        default = mock.default_tenant or next(iter(tenants_of(self.control.provider(mock.name))), "")
        return self.base_url(https) + mock.issuer.format(tenant=tenant or default)

    def discovery_url(self, vendor: str, tenant: str | None = None, https: bool = False) -> str:
        return self.issuer(vendor, tenant, https) + "/.well-known/openid-configuration"

    def client_id(self, vendor: str) -> str:
        return self.control.provider(vendor).client_id

    def client_secret(self, vendor: str) -> str | None:
        return self.control.provider(vendor).client_secret

    @property
    def entra_tenant_id(self) -> str:
        provider = self.control.provider("entra")
        assert isinstance(provider, EntraProvider)
        return provider.primary_tenant

    # Python control API (same operations as HTTP /_mock/...)
    def add_user(self, vendor: str, **user: Any) -> dict[str, Any]:
        return self.control.add_user(vendor, **user)

    def patch_user(self, vendor: str, key: str, **changes: Any) -> dict[str, Any]:
        return self.control.patch_user(vendor, key, **changes)

    def users(self, vendor: str) -> list[dict[str, Any]]:
        return self.control.users(vendor)

    def inject_fault(self, vendor: str, endpoint: str, kind: str, times: int = 1, **params: Any) -> None:
        self.control.inject_fault(vendor, endpoint, kind, times, **params)

    def rotate_keys(self, vendor: str) -> dict[str, Any]:
        return self.control.rotate_keys(vendor)

    def set_auto_login(self, enabled: bool, vendor: str | None = None) -> None:
        self.control.set_auto_login(enabled, vendor)

    def requests(self, vendor: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self.control.requests(vendor, endpoint)

    def reset(self) -> None:
        self.control.reset()

    # The mock SMTP inbox (same data as HTTP /_inbox)
    def messages(self, to: str | None = None) -> list[InboxMessage]:
        """Mail received, oldest first; only that for recipient `to` when given."""
        return self.servers.inbox.messages(to)

    def links(self, to: str) -> list[str]:
        """The links of the newest message to `to` (a magic link is the first), [] when none arrived."""
        found = self.messages(to)
        return found[-1].links if found else []

    def clear_inbox(self, to: str | None = None) -> int:
        return self.servers.inbox.clear(to)


@contextmanager
def running_mocks(**options: Any) -> Iterator[RunningMocks]:
    """Start all vendors on free loopback ports (HTTP + HTTPS); keyword arguments are :class:`MockOptions`."""
    with tempfile.TemporaryDirectory(prefix="mock-idp-") as tmp:
        options.setdefault("state_dir", Path(tmp))
        servers = MockServers(MockOptions(**options)).start()
        try:
            mocks = RunningMocks(servers)
            # plain http on loopback: urllib, not an httpx client that loads the system's CA store first
            urllib.request.urlopen(mocks.http_url + "/_mock/health", timeout=READY_TIMEOUT_SECONDS).close()  # noqa: S310
            yield mocks
        finally:
            servers.stop()

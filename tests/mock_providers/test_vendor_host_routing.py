"""The impersonated vendor hosts are routed by the Host header's name alone: port and case do not matter."""

from __future__ import annotations

import pytest
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from mock_providers.app import VendorHosts


async def _vendor(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover - never called
    raise AssertionError


def _scope(host: str | None) -> Scope:
    headers = [(b"host", host.encode())] if host is not None else []
    return {"type": "http", "headers": headers, "path": "/"}


@pytest.mark.parametrize(
    "host",
    ["accounts.google.com", "accounts.google.com:443", "Accounts.Google.COM:4443", "ACCOUNTS.GOOGLE.COM"],
)
def test_a_vendor_host_matches_with_any_port_or_case(host: str) -> None:
    match, child = VendorHosts({"accounts.google.com": _vendor}).matches(_scope(host))
    assert match == Match.FULL and child["endpoint"] is _vendor


@pytest.mark.parametrize("host", [None, "", "127.0.0.1:8080", "[::1]:443", "evil.example", "accounts.google.com.evil"])
def test_other_hosts_fall_through_to_the_path_routes(host: str | None) -> None:
    assert VendorHosts({"accounts.google.com": _vendor}).matches(_scope(host)) == (Match.NONE, {})

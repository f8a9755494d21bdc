"""Host header trust: a foreign `X-Forwarded-Host` (or `Host`) must not become the origin of the URLs it builds.

Auth.js builds every absolute URL (providers' signinUrl/callbackUrl, every Location, the redirect_uri it sends
to the IdP) from AUTH_URL / NEXTAUTH_URL, or with `trustHost` from `X-Forwarded-Host ?? Host` (@auth/core
lib/utils/env.ts createActionURL; next-auth 4 utils/detect-origin.ts). Trusting them is only safe behind a proxy
that overwrites both; otherwise a poisoned cache or a mail link carries the attacker's host. Waivable: a
deployment whose proxy is known to overwrite the headers may waive it with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from harness.checks._common import expect
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import Severity
from harness.registry import check
from harness.signin import SignInFailed, fetch_csrf

FOREIGN_HOST = "conformance-foreign-host.example"
HOST_CASES: Mapping[str, dict[str, str]] = MappingProxyType(
    {
        "x-forwarded-host": {"X-Forwarded-Host": FOREIGN_HOST},
        "host": {"Host": FOREIGN_HOST, "X-Forwarded-Host": FOREIGN_HOST},
    }
)


def _evidence(exchange: Exchange) -> list[str]:
    """Where the foreign host came back: the Location and any body line that names it."""
    found = [f"Location: {exchange.location}"] if FOREIGN_HOST in (exchange.location or "") else []
    at = exchange.text.find(FOREIGN_HOST)
    if at >= 0:
        found.append(f"body: ...{exchange.text[max(0, at - 60) : at + 60]}...")
    return found


def _exchanges(ctx: CheckContext, headers: dict[str, str]) -> list[Exchange]:
    """providers (absolute URLs), an error redirect (Location), and an OAuth start (redirect_uri) when possible."""
    sent = [ctx.client.action("providers", headers=headers), ctx.client.action("callback/credentials", headers=headers)]
    provider = next((p for p in OAUTH_PROVIDERS if p in ctx.providers()), None)
    if provider:
        try:
            token, cookies, _ = fetch_csrf(ctx.client)
        except SignInFailed:
            return sent
        form = {"csrfToken": token, "callbackUrl": "/"}
        sent.append(ctx.client.action(f"signin/{provider}", method="POST", form=form, cookies=cookies, headers=headers))
    return sent


@check(
    "FLOW-040",
    title="A foreign X-Forwarded-Host / Host does not become the origin of providers, Location or redirect_uri",
    clause="AUTHJS-host-trust",
    severity=Severity.HIGH,
    family="flow",
    action="providers",
    params=tuple(HOST_CASES),
    tags=("security",),
)
def foreign_host_not_trusted(ctx: CheckContext, case: str) -> None:
    for exchange in _exchanges(ctx, dict(HOST_CASES[case])):
        evidence = _evidence(exchange)
        expect(
            not evidence,
            f"with {case.title()}: {FOREIGN_HOST} the target built its URLs on that host (pin AUTH_URL / "
            "NEXTAUTH_URL, or make sure the proxy overwrites the header; waive with that reason)",
            expected=f"absolute URLs on {ctx.origin} only",
            exchange=exchange,
            received={"status": exchange.status, "evidence": evidence},
        )

"""The providers map: keyed by id, absolute sign-in and callback URLs on the target's origin and base path."""

from __future__ import annotations

from typing import Any

from harness.checks._common import expect, same_url
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check


def providers_map(ctx: CheckContext) -> tuple[Exchange, dict[str, Any]]:
    exchange = ctx.client.action("providers")
    if exchange.status != 200:
        raise NotApplicable(f"providers answered {exchange.status} (judged by ACT-001)")
    body = exchange.json()
    expect(isinstance(body, dict), "providers body is not an object", expected="{id: ProviderInfo}", exchange=exchange)
    return exchange, body


@check(
    "PROV-001",
    title="Provider map keys equal each provider's id",
    clause="DOC-providers",
    severity=Severity.MEDIUM,
    family="providers",
    action="providers",
)
def keys_equal_ids(ctx: CheckContext) -> None:
    exchange, body = providers_map(ctx)
    wrong = {
        key: entry.get("id") if isinstance(entry, dict) else entry
        for key, entry in body.items()
        if not isinstance(entry, dict) or entry.get("id") != key
    }
    expect(
        not wrong,
        "provider map keys differ from provider ids",
        expected="key == entry.id",
        exchange=exchange,
        received=wrong,
    )


@check(
    "PROV-002",
    title="signinUrl/callbackUrl are absolute on the target's origin and base path",
    clause="DOC-providers",
    severity=Severity.HIGH,
    family="providers",
    action="providers",
)
def urls_on_target(ctx: CheckContext) -> None:
    exchange, body = providers_map(ctx)
    base = ctx.client.url("")
    wrong = {}
    for key, entry in body.items():
        if not isinstance(entry, dict):
            continue
        wanted = {"signinUrl": f"{base}signin/{key}", "callbackUrl": f"{base}callback/{key}"}
        bad = {field: entry.get(field) for field, url in wanted.items() if not same_url(str(entry.get(field)), url)}
        if bad:
            wrong[key] = {"received": bad, "expected": wanted}
    expect(
        not wrong,
        "provider URLs do not point at this target's base path",
        expected=f"{base}signin/<id> and {base}callback/<id>",
        exchange=exchange,
        received=wrong,
    )


@check(
    "PROV-003",
    title="Providers answer sets no session cookie",
    clause="DOC-providers",
    severity=Severity.LOW,
    family="providers",
    action="providers",
)
def no_session_from_providers(ctx: CheckContext) -> None:
    exchange, _ = providers_map(ctx)
    session = exchange.cookie("session-token")
    expect(
        session is None or session.clears,
        "providers set a session cookie",
        expected="no session cookie",
        exchange=exchange,
    )

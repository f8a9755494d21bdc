"""Every documented action: status within the profile's set, Content-Type, body schema, required headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jsonschema import Draft202012Validator, FormatChecker

import spec
from harness.checks._common import expect
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.profiles import ANY_BODY, Profile
from harness.registry import check


@dataclass(frozen=True)
class Probe:
    """One request per action that every target can answer without state."""

    path: str
    json: bool = False
    schema: str = ""


PROBES: Mapping[str, Probe] = MappingProxyType(
    {
        "csrf": Probe("csrf", json=True, schema="CsrfTokenResponse"),
        "providers": Probe("providers", json=True, schema="AuthProvidersResponse"),
        "session": Probe("session", json=True, schema="SessionResponse"),
        "signin": Probe("signin"),
        "signin-provider": Probe("signin/credentials"),
        "signout": Probe("signout"),
        "error": Probe("error"),
        "verify-request": Probe("verify-request"),
        "webauthn-options": Probe("webauthn-options", json=True, schema="WebAuthnOptionsResponse"),
        "callback-credentials": Probe("callback/credentials"),
        "callback-unknown": Probe("callback/conformance-unknown"),
        "unknown-action": Probe("conformance-unknown-action"),
    }
)
JSON_ACTIONS = tuple(name for name, probe in PROBES.items() if probe.json)
PAGE_ACTIONS = ("signin", "signout", "error", "verify-request")


def probe(ctx: CheckContext, action: str) -> Exchange:
    """The cached probe exchange for `action` (every ACT check reads the same response)."""
    return ctx.once(f"probe:{action}", lambda: ctx.client.action(PROBES[action].path))


def empty_session_ok(profile: Profile, body: object) -> bool:
    return bool(body == profile.empty_session)


@check(
    "ACT-001",
    title="Action answers a status the profile allows",
    clause="DOC-responses",
    severity=Severity.HIGH,
    family="action",
    params=tuple(PROBES),
)
def status_is_allowed(ctx: CheckContext, action: str) -> None:
    exchange = probe(ctx, action)
    allowed = sorted(ctx.profile.allowed_statuses(action))
    expect(
        exchange.status in allowed,
        f"GET {PROBES[action].path} answered an undocumented status",
        expected=f"one of {allowed} (profile {ctx.profile.name})",
        exchange=exchange,
    )


@check(
    "ACT-002",
    title="Content-Type matches the action (JSON actions JSON, pages HTML)",
    clause="DOC-responses",
    severity=Severity.MEDIUM,
    family="action",
    params=(*JSON_ACTIONS, *PAGE_ACTIONS),
)
def content_type_matches(ctx: CheckContext, action: str) -> None:
    exchange = probe(ctx, action)
    if exchange.status != 200:
        raise NotApplicable(f"GET {PROBES[action].path} answered {exchange.status}, no 200 body to type")
    wanted = "application/json" if PROBES[action].json else "text/html"
    expect(
        exchange.content_type == wanted,
        f"GET {PROBES[action].path} 200 has the wrong Content-Type",
        expected=wanted,
        exchange=exchange,
        received=exchange.headers.get("content-type", "(none)"),
    )


def _validator(profile: Profile, action: str) -> Draft202012Validator:
    if action == "session" and not isinstance(profile.session_schema, str):
        return Draft202012Validator(dict(profile.session_schema), format_checker=FormatChecker())
    return spec.validator(PROBES[action].schema)


@check(
    "ACT-003",
    title="JSON body matches the action's documented schema",
    clause="DOC-responses",
    severity=Severity.HIGH,
    family="action",
    params=JSON_ACTIONS,
)
def body_matches_schema(ctx: CheckContext, action: str) -> None:
    exchange = probe(ctx, action)
    if exchange.status != 200:
        raise NotApplicable(f"GET {PROBES[action].path} answered {exchange.status}, no 200 body to validate")
    body = exchange.json()
    if action == "session":
        expect(
            empty_session_ok(ctx.profile, body),
            "session without a cookie is not the profile's empty body",
            expected=ctx.profile.empty_session,
            exchange=exchange,
            received=body,
        )
        return
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in _validator(ctx.profile, action).iter_errors(body)
    ]
    expect(
        not errors,
        f"GET {PROBES[action].path} body violates {PROBES[action].schema}",
        expected=f"schema {PROBES[action].schema}",
        exchange=exchange,
        received=errors[:5],
    )


@check(
    "ACT-004",
    title="A 302 carries a non-empty Location",
    clause="DOC-responses",
    severity=Severity.HIGH,
    family="action",
    params=tuple(PROBES),
)
def redirect_has_location(ctx: CheckContext, action: str) -> None:
    exchange = probe(ctx, action)
    if exchange.status not in (301, 302, 303, 307, 308):
        raise NotApplicable(f"GET {PROBES[action].path} answered {exchange.status}, not a redirect")
    expect(
        exchange.location,
        f"GET {PROBES[action].path} redirects without a Location",
        expected="Location: <destination>",
        exchange=exchange,
    )


@check(
    "ACT-005",
    title="csrf and session responses are not cacheable (no-store)",
    clause="AUTHJS-no-store",
    severity=Severity.MEDIUM,
    family="action",
    params=("csrf", "session"),
)
def sends_no_store(ctx: CheckContext, action: str) -> None:
    if action not in ctx.profile.no_store_actions:
        raise NotApplicable(f"profile {ctx.profile.name} does not require no-store on {action}")
    exchange = probe(ctx, action)
    directives = {d.strip().lower() for d in exchange.headers.get("cache-control", "").split(",")}
    expect(
        "no-store" in directives,
        f"GET {PROBES[action].path} may be stored by caches",
        expected="Cache-Control: private, no-cache, no-store",
        exchange=exchange,
        received=exchange.headers.get("cache-control", "(no Cache-Control)"),
    )


@check(
    "ACT-006",
    title="Unknown action answers the profile's status and body",
    clause="AUTHJS-unknown-action",
    severity=Severity.LOW,
    family="action",
    action="unknown-action",
)
def unknown_action_rejected(ctx: CheckContext) -> None:
    exchange = probe(ctx, "unknown-action")
    allowed = sorted(ctx.profile.allowed_statuses("unknown-action"))
    expect(
        exchange.status in allowed,
        "an unknown action was not rejected",
        expected=f"status in {allowed}",
        exchange=exchange,
    )
    wanted = ctx.profile.unknown_action_body
    if wanted is ANY_BODY:
        return
    body = exchange.json() if exchange.content_type == "application/json" else exchange.text
    expect(
        body == wanted,
        "unknown action body differs from the profile",
        expected=wanted,
        exchange=exchange,
        received=body,
    )

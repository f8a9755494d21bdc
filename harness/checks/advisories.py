"""Regression checks for published next-auth / @auth/core advisories that can be seen from outside.

Each check cites its GHSA id as the clause. Advisories already covered by another family, or only visible
inside the app (email delivery, the app's own `auth()` / `getToken()` calls), are mapped in the README.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from harness.checks._common import expect
from harness.checks._rules import STACK_TRACE
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import Severity
from harness.registry import check

MALFORMED_CALLBACK_URLS: Mapping[str, str] = MappingProxyType(
    {
        "unclosed-ipv6": "http://[::1",
        "bad-percent": "https://%E0%A4%A.example/",
        "space-in-host": "http://exa mple.com/",
        "bare-word": "conformance",
        "scheme-only": "https://",
    }
)
MALFORMED_BEARERS: Mapping[str, str] = MappingProxyType(
    {
        "empty": "Bearer",
        "not-a-jwt": "Bearer conformance",
        "two-parts": "Bearer a.b",
        "bad-base64": "Bearer %%%.%%%.%%%.%%%.%%%",
        "long": "Bearer " + "A" * 3000,
    }
)
ANSWER_BUDGET = 5.0  # seconds: the advisory's symptom was a handler that never answered


def expect_handled(exchange: Exchange, what: str) -> None:
    """Answered in time, not a gateway error, and no stack trace in the body."""
    trace = STACK_TRACE.search(exchange.text)
    expect(
        exchange.elapsed < ANSWER_BUDGET and exchange.status not in (502, 503, 504) and not trace,
        f"{what} was not handled: slow, a gateway error or a stack trace",
        expected=f"a handled answer within {ANSWER_BUDGET:.0f} s (the library's configuration error is fine)",
        exchange=exchange,
        received={"status": exchange.status, "seconds": round(exchange.elapsed, 2), "trace": trace and trace[0]},
    )


def expect_still_serving(ctx: CheckContext, what: str) -> None:
    action = "csrf" if ctx.profile.csrf_protection == "token" else "providers"  # a disabled csrf action is a 404
    after = ctx.client.action(action)
    expect(after.status == 200, f"after {what} the target no longer serves {action}", expected=200, exchange=after)


@check(
    "ADV-001",
    title="A malformed callbackUrl is answered at once, without a crash (GHSA-g5fm-jp9v-2432)",
    clause="GHSA-g5fm-jp9v-2432",
    severity=Severity.HIGH,
    family="advisory",
    action="signin",
    params=tuple(MALFORMED_CALLBACK_URLS),
    tags=("security",),
)
def malformed_callback_url_handled(ctx: CheckContext, case: str) -> None:
    value = MALFORMED_CALLBACK_URLS[case]
    for action in ("signin", "session"):
        exchange = ctx.client.action(action, params={"callbackUrl": value})
        expect_handled(exchange, f"GET {action}?callbackUrl={value!r}")
    expect_still_serving(ctx, "the malformed callbackUrl")


@check(
    "ADV-002",
    title="A malformed Authorization: Bearer header does not crash the session route (GHSA-xmf8-cvqr-rfgj)",
    clause="GHSA-xmf8-cvqr-rfgj",
    severity=Severity.HIGH,
    family="advisory",
    action="session",
    params=tuple(MALFORMED_BEARERS),
    tags=("security",),
)
def malformed_bearer_handled(ctx: CheckContext, case: str) -> None:
    exchange = ctx.client.action("session", headers={"Authorization": MALFORMED_BEARERS[case]})
    expect_handled(exchange, f"GET session with Authorization: {MALFORMED_BEARERS[case][:24]!r}")
    # Judged against the target's own anonymous answer, not the profile's empty session: the shape of "no
    # session" is SESS-001's verdict; this check is only about the header changing nothing.
    anonymous = ctx.client.action("session")
    expect(
        exchange.status == 200 and exchange.body == anonymous.body,
        "a malformed Bearer header changed the session answer",
        expected={"status": 200, "body": anonymous.text[:200]},
        exchange=exchange,
        received={"status": exchange.status, "body": exchange.text[:200]},
    )
    expect_still_serving(ctx, "the malformed Bearer header")

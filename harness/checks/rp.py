"""Relying-party checks: the target refuses what a misbehaving IdP sends (OIDF RP tests, OIDC Core 3.1.3.7).

Each check is one full sign-in through the mock IdP (`--mock-idp`) with exactly one fault injected there (a bad
ID-token signature, a foreign `aud`, a token endpoint that answers 500, ...); the target must create no session
and land on the profile's error destination. First, once per provider, a sign-in without faults must work:
otherwise a refusal would prove nothing, and the checks are not applicable. A fault the target never triggered
(it does not call userinfo, it sent no nonce) is not applicable too, with the reason. The positive case (RP-020)
rotates the mock's signing key and requires sign-in to keep working.

The faults live in the mock's shared state: do not run these checks in parallel with other checks that sign in
through the same mock (xdist workers against one `--mock-idp`), or another flow may consume the fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.checks._common import expect, query_value, requires_mock_idp, requires_oauth_provider
from harness.checks._oauth_flow import assert_lands_on, assert_no_session
from harness.client import Exchange
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable, Severity
from harness.mock_faults import FaultSpec, MockControl, flow_scope
from harness.mock_signin import MOCK_VENDORS, OAuthSignIn, RefusedAtStart, sign_in_through_mock
from harness.registry import check
from harness.sessions import sign_in_email
from harness.signin import SignInFailed

__all__ = ["RP_CASES", "RpCase"]

IMPOSTOR_ISSUER = "https://impostor-issuer.invalid"
SLOW_MARGIN = 2.0
"""Seconds the slow token endpoint waits beyond the client's timeout."""
MAX_MOCK_DELAY = 60.0
FLOW_ENDPOINTS = frozenset({"authorize", "token", "userinfo"})
"""Endpoints where the mock knows which authorization request a call belongs to: faults there are scoped to
the check's own sign-in (discovery and key rotation stay global, so those cases keep the mock to themselves)."""


@dataclass(frozen=True)
class RpCase:
    """One misbehaviour: the faults that make it (the first is the one that must reach the target) and what the
    target is refusing, for messages."""

    id: str
    title: str
    clause: str
    subject: str
    faults: tuple[FaultSpec, ...]
    severity: Severity = Severity.HIGH
    needs_nonce: bool = False
    slow: bool = False
    tags: tuple[str, ...] = field(default=("security",))


def _token(kind: str, **params: Any) -> tuple[FaultSpec, ...]:
    return (FaultSpec("token", kind, 1, params),)


RP_CASES: tuple[RpCase, ...] = (
    RpCase(
        "RP-001",
        "An ID token whose signature does not verify is rejected",
        "OIDF-rp-id_token-bad-sig-rs256",
        "an ID token with an invalid RS256 signature",
        _token("bad_signature"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-002",
        "An unsigned ID token (alg none) is rejected",
        "OIDF-rp-id_token-sig-none",
        "an unsigned ID token (alg: none)",
        _token("alg_none"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-003",
        "An ID token signed with a key the JWKS does not publish is rejected",
        "OIDCC-3.1.3.7-6",
        "an ID token signed with a key (kid) that is not in the provider's JWKS",
        _token("unknown_key"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-004",
        "An ID token without kid, signed with an unpublished key, is rejected",
        "OIDF-rp-id_token-kid-absent-multiple-jwks",
        "an ID token without kid, signed with a key the JWKS does not publish",
        _token("kid_absent"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-005",
        "An ID token from another issuer (iss) is rejected",
        "OIDF-rp-id_token-issuer-mismatch",
        "an ID token whose iss is another issuer",
        _token("wrong_issuer"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-006",
        "An ID token for another client (aud) is rejected",
        "OIDF-rp-id_token-aud",
        "an ID token whose aud is another client",
        _token("wrong_audience"),
        Severity.CRITICAL,
    ),
    RpCase(
        "RP-007",
        "An ID token with an extra untrusted audience as azp is rejected",
        "OIDCC-3.1.3.7-3",
        "an ID token with aud [client, untrusted] and azp untrusted",
        _token("untrusted_azp"),
    ),
    RpCase(
        "RP-008",
        "An expired ID token (exp in the past) is rejected",
        "OIDCC-3.1.3.7-9",
        "an ID token that expired an hour ago",
        _token("expired_id_token"),
    ),
    RpCase(
        "RP-009",
        "An ID token issued a day in the future (iat) is rejected",
        "OIDCC-3.1.3.7-10",
        "an ID token whose iat is a day in the future",
        _token("iat_future"),
        Severity.ADVISORY,
    ),
    RpCase(
        "RP-010",
        "An ID token without iat is rejected",
        "OIDF-rp-id_token-iat",
        "an ID token without iat",
        _token("missing_iat"),
        Severity.MEDIUM,
    ),
    RpCase(
        "RP-011",
        "An ID token with another nonce than the one sent is rejected",
        "OIDF-rp-nonce-invalid",
        "an ID token whose nonce is not the one the target sent",
        _token("wrong_nonce"),
        Severity.CRITICAL,
        needs_nonce=True,
    ),
    RpCase(
        "RP-012",
        "An ID token without the nonce that was sent is rejected",
        "OIDCC-3.1.3.7-11",
        "an ID token without the nonce the target sent",
        _token("missing_nonce"),
        needs_nonce=True,
    ),
    RpCase(
        "RP-013",
        "An ID token without sub is rejected",
        "OIDF-rp-id_token-sub",
        "an ID token without sub",
        _token("missing_sub"),
    ),
    RpCase(
        "RP-014",
        "A userinfo response for another subject (sub) is rejected",
        "OIDF-rp-userinfo-bad-sub-claim",
        "a userinfo response whose sub differs from the ID token's",
        (FaultSpec("userinfo", "wrong_sub"),),
    ),
    RpCase(
        "RP-015",
        "A token endpoint invalid_grant ends on the error destination",
        "RFC6749-5.2",
        "a token endpoint answering 400 invalid_grant",
        _token("error", error="invalid_grant"),
        Severity.MEDIUM,
        tags=(),
    ),
    RpCase(
        "RP-016",
        "A token endpoint 500 ends on the error destination",
        "RFC6749-5.2",
        "a token endpoint answering 500",
        _token("status", status=500),
        Severity.MEDIUM,
        tags=(),
    ),
    RpCase(
        "RP-017",
        "A malformed JSON token response ends on the error destination",
        "RFC6749-5.1",
        "a token response that is not JSON",
        _token("malformed_json"),
        Severity.MEDIUM,
        tags=(),
    ),
    RpCase(
        "RP-018",
        "A token endpoint slower than the client's timeout ends on the error destination",
        "AUTHJS-idp-timeout",
        "a token endpoint slower than the client's timeout",
        _token("delay"),
        Severity.LOW,
        slow=True,
        tags=(),
    ),
    RpCase(
        "RP-019",
        "A discovery document naming another issuer is rejected",
        "OIDF-rp-discovery-issuer-not-matching-config",
        "a discovery document (and tokens) naming another issuer than the configured one",
        (
            FaultSpec("discovery", "wrong_discovery_issuer", 10, {"issuer": IMPOSTOR_ISSUER}),
            FaultSpec("token", "wrong_issuer", 1, {"issuer": IMPOSTOR_ISSUER}),
        ),
        Severity.CRITICAL,
    ),
)


SHARES_THE_MOCK = frozenset(
    {case.id for case in RP_CASES if not all(f.endpoint in FLOW_ENDPOINTS for f in case.faults)} | {"RP-020"}
)
"""Checks that change the mock for every sign-in (a discovery fault, key rotation): never run beside others."""


def _sign_in(
    ctx: CheckContext,
    provider: str,
    callback_timeout: float | None = None,
    on_authorize: Callable[[str], None] | None = None,
) -> OAuthSignIn:
    return sign_in_through_mock(
        ctx.client,
        ctx.mock_idp(),
        provider,
        sign_in_email(ctx, provider),
        callback_timeout=callback_timeout,
        on_authorize=on_authorize,
    )


def baseline(ctx: CheckContext, provider: str) -> OAuthSignIn:
    """A sign-in without faults (once per provider); not applicable when even that does not give a session."""

    def build() -> OAuthSignIn:
        try:
            flow = _sign_in(ctx, provider)
        except SignInFailed as exc:
            raise NotApplicable(f"a sign-in with {provider} without faults does not complete: {exc}") from None
        if flow.callback.status != 302 or not flow.session_cookies:
            raise NotApplicable(f"a sign-in with {provider} without faults gives no session (see CB-006)")
        return flow

    return ctx.once(f"rp-baseline:{provider}", build)


def _prepared(ctx: CheckContext, case: RpCase) -> tuple[tuple[FaultSpec, ...], float | None]:
    """The faults to inject and the callback timeout; the slow case waits the profile's IdP timeout out."""
    if not case.slow:
        return case.faults, None
    limit = ctx.profile.idp_timeout
    if limit is None:
        raise NotApplicable(f"profile {ctx.profile.name} names no timeout for the target's requests to the IdP")
    seconds = min(limit + SLOW_MARGIN, MAX_MOCK_DELAY)
    first = case.faults[0]
    return (FaultSpec(first.endpoint, first.kind, first.times, {"seconds": seconds}),), seconds + 5.0


def refused(ctx: CheckContext, case: RpCase, provider: str) -> None:
    """Sign in with the case's faults at the mock; the target must refuse (no session, error destination)."""
    first = baseline(ctx, provider)
    if case.needs_nonce and not query_value(first.authorize, "nonce"):
        raise NotApplicable(
            "the target sends no nonce in its authorization request; the nonce checks of OIDC Core 3.1.3.7(11) "
            "apply only when one is sent"
        )
    faults, callback_timeout = _prepared(ctx, case)
    vendor = MOCK_VENDORS[provider]
    with MockControl(ctx.mock_idp()) as control:
        if all(fault.endpoint in FLOW_ENDPOINTS for fault in faults):
            exchange, phase, reached = _scoped_attempt(ctx, control, vendor, faults, provider, callback_timeout)
        else:
            control.clear(vendor)
            try:
                for fault in faults:
                    control.inject(vendor, fault)
                exchange, phase = _attempt(ctx, provider, callback_timeout)
                reached = control.used(vendor, faults[0])
            finally:
                control.clear(vendor)
    if not reached:
        raise NotApplicable(
            f"the target never called the mock's {faults[0].endpoint} endpoint during the sign-in, "
            f"so {case.subject} could not reach it"
        )
    what = f"{phase} with {case.subject}"
    assert_no_session(ctx, exchange, what)
    allowed = (
        ctx.profile.signin_error_destinations
        if phase.startswith("signin/")
        else ctx.profile.oauth_error_destinations | ctx.profile.check_failure_destinations
    )
    assert_lands_on(ctx, exchange, allowed, what)


class _ControlFailed(Exception):
    """The control API failed while the sign-in was under way: reported as that, not as the target's failure."""

    def __init__(self, cause: SignInFailed) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _scoped_attempt(
    ctx: CheckContext,
    control: MockControl,
    vendor: str,
    faults: tuple[FaultSpec, ...],
    provider: str,
    callback_timeout: float | None,
) -> tuple[Exchange, str, bool]:
    """The sign-in with `faults` scoped to its own authorization request (`flow_scope`): injected once the
    target has sent the browser to the mock, so other sign-ins at the same mock (other checks, other runs) never
    meet them. A request with nothing to scope by gets them globally, as before."""
    injected: list[FaultSpec] = []

    def inject(authorize_url: str) -> None:
        scope = flow_scope(authorize_url)
        try:
            for fault in faults:
                injected.append(fault.scoped(scope))
                control.inject(vendor, injected[-1])
        except SignInFailed as exc:
            raise _ControlFailed(exc) from None

    try:
        exchange, phase = _attempt(ctx, provider, callback_timeout, inject)
        reached = bool(injected) and control.used(vendor, injected[0])
    except _ControlFailed as failed:
        raise failed.cause from None
    finally:
        if injected:
            control.clear(vendor, injected[0].scope or None)
    return exchange, phase, reached


def _attempt(
    ctx: CheckContext,
    provider: str,
    callback_timeout: float | None,
    on_authorize: Callable[[str], None] | None = None,
) -> tuple[Exchange, str]:
    """The exchange that ended the flow and where: the callback, or POST signin when the target refused to start."""
    try:
        flow = _sign_in(ctx, provider, callback_timeout, on_authorize)
    except RefusedAtStart as exc:
        assert exc.exchange is not None
        return exc.exchange, f"signin/{provider}"
    except SignInFailed as exc:
        expect(
            False,
            f"the sign-in through the mock IdP broke off before the callback: {exc}",
            expected="a redirect back to the target's callback",
            exchange=exc.exchange,
        )
        raise  # unreachable: expect raised
    return flow.callback, f"callback/{provider}"


def _register(case: RpCase) -> None:
    def run(ctx: CheckContext, provider: str) -> None:
        refused(ctx, case, provider)

    run.__name__ = run.__qualname__ = f"rp_{case.id.replace('-', '_').lower()}"
    check(
        case.id,
        title=case.title,
        clause=case.clause,
        severity=case.severity,
        family="rp",
        action="callback",
        params=OAUTH_PROVIDERS,
        tags=case.tags,
    )(requires_mock_idp(requires_oauth_provider(run)))


for _case in RP_CASES:
    _register(_case)


@check(
    "RP-020",
    title="Sign-in keeps working after the IdP rotates its signing key (old and new key published)",
    clause="OIDF-rp-key-rotation-op-sign-key",
    severity=Severity.HIGH,
    family="rp",
    action="callback",
    params=OAUTH_PROVIDERS,
)
@requires_mock_idp
@requires_oauth_provider
def key_rotation_keeps_sign_in(ctx: CheckContext, provider: str) -> None:
    baseline(ctx, provider)  # the target has seen (and may cache) the old key set
    with MockControl(ctx.mock_idp()) as control:
        control.rotate_keys(MOCK_VENDORS[provider])
    try:
        flow = _sign_in(ctx, provider)
    except SignInFailed as exc:
        expect(False, f"the sign-in broke off after the key rotation: {exc}", expected="a callback", exchange=None)
        return
    expect(
        flow.callback.status == 302 and flow.session_cookies,
        f"callback/{provider} set no session after the IdP rotated its signing key",
        expected="302 with a session cookie (the new key is in the JWKS next to the old one)",
        exchange=flow.callback,
    )

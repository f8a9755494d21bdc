"""Passkey (WebAuthn) checks, driven by Chromium's virtual authenticator (`harness/checks/_passkey.py`).

Auth.js v5's Passkey provider: `webauthn-options/{provider}` answers registration or authentication options and
seals the challenge in the `authjs.challenge` cookie; POST `callback/{provider}` with `action` and `data` verifies
the ceremony (@simplewebauthn/server) and signs the user in (@auth/core 0.41.3 lib/utils/webauthn-utils.js).
Registration uses a new e-mail (`inferWebAuthnOptions`: not signed in, unknown e-mail), so no account is needed.
The checks need a domain origin (`http://localhost:PORT`): browsers refuse WebAuthn on IP-address origins.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from harness.checks._browser import Probe
from harness.checks._common import expect
from harness.checks._passkey import (
    FOREIGN_ORIGIN,
    FOREIGN_RP_ID,
    Ceremony,
    Passkeys,
    Posted,
    RegisteredPasskey,
)
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check

CHALLENGE_MAX_AGE = 15 * 60  # @auth/core lib/utils/cookie.js webauthnChallenge maxAge
_MAX_AGE = re.compile(r";\s*max-age=(-?\d+)", re.IGNORECASE)
_B64URL = re.compile(r"^[A-Za-z0-9_-]{22,}$")


def _accepted(passkeys: Passkeys, passkey: RegisteredPasskey, action: str, data: dict[str, Any]) -> Posted:
    posted = passkeys.post(action, data)
    if posted.signed_in_as != passkey.email:
        raise NotApplicable(f"the target refused a correct {action} ({posted.summary()}); nothing to compare with")
    return posted


def _refused(posted: Posted, what: str, expected: str) -> None:
    expect(
        posted.signed_in_as is None,
        f"{what} signed the user in",
        expected=expected,
        received=posted.summary(),
    )


def _forged_refused(ctx: CheckContext, what: str, expected: str, **fault: Any) -> None:
    """Register, prove a correctly forged assertion is accepted, then send one with `fault` and expect a refusal."""
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        passkey = passkeys.registered()
        control, _ = passkeys.authenticate()
        _accepted(passkeys, passkey, "authenticate", passkeys.forge_assertion(passkey, control))
        passkeys.sign_out()
        ceremony, _ = passkeys.authenticate()
        _refused(passkeys.post("authenticate", passkeys.forge_assertion(passkey, ceremony, **fault)), what, expected)


@check(
    "PASSKEY-001",
    title="Registering a passkey and signing in with it yield that user's session",
    clause="AUTHJS-passkey",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    tags=("browser", "passkey"),
)
def register_then_sign_in(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        passkey, _, _, registered = passkeys.register()
        expect(
            registered.signed_in_as == passkey.email,
            "registering a passkey did not sign the new user in",
            expected={"status": "302", "session.user.email": passkey.email},
            received=registered.summary(),
        )
        passkeys.sign_out()
        _, assertion = passkeys.authenticate()
        signed_in = passkeys.post("authenticate", assertion)
        expect(
            signed_in.signed_in_as == passkey.email,
            "signing in with the registered passkey did not give that user's session",
            expected={"status": "302", "session.user.email": passkey.email},
            received=signed_in.summary(),
        )


def _cookie_problems(ceremony: Ceremony) -> list[str]:
    header = ceremony.set_cookie
    lowered = header.lower()
    problems = []
    if not header:
        return ["webauthn-options set no challenge cookie"]
    if "; httponly" not in lowered:
        problems.append("not HttpOnly")
    ages = [int(age) for age in _MAX_AGE.findall(header)]
    if not ages or not 0 < ages[0] <= CHALLENGE_MAX_AGE:
        problems.append(f"Max-Age missing or above {CHALLENGE_MAX_AGE} s: {ages}")
    challenge = str(ceremony.options.get("challenge", ""))
    if challenge and _readable(challenge, ceremony.cookie_value):
        problems.append("the cookie carries the challenge readable (not sealed)")
    return problems


def _readable(challenge: str, value: str) -> bool:
    """The challenge appears in the cookie as is or in one of its base64 segments."""
    if challenge in value:
        return True
    for segment in re.split(r"[.|~]", value):
        try:
            decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        except ValueError:
            continue
        if challenge.encode() in decoded:
            return True
    return False


@check(
    "PASSKEY-002",
    title="The challenge cookie is HttpOnly, sealed, at most 15 minutes old, and cleared by the callback",
    clause="AUTHJS-webauthn-challenge",
    severity=Severity.HIGH,
    family="browser",
    action="webauthn-options",
    tags=("browser", "passkey", "cookies"),
)
def challenge_cookie(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        _, ceremony, _, posted = passkeys.register()
        problems = _cookie_problems(ceremony)
        cleared = [
            line
            for line in posted.set_cookies
            if line.partition("=")[0].strip() == ceremony.cookie_name
            and (not line.partition("=")[2].split(";", 1)[0] or "max-age=0" in line.lower().replace(" ", ""))
        ]
        if ceremony.cookie_name and not cleared:
            problems.append("POST callback did not clear the challenge cookie")
        expect(
            not problems,
            "the WebAuthn challenge cookie is not HttpOnly, sealed, short-lived and cleared after use",
            expected={"Set-Cookie": f"{ceremony.cookie_name or 'authjs.challenge'}=<JWE>; HttpOnly; Max-Age<=900"},
            received={
                "problems": problems,
                "set-cookie": ceremony.set_cookie,
                "callback set-cookie": posted.set_cookies,
            },
        )


@check(
    "PASSKEY-003",
    title="A challenge is single use: a second assertion for a spent challenge is refused",
    clause="AUTHJS-webauthn-challenge",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def assertion_challenge_single_use(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        passkey = passkeys.registered()
        ceremony, first = passkeys.authenticate()
        second = passkeys.get(ceremony)  # the same challenge, a fresh signature and a higher counter
        _accepted(passkeys, passkey, "authenticate", first)
        passkeys.sign_out()
        passkeys.resend_cookie(ceremony)
        _refused(
            passkeys.post("authenticate", second),
            "a second assertion for an already used challenge (its cookie sent again)",
            "the spent challenge refused: no session",
        )


@check(
    "PASSKEY-004",
    title="A replayed registration (same response, same challenge cookie) is refused",
    clause="AUTHJS-webauthn-challenge",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def registration_replay(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        passkey, ceremony, data, posted = passkeys.register()
        if posted.signed_in_as != passkey.email:
            raise NotApplicable(f"registering a passkey did not sign in (PASSKEY-001 reports it): {posted.summary()}")
        passkeys.sign_out()
        passkeys.resend_cookie(ceremony)
        _refused(
            passkeys.post("register", data),
            "replaying a captured registration request",
            "the spent challenge refused: no session",
        )


@check(
    "PASSKEY-005",
    title="An assertion made for another origin is refused",
    clause="WEBAUTHN-verify-assertion",
    severity=Severity.CRITICAL,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def foreign_origin(ctx: CheckContext) -> None:
    _forged_refused(
        ctx,
        f"an assertion whose clientDataJSON names origin {FOREIGN_ORIGIN}",
        "the origin compared with the target's: no session",
        origin=FOREIGN_ORIGIN,
    )


@check(
    "PASSKEY-006",
    title="An assertion made for another RP ID is refused",
    clause="WEBAUTHN-verify-assertion",
    severity=Severity.CRITICAL,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def foreign_rp_id(ctx: CheckContext) -> None:
    _forged_refused(
        ctx,
        f"an assertion whose authenticatorData carries the RP ID hash of {FOREIGN_RP_ID}",
        "the RP ID hash compared with the target's RP ID: no session",
        rp_id=FOREIGN_RP_ID,
    )


@check(
    "PASSKEY-007",
    title="An assertion whose signature counter went backwards is refused",
    clause="WEBAUTHN-sign-count",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def counter_backwards(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        passkey = passkeys.registered()
        control, _ = passkeys.authenticate()
        _accepted(passkeys, passkey, "authenticate", passkeys.forge_assertion(passkey, control, sign_count=10))
        passkeys.sign_out()
        ceremony, _ = passkeys.authenticate()
        _refused(
            passkeys.post("authenticate", passkeys.forge_assertion(passkey, ceremony, sign_count=5)),
            "an assertion with signature counter 5 after one with 10",
            "a possibly cloned authenticator refused (counter not above the stored one): no session",
        )


def _shape_problems(ctx: CheckContext, action: str, ceremony: Ceremony) -> list[str]:
    body, options = ceremony.body, ceremony.options
    host = urlsplit(ctx.origin).hostname or ""
    problems = []
    if ceremony.status != 200 or not isinstance(body, dict) or body.get("action") != action:
        return [f"status {ceremony.status}, action {body.get('action') if isinstance(body, dict) else body!r}"]
    if not _B64URL.match(str(options.get("challenge", ""))):
        problems.append("options.challenge is not base64url of at least 16 bytes")
    if action == "authenticate":
        rp_id = str(options.get("rpId", ""))
        if not isinstance(options.get("timeout"), int):
            problems.append("options.timeout is not a number")
    else:
        rp = options.get("rp") if isinstance(options.get("rp"), dict) else {}
        user = options.get("user") if isinstance(options.get("user"), dict) else {}
        rp_id = str(rp.get("id", "")) if rp else ""
        if not rp or not isinstance(rp.get("name"), str):
            problems.append("options.rp has no name")
        if not user or not all(isinstance(user.get(k), str) and user.get(k) for k in ("id", "name")):
            problems.append("options.user lacks id or name")
        params = options.get("pubKeyCredParams")
        if (
            not isinstance(params, list)
            or not params
            or not all(
                isinstance(p, dict) and p.get("type") == "public-key" and isinstance(p.get("alg"), int) for p in params
            )
        ):
            problems.append("options.pubKeyCredParams is not a list of {type: public-key, alg}")
    if rp_id and not (host == rp_id or host.endswith("." + rp_id)):
        problems.append(f"RP ID {rp_id!r} is not the target's host {host!r} or a parent domain of it")
    if not ceremony.cookie_name:
        problems.append("no challenge cookie set")
    return problems


@check(
    "PASSKEY-008",
    title="webauthn-options answers the documented options for register and authenticate",
    clause="DOC-webauthn",
    severity=Severity.MEDIUM,
    family="browser",
    action="webauthn-options",
    tags=("browser", "passkey"),
)
def options_shape(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        passkeys = Passkeys(probe)
        register = passkeys.options("register", f"passkey-{secrets.token_hex(6)}@conformance.invalid")
        authenticate = passkeys.options("authenticate")
        again = passkeys.options("authenticate")
        problems = {
            "register": _shape_problems(ctx, "register", register),
            "authenticate": _shape_problems(ctx, "authenticate", authenticate),
        }
        if authenticate.options.get("challenge") and authenticate.options.get("challenge") == again.options.get(
            "challenge"
        ):
            problems["authenticate"].append("two requests got the same challenge")
        expect(
            not any(problems.values()),
            "webauthn-options does not answer the documented registration and authentication options",
            expected={
                "register": "{action: register, options: {challenge, rp: {id, name}, user: {id, name}, "
                "pubKeyCredParams}}",
                "authenticate": "{action: authenticate, options: {challenge, rpId, timeout}}, a new challenge each",
            },
            received={"problems": problems, "register": register.body, "authenticate": authenticate.body},
        )


@check(
    "PASSKEY-009",
    title="With passkeys off, webauthn-options answers the profile's status and sets no challenge",
    clause="DOC-webauthn",
    severity=Severity.MEDIUM,
    family="browser",
    action="webauthn-options",
    tags=("passkey",),
)
def options_when_disabled(ctx: CheckContext) -> None:
    if any(isinstance(e, dict) and e.get("type") == "webauthn" for e in ctx.providers().values()):
        raise NotApplicable("GET providers lists a WebAuthn provider: passkeys are on (PASSKEY-008 checks the options)")
    exchange = ctx.client.action("webauthn-options", params={"action": "authenticate"})
    allowed = sorted(ctx.profile.allowed_statuses("webauthn-options") - {200})
    challenge = exchange.cookie("challenge")
    expect(
        exchange.status in allowed and (challenge is None or not challenge.value),
        "webauthn-options answers although no passkey provider is configured",
        expected=f"one of {allowed} (profile {ctx.profile.name}) and no challenge cookie",
        exchange=exchange,
    )


@check(
    "PASSKEY-010",
    title="An assertion without user verification is refused (the Passkey provider requires it)",
    clause="AUTHJS-passkey-uv",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    tags=("browser", "passkey", "security"),
)
def without_user_verification(ctx: CheckContext) -> None:
    _forged_refused(
        ctx,
        "an assertion whose authenticatorData has the user-present flag but not user-verified",
        "user verification required (a passkey is one factor only with it): no session",
        user_verified=False,
    )

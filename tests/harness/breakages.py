"""One deliberate breakage per check id: (instance to run, path suffix, mutation[, method]).

`test_checks.py` runs each instance against the broken server and expects a failure with that id; a test
keeps this table complete, so no check id lacks a fail test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.harness.mutator import Reply

SESSION_SET = "authjs.session-token=forged; Path=/; HttpOnly; SameSite=Lax"


def status(code: int, location: str | None = "keep") -> Any:
    def mutate(reply: Reply) -> None:
        reply.status = code
        if location != "keep":
            reply.set_header("location", location)

    return mutate


def json_body(func: Any) -> Any:
    def mutate(reply: Reply) -> None:
        reply.body = json.dumps(func(json.loads(reply.body), reply)).encode()

    return mutate


def header(name: str, value: str | None) -> Any:
    return lambda reply: reply.set_header(name, value)


def add_cookie(value: str) -> Any:
    return lambda reply: reply.add_header("set-cookie", value)


def cookies(func: Any) -> Any:
    return lambda reply: reply.map_cookies(func)


def replace_body(old: str, new: str) -> Any:
    def mutate(reply: Reply) -> None:
        reply.body = reply.body.replace(old.encode(), new.encode())

    return mutate


def reflect_callback_url(reply: Reply) -> None:
    raw = reply.query("callbackUrl")
    if raw:
        reply.add_header("set-cookie", f"authjs.callback-url={raw}; Path=/; HttpOnly; SameSite=Lax")


def reflect_error_raw(reply: Reply) -> None:
    reply.body += (reply.query("error") or "").encode()


def accept_forged_csrf(reply: Reply) -> None:
    if "f" * 64 in (reply.request_header("cookie") or ""):
        reply.body = json.dumps({"csrfToken": "f" * 64}).encode()
        reply.map_cookies(lambda c: None if "csrf-token" in c else c)


def credentialed_cors(reply: Reply) -> None:
    reply.set_header("access-control-allow-origin", reply.request_header("origin") or "*")
    reply.set_header("access-control-allow-credentials", "true")


def trace_echo(reply: Reply) -> None:
    reply.status = 200
    reply.body = b"\n".join(k + b": " + v for k, v in reply.scope["headers"])
    reply.set_header("content-type", "message/http")


def with_user(**changes: Any) -> Any:
    def change(body: Any, reply: Reply) -> Any:
        if isinstance(body, dict) and "user" in body:
            body["user"].update(changes)
        return body

    return json_body(change)


class Flaw:
    """A breakage in what the server accepts: the reference server built with these named flaws."""

    def __init__(self, *names: str) -> None:
        self.names = names


def flaw(*names: str) -> tuple[str, Flaw]:
    return ("", Flaw(*names))


BREAKAGES: dict[str, tuple[Any, ...]] = {
    "ACT-001[csrf]": ("/csrf", status(201)),
    "ACT-002[csrf]": ("/csrf", header("content-type", "text/plain")),
    "ACT-003[providers]": ("/providers", json_body(lambda b, r: {"x": {"id": 1}})),
    "ACT-004[signin]": ("/signin", status(302, None)),
    "ACT-005[csrf]": ("/csrf", header("cache-control", None)),
    "ACT-006": ("/conformance-unknown-action", status(200)),
    "CB-001": ("/callback/credentials", add_cookie(SESSION_SET)),
    "CB-002": ("/callback/conformance-unknown", status(200)),
    "CB-003[google]": ("/callback/google", add_cookie(SESSION_SET)),
    "CB-004[google]": ("/callback/google", header("location", "/dashboard")),
    "CB-005[google]": ("/callback/google", add_cookie(SESSION_SET)),
    "CSRF-001": ("/csrf", json_body(lambda b, r: {"csrfToken": b["csrfToken"].upper()})),
    "CSRF-002": ("/csrf", cookies(lambda c: re.sub(r"%7C[0-9a-f]{64}", "%7Cnothex", c))),
    "CSRF-003": ("/csrf", cookies(lambda c: re.sub(r"%7C[0-9a-f]{64}", "%7C" + "0" * 64, c))),
    "CSRF-004": ("/csrf", add_cookie("authjs.csrf-token=x%7Cy; Path=/; HttpOnly; SameSite=Lax")),
    "CSRF-005": ("/csrf", accept_forged_csrf),
    "CSRF-006": ("/csrf", cookies(lambda c: c.replace("; HttpOnly", "").replace("; httponly", ""))),
    "PAGE-001": ("/signin", replace_body("<title>Sign In</title>", "<title>Welcome</title>")),
    "PAGE-002": ("/signout", replace_body("<title>Sign Out</title>", "<title>Bye</title>")),
    "PAGE-003": ("/verify-request", replace_body("<title>Verify Request</title>", "<title>Mail</title>")),
    "PAGE-004[AccessDenied]": ("/error", status(200)),
    "PAGE-005[error]": ("/error", reflect_error_raw),
    "PROV-001": ("/providers", json_body(lambda b, r: {f"x-{k}": v for k, v in b.items()})),
    "PROV-002": (
        "/providers",
        json_body(lambda b, r: {k: {**v, "signinUrl": "https://evil.example/signin"} for k, v in b.items()}),
    ),
    "PROV-003": ("/providers", add_cookie(SESSION_SET)),
    "SEC-001[absolute]": ("/csrf", reflect_callback_url),
    "SEC-002": ("/csrf", reflect_callback_url),
    "SEC-003[csrf]": ("/csrf", credentialed_cors),
    "SEC-004": ("/signin", cookies(lambda c: c.replace("; HttpOnly", ""))),
    "SEC-005": ("/session", trace_echo, "TRACE"),
    "SEC-007": ("/csrf", cookies(lambda c: c + "; Domain=example.com")),
    "SEC-006": (
        "/conformance-unknown-action",
        replace_body('"Bad request."', '"Traceback (most recent call last):\\n  File \\"app.py\\", line 1"'),
    ),
    "SESS-001": (
        "/session",
        lambda r: setattr(r, "body", b"null") if "session-token" not in (r.request_header("cookie") or "") else None,
    ),
    "SESS-002": ("/session", with_user(email="not-an-email")),
    "SESS-003": (
        "/session",
        json_body(
            lambda b, r: {**b, "user": {k: v for k, v in b.get("user", {}).items() if k != "tenantSlug"}} if b else b
        ),
    ),
    "SESS-004": ("/session", json_body(lambda b, r: {**b, "expires": "tomorrow"} if b else b)),
    "SESS-005": ("/session", cookies(lambda c: None if "Max-Age=0" in c or "max-age=0" in c.lower() else c)),
    "SESS-006": ("/session", with_user(proToken="$2b$10$" + "a" * 53)),
    "FLOW-020[missing]": flaw("csrf-unchecked-credentials"),
    "FLOW-020[other-jar]": flaw("csrf-unchecked-credentials"),
    "FLOW-022[missing]": flaw("csrf-unchecked-signout"),
    "FLOW-023": flaw("signout-on-get"),
    "FLOW-031": flaw("signout-keeps-session"),
    "FLOW-040[x-forwarded-host]": flaw("trust-forwarded-host"),
    "ADV-002[not-a-jwt]": flaw("bearer-crash"),
    "FLOW-040[host]": ("/providers", lambda reply: None),  # the broken server trusts Host (Settings.trust_host)
}

_RP = "a sign-in through the mock IdP with one fault: pass and fail tests (one flaw each) in test_rp_checks.py"
_RP_IDS = [f"RP-{n:03d}" for n in range(1, 21)]


@dataclass(frozen=True)
class Wired:
    """A breakage of the reference server wired to the mock IdPs: flaws switched on (reference_server/flaws.py),
    providers' Auth.js `checks` changed, and/or a response mutation; for checks that need a real OAuth flow."""

    flaws: frozenset[str] = frozenset()
    checks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mutation: tuple[Any, ...] = ()


def flaw(*names: str, **checks: tuple[str, ...]) -> Wired:
    return Wired(frozenset(names), {k.replace("_", "-"): v for k, v in checks.items()})


def strip_from(part: str, attribute: str) -> Any:
    """Remove `attribute` from the Set-Cookie lines whose cookie name contains `part`."""
    return cookies(lambda c: re.sub(f"; ?{attribute}", "", c, flags=re.I) if part in c.split("=", 1)[0] else c)


NO_CHECKS = {"google": (), "azure_ad": (), "keycloak": ()}
"""Every provider with Auth.js `checks: ["none"]`: no PKCE, no state, no nonce."""

#: Fail tests on the reference server wired to the mocks (tests/harness/test_flow_oauth_checks.py).
WIRED_BREAKAGES: dict[str, Wired] = {
    "CB-004[google]": flaw("oauth-pkce-skipped"),
    "CB-004[keycloak]": flaw(**NO_CHECKS),
    "CB-005[keycloak]": flaw("oauth-pkce-skipped"),
    "CB-005[azure-ad]": flaw("oauth-state-unverified", azure_ad=("state",)),
    "FLOW-001[keycloak]": flaw("oauth-check-provider-unbound"),
    "FLOW-001[azure-ad]": flaw("oauth-check-provider-unbound"),
    "FLOW-002[google]": flaw("oauth-pkce-plain"),
    "FLOW-002[keycloak]": flaw(**NO_CHECKS),
    "FLOW-003[google]": Wired(mutation=("/signin/google", strip_from(".pkce.", "HttpOnly"))),
    "FLOW-003[azure-ad]": Wired(
        mutation=("/signin/azure-ad", cookies(lambda c: c.replace("Max-Age=900", "Max-Age=86400")))
    ),
    "FLOW-004[keycloak]": Wired(mutation=("/callback/keycloak", cookies(lambda c: None if "Max-Age=0" in c else c))),
    "FLOW-005[google]": flaw("check-cookie-as-session"),
    "FLOW-006[oauth]": Wired(mutation=("/callback/keycloak", strip_from("session-token", "SameSite=Lax"))),
    "FLOW-006[credentials]": Wired(
        mutation=("/callback/credentials", strip_from("session-token", "SameSite=Lax"), "POST")
    ),
    "FLOW-006[signout]": Wired(mutation=("/signout", add_cookie("authjs.signed-out=1; Path=/"), "POST")),
}

#: Fail tests of the email (magic link) checks: the reference server mailing to the mock inbox, with one flaw
#: (reference_server/flaws.py); pass and fail tests in test_email_checks.py.
EMAIL_BREAKAGES: dict[str, Any] = {
    # the link is answered without its session cookie: the user is never signed in
    "EMAIL-001": ("/callback/email", cookies(lambda c: None if "session-token" in c.split("=", 1)[0] else c)),
    "EMAIL-002": "email-token-reusable",
    "EMAIL-003": "email-token-never-expires",
    "EMAIL-004": "email-token-any-address",
    "EMAIL-005[mailed]": "email-callback-url-unchecked",
    "EMAIL-005[tampered]": "email-callback-url-unchecked",
    "EMAIL-006": "csrf-unchecked-email",
    "EMAIL-007": "email-token-in-verify-request",
    "EMAIL-008": "email-token-in-redirect",
    "EMAIL-009": "email-identifier-not-normalized",
    "EMAIL-010": "email-identifier-not-normalized",  # the address as typed goes to the mailer: both recipients
}
_EMAIL = "needs an email provider and the mock inbox: pass and fail tests in test_email_checks.py"
_EMAIL_IDS = [f"EMAIL-{n:03d}" for n in range(1, 11)]

NO_FAIL_TEST = {
    **dict.fromkeys(_RP_IDS, _RP),
    **dict.fromkeys(_EMAIL_IDS, _EMAIL),
    "ADV-001": "a hanging target needs a short client timeout: its fail test is in test_advisories.py",
    "FLOW-021": "a flow only starts against a live IdP: its fail test is in test_flow_checks.py (mock-wired)",
    "FLOW-030": "needs a second user from the mock IdP: pass and fail tests in test_flow_checks.py",
    **{
        f"FLOW-02{n}": "needs CSRF left to the framework: fail tests behind a broken Origin check in "
        "test_framework_targets.py"
        for n in range(4, 8)
    },
    "CB-006": "needs the mock IdP: its pass and fail tests are in test_full_signin.py",
    "SCHEMA-001": "schemathesis needs a live suite run: pass and fail through pytester in test_schema_checks.py",
    "SCHEMA-002": "advisory: its warning is asserted through pytester in test_schema_checks.py",
    "SEC-008": "needs an https target: its fail tests are in test_https_target.py",
}
WIRED_PASS = "needs the mock IdP: passes on the wired reference server in test_flow_oauth_checks.py"
NO_PASS_TEST = {
    **dict.fromkeys(_RP_IDS, _RP),
    **dict.fromkeys(_EMAIL_IDS, _EMAIL),
    "FLOW-030": "needs the mock IdP: see test_flow_checks.py",
    **{
        f"FLOW-02{n}": "not applicable where the csrfToken is used: passes behind a SvelteKit-like Origin check in "
        "test_framework_targets.py"
        for n in range(4, 8)
    },
    "CB-006": "needs the mock IdP: see test_full_signin.py",
    "SEC-008": "not applicable over http: its pass test is in test_https_target.py",
    **{f"FLOW-00{n}": WIRED_PASS for n in range(1, 6)},
    "SCHEMA-001": "see test_schema_checks.py",
    "SCHEMA-002": "see test_schema_checks.py",
}

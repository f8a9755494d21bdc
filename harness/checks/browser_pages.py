"""Browser checks of the built-in sign-in and sign-out forms, and of a full sign-in in the browser through the
mock IdP's account picker (ending with that user's session) or its Deny button (ending on the error page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.checks._browser import (
    STEP_TIMEOUT_MS,
    Probe,
    built_in_page,
    csrf_cookie_token,
    session_of,
    start_url,
    through_idp,
)
from harness.checks._common import expect, query_value, requires_mock_idp, requires_oauth_provider, same_url
from harness.context import OAUTH_PROVIDERS, CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check


def judge_form(forms: list[dict[str, Any]], url: str, token: str | None, what: str) -> str | None:
    """A problem with the form posting to `url`, or None; `token` "" where the framework took CSRF over (the
    library still renders the hidden input, empty)."""
    matching = [f for f in forms if same_url(f["action"], url)]
    if not matching:
        return f"{what}: no form posts to {url}"
    form = matching[0]
    if form["method"] != "post":
        return f"{what}: the form to {url} uses method {form['method']}"
    if form["csrf"] is None or form["csrfType"] != "hidden":
        return f"{what}: the form to {url} has no hidden csrfToken input"
    if token is None or form["csrf"] != token:
        return f"{what}: the form's csrfToken does not equal the CSRF cookie's token"
    return None


def page_token(ctx: CheckContext, probe: Probe) -> str | None:
    """The csrfToken a built-in page's forms must carry: the CSRF cookie's, or "" where the framework took CSRF
    over (@auth/core renders the hidden input without a value when `skipCSRFCheck` is set)."""
    return csrf_cookie_token(probe) if ctx.profile.csrf_protection == "token" else ""


@check(
    "BROWSER-001",
    title="Sign-in page has a form per provider posting to its URL with the CSRF cookie's token",
    clause="DOC-pages",
    severity=Severity.HIGH,
    family="browser",
    action="signin",
    tags=("browser",),
)
def signin_page_forms(ctx: CheckContext) -> None:
    providers = {k: v for k, v in ctx.providers().items() if isinstance(v, dict)}
    if not providers:
        raise NotApplicable("GET providers lists no providers")
    with Probe(ctx) as probe:
        _, forms = built_in_page(probe, "signin")
        token = page_token(ctx, probe)
        problems = []
        for provider_id, entry in providers.items():
            if entry.get("type") == "webauthn":
                continue
            url = entry.get("callbackUrl") if entry.get("type") == "credentials" else entry.get("signinUrl")
            problem = judge_form(forms, str(url or ""), token, provider_id) if url else f"{provider_id}: no URL"
            if problem:
                problems.append(problem)
        expect(
            not problems,
            "the sign-in page's forms do not match GET providers and the CSRF cookie",
            expected="one POST form per provider (signinUrl, or callbackUrl for credentials) with csrfToken",
            received={"problems": problems, "forms": forms, "csrf cookie token": token},
        )


@check(
    "BROWSER-002",
    title="Sign-out page posts to signout with the CSRF cookie's token",
    clause="DOC-pages",
    severity=Severity.HIGH,
    family="browser",
    action="signout",
    tags=("browser",),
)
def signout_page_form(ctx: CheckContext) -> None:
    with Probe(ctx) as probe:
        _, forms = built_in_page(probe, "signout")
        token = page_token(ctx, probe)
        problem = judge_form(forms, ctx.client.url("signout"), token, "signout")
        expect(
            problem is None,
            "the sign-out page's form is wrong",
            expected="a POST form to signout with csrfToken",
            received={"problem": problem, "forms": forms, "csrf cookie token": token},
        )


# ------------------------------------------------------------------------------------ full sign-in


@check(
    "BROWSER-003",
    title="Full sign-in in the browser through the mock IdP's picker ends with that user's session",
    clause="DOC-callback",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("browser",),
)
@requires_mock_idp
@requires_oauth_provider
def browser_sign_in(ctx: CheckContext, provider: str) -> None:
    with Probe(ctx) as probe:
        page = probe.page_on(ctx.origin, "start", _start_query(probe, provider))
        clicked = through_idp(probe, page, provider, choose="user")
        page.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
        body = session_of(page, ctx)
        user = body.get("user") if isinstance(body, dict) else None
        expect(
            isinstance(user, dict),
            f"sign-in through {provider} gave no session",
            expected="an authenticated session",
            received={"final url": page.url, "session": body},
        )
        assert isinstance(user, dict)  # expect() raised otherwise
        if clicked:
            expect(
                str(user.get("email", "")).lower() == clicked.lower(),
                "the session is not the chosen user's",
                expected={"email": clicked},
                received=body,
            )


@check(
    "BROWSER-004",
    title="Denying at the mock IdP lands on the documented error page with no session",
    clause="AUTHJS-oauth-errors",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    params=OAUTH_PROVIDERS,
    tags=("browser", "security"),
)
@requires_mock_idp
@requires_oauth_provider
def browser_deny(ctx: CheckContext, provider: str) -> None:
    with Probe(ctx) as probe:
        page = probe.page_on(ctx.origin, "start", _start_query(probe, provider))
        through_idp(probe, page, provider, choose="deny")
        page.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
        landed = (urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1], query_value(page.url, "error"))
        allowed = ctx.profile.oauth_error_destinations
        expect(
            landed in allowed,
            "deny did not land on the documented error destination",
            expected=sorted(f"/{p}?error={c}" for p, c in allowed),
            received={"final url": page.url},
        )
        body = session_of(page, ctx)
        expect(
            not (isinstance(body, dict) and body.get("user")),
            "deny left a session",
            expected="no session",
            received=body,
        )


def _start_query(probe: Probe, provider: str) -> dict[str, str]:
    url = start_url(probe, provider, popup=False)
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

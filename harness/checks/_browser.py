"""Browser machinery for the browser checks: a probe per check, harness pages, the mock IdP's picker.

HTTP checks cannot see what a page's script does: whom it `postMessage`s, with which targetOrigin, whether
it closes itself or throws without an opener. Each check gets its own browser context with a probe script
(`PROBE_SCRIPT`) that reports `message`, `close` and `error` events, each `document` a page loads, and
`channel` events (BroadcastChannel posts and localStorage writes: the fallbacks of a popup without an opener)
through an exposed binding, so a popup that would close itself stays open to be judged. One browser serves
the whole run (`harness.browser`).
A failing check leaves a screenshot and a Playwright trace under the context's `report_dir` (`--report-dir`),
named after the check instance the runner gave the context. Nothing here decides a
verdict: the checks in `harness/checks/popup.py` and `harness/checks/browser_pages.py` do.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from harness.browser import NoBrowser, shared
from harness.browser_trust import run_trust
from harness.checks._common import same_origin, same_url
from harness.checks._oauth_flow import CHECK_PARAMS, probe_start, real_code, with_params
from harness.context import CheckContext
from harness.findings import CheckFailure, NotApplicable
from harness.mock_signin import MOCK_VENDORS
from harness.signin import SignInFailed

STEP_TIMEOUT_MS = 20_000  # generous: a loaded 2-core CI machine runs Chromium, the target and the mocks at once
SETTLE_MS = 400
POLL_MS = 50
FLUSH_TIMEOUT_MS = 2_000
"""How long `Probe.flush_messages` waits for its marker (a local round trip) before the bounded pause instead."""
FOREIGN_ORIGIN = "http://opener.invalid"
HARNESS_PATH = "/__nextauth-conformance"
UNREACHABLE_KEY = "browser-unreachable"
"""`ctx` cache key: origin -> why a browser step could not reach it (later checks fail at once with that cause)."""
UNREACHABLE_ERRORS = (
    "net::ERR_CONNECTION_",
    "net::ERR_EMPTY_RESPONSE",
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_ADDRESS_UNREACHABLE",
    "net::ERR_TIMED_OUT",
    "net::ERR_INVALID_HTTP_RESPONSE",
    "net::ERR_SSL_",
    "net::ERR_CERT_",
    "net::ERR_TOO_MANY_REDIRECTS",
)
"""Navigation errors that mean the page could not be reached (not a navigation the page itself cancelled)."""

PROBE_SCRIPT = """(() => {
  const report = (payload) => { try { window.__conformanceReport(payload); } catch (e) {} };
  if (location.href !== 'about:blank') {
    report({event: 'document', url: location.href, opener: window.opener !== null});
  }
  window.close = () => report({event: 'close', url: location.href});
  window.addEventListener('message', (e) => {
    if (e.data && e.data.__conformanceBarrier) { report({event: 'barrier', url: location.href}); return; }
    let data = e.data; try { data = JSON.parse(JSON.stringify(e.data)); } catch (err) { data = String(e.data); }
    report({event: 'message', origin: e.origin, data: data, url: location.href});
  });
  window.addEventListener('error', (e) => report({event: 'error', message: String(e.message), url: location.href}));
  window.addEventListener('unhandledrejection',
    (e) => report({event: 'error', message: 'unhandled rejection: ' + String(e.reason), url: location.href}));
  const channel = (kind, name) => report({event: 'channel', kind: kind, name: String(name), url: location.href});
  if (window.BroadcastChannel) {
    const post = BroadcastChannel.prototype.postMessage;
    BroadcastChannel.prototype.postMessage = function () {
      channel('BroadcastChannel', this.name);
      return post.apply(this, arguments);
    };
  }
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key) {
    try { if (this === window.localStorage) { channel('localStorage', key); } } catch (e) {}
    return setItem.apply(this, arguments);
  };
})();"""

OPENER_HTML = "<!doctype html><html><head><title>conformance opener</title></head><body>opener</body></html>"
COOP_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin"}
"""Served with the `opener-coop` page: a popup it opens to a page without the same policy loses `window.opener`
(HTML, "Cross-origin opener policies": a browsing context group switch severs the opener)."""

STARTER_HTML = """<!doctype html><html><head><title>conformance sign-in starter</title></head><body>
<p>Starting sign-in...</p><script>(async () => {
  const q = new URLSearchParams(location.search);
  const response = await fetch(q.get('csrf'), {credentials: 'same-origin'});
  const {csrfToken} = response.ok ? await response.json() : {csrfToken: ''};  // a disabled csrf action: 404
  const form = document.createElement('form');
  form.method = 'POST'; form.action = q.get('action');
  const fields = {csrfToken: csrfToken, callbackUrl: q.get('callbackUrl')};
  if (q.get('popup')) { fields.popup = '1'; }
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
  }
  document.body.appendChild(form); form.submit();
})();</script></body></html>"""

DONE_HTML = "<!doctype html><html><head><title>conformance done</title></head><body>signed in</body></html>"


# --------------------------------------------------------------------------------------------------- probe


@dataclass
class Event:
    """One thing a page's script did, reported by the probe: `message` received, `close` called, `error`."""

    kind: str
    page: Any
    payload: dict[str, Any]


class Probe:
    """A fresh browser context with the probe installed; on failure it saves a screenshot and a trace.

    `with Probe(ctx) as probe:` in a check; artifacts are named after `ctx.instance`."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx, self.instance = ctx, ctx.instance or "browser-check"
        self.events: list[Event] = []
        self.context: Any = None
        self.unreachable: str | None = None  # why the first page this check could not reach failed
        self.pending: dict[Any, str] = {}  # navigation requests sent and not yet answered: request -> route
        self.known_dead: dict[str, str] = ctx._cache.setdefault(UNREACHABLE_KEY, {})

    def __enter__(self) -> Probe:
        try:
            ignore_errors, pins = run_trust(self.ctx)
            browser = shared(pins).browser
        except NoBrowser as exc:
            raise NotApplicable(str(exc)) from None
        self.context = browser.new_context(
            ignore_https_errors=ignore_errors, extra_http_headers=dict(self.ctx.client.extra_headers)
        )
        self.context.set_default_timeout(STEP_TIMEOUT_MS)
        self.context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        # DOM snapshots per action, no screencast: the filmstrip cost ~0.9 s of a 10 s run (benchmarks/LOG.md);
        # a failure still saves a screenshot of every open page (_save_artifacts)
        self.context.tracing.start(screenshots=False, snapshots=True)
        self.context.expose_binding("__conformanceReport", self._record)
        self.context.add_init_script(PROBE_SCRIPT)
        self._route_harness_pages()
        self._watch_navigations()
        return self

    def _watch_navigations(self) -> None:
        """Remember which URL a navigation was sent to (through which redirects) and why it failed; an origin an
        earlier check could not reach is refused at once, so one dead page costs one wait, not one per check."""
        self.context.on("request", self._on_request)
        self.context.on("response", lambda response: self.pending.pop(response.request, None))
        self.context.on("requestfailed", self._on_failed)
        for origin, cause in list(self.known_dead.items()):  # another lane may add one meanwhile
            self.context.route(f"{origin}/**", self._refuse(cause))

    def _on_request(self, request: Any) -> None:
        if not request.is_navigation_request():
            return
        cause = self.known_dead.get(origin_of(request.url))
        if cause is None:
            self.pending[request] = route_of(request)
            return
        # a redirect hop is not routable: end the flow by closing its page (its waits fail at once)
        self.unreachable = self.unreachable or f"not tried again: {cause}"
        with contextlib.suppress(Exception):
            request.frame.page.close()

    def _on_failed(self, request: Any) -> None:
        self.pending.pop(request, None)
        error = request.failure or ""
        if not request.is_navigation_request() or not error.startswith(UNREACHABLE_ERRORS):
            return
        cause = f"could not reach {short(request.url)} ({error}); {route_of(request)}"
        self.unreachable = self.unreachable or cause
        self.known_dead.setdefault(origin_of(request.url), f"{self.instance} {cause}")

    def _refuse(self, cause: str) -> Callable[[Any], None]:
        def refuse(route: Any) -> None:
            if route.request.is_navigation_request():
                self.unreachable = self.unreachable or f"not tried again: {cause}"
            route.abort("connectionrefused")

        return refuse

    def _deliver_events(self) -> None:
        with contextlib.suppress(Exception):  # the browser may be gone; the failure is reported without the cause
            open_pages = [page for page in self.context.pages if not page.is_closed()]
            if open_pages:
                pause(open_pages[0], POLL_MS)

    def _no_answer(self) -> str | None:
        """A navigation still waiting for its answer when a step timed out: its origin counts as unreachable."""
        for request, sent in self.pending.items():
            cause = f"no answer from {short(request.url)} within {STEP_TIMEOUT_MS // 1000} s; {sent}"
            self.known_dead.setdefault(origin_of(request.url), f"{self.instance} {cause}")
            return cause
        return None

    def _record(self, source: dict[str, Any], payload: dict[str, Any]) -> None:
        self.events.append(Event(str(payload.get("event")), source.get("page"), payload))

    def _route_harness_pages(self) -> None:
        """Harness pages served by Playwright on the target's origin and on a foreign one (never hit the network)."""
        pages = {"opener": OPENER_HTML, "start": STARTER_HTML, "done": DONE_HTML}
        for origin in (self.ctx.origin, FOREIGN_ORIGIN):
            for name, html in pages.items():
                self.context.route(f"{origin}{HARNESS_PATH}/{name}*", _fulfill(html))
        # registered last, so it is tried first (Playwright runs matching routes newest first), before `opener*`
        self.context.route(f"{self.ctx.origin}{HARNESS_PATH}/opener-coop", _fulfill(OPENER_HTML, COOP_HEADERS))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            if exc is not None and type(exc).__module__.startswith("playwright"):
                self._deliver_events()  # a failed navigation's event may come after the error it caused
            failure = _as_failure(exc, self.unreachable or (self._no_answer() if _timed_out(exc) else None))
            if failure is not None:
                failure.message += self._save_artifacts()
                if failure is not exc:
                    raise failure from None
        finally:
            self._close()

    def _save_artifacts(self) -> str:
        """Screenshot every open page and keep the trace; the paths go into the failure message."""
        stem = re.sub(r"[^\w.-]+", "_", self.instance) + datetime.now(UTC).strftime("-%Y%m%dT%H%M%S")
        folder = self.ctx.report_dir / "browser"
        saved: list[str] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for number, page in enumerate(p for p in self.context.pages if not p.is_closed()):
                path = folder / f"{stem}-{number}.png"
                page.screenshot(path=str(path), timeout=5_000)
                saved.append(f"screenshot {path}")
            trace = folder / f"{stem}.zip"
            self.context.tracing.stop(path=str(trace))
            saved.append(f"trace {trace} (open with: playwright show-trace {trace})")
        except Exception as err:  # noqa: BLE001 - artifacts are a courtesy; the verdict stands without them
            saved.append(f"artifacts incomplete: {str(err).splitlines()[0][:120]}")
        return "\nArtifacts: " + "; ".join(saved)

    def _close(self) -> None:
        if self.context is None:
            return
        with contextlib.suppress(Exception):  # the browser may already be gone
            self.context.close()

    # ------------------------------------------------------------------------------------------ helpers

    def page_on(self, origin: str, name: str = "opener", query: dict[str, str] | None = None) -> Any:
        """A new tab showing a harness page on `origin` (the target's, or the foreign one)."""
        page = self.context.new_page()
        page.goto(self.harness_url(origin, name, query), wait_until="load")
        return page

    def harness_url(self, origin: str, name: str, query: dict[str, str] | None = None) -> str:
        return f"{origin}{HARNESS_PATH}/{name}" + (f"?{urlencode(query)}" if query else "")

    def open_popup(self, opener: Any, url: str, *, noopener: bool = False) -> Any:
        """`window.open(url)` from `opener` (with `noopener` if asked); the popup's Page."""
        with opener.expect_popup(timeout=STEP_TIMEOUT_MS) as info:
            opener.evaluate(
                "([url, features]) => { window.open(url, '_blank', features); }", [url, "noopener" if noopener else ""]
            )
        return info.value

    def pump(self, page: Any, until: Callable[[], bool], timeout_ms: int) -> bool:
        """Let Playwright deliver events for up to `timeout_ms`; True as soon as `until()` holds."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not until():
            if time.monotonic() >= deadline:
                return False
            pause(page, POLL_MS)
        return True

    def flush_messages(self, popup: Any, opener: Any) -> None:
        """Until every message `popup` posted so far has reached `opener` (or been dropped for its targetOrigin).

        The popup posts a marker to the opener after the page's own posts; a window's messages to one target are
        dispatched in the order posted (HTML, "posted message task source"), and the opener's listener reports them
        in that order, so once the marker is reported nothing posted before it is still on its way. Called after
        the page called window.close(): a real browser closes a popup its opener's script opened once that task
        ends, so later posts would never leave it. When the marker cannot be sent (the page lost its opener or
        navigated away), a bounded pause of `SETTLE_MS` stands in for it."""
        before = len(self.of("barrier", opener))
        try:
            sent = popup.evaluate(
                "() => { if (!window.opener) { return false; } "
                "window.opener.postMessage({__conformanceBarrier: 1}, '*'); return true; }"
            )
        except Exception:  # noqa: BLE001 - a page gone or navigating: wait the bounded pause instead
            sent = False
        if not sent or not self.pump(opener, lambda: len(self.of("barrier", opener)) > before, FLUSH_TIMEOUT_MS):
            pause(opener, SETTLE_MS)

    def of(self, kind: str, page: Any) -> list[Event]:
        return [e for e in self.events if e.kind == kind and e.page is page]


def _fulfill(html: str, headers: dict[str, str] | None = None) -> Callable[[Any], None]:
    def handle(route: Any) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html, headers=headers or {})

    return handle


def pause(page: Any, ms: int) -> None:
    """A bounded pause that also pumps Playwright's events; falls back to sleep when the page is gone."""
    try:
        page.wait_for_timeout(ms)
    except Exception:  # noqa: BLE001 - a closed page cannot wait; the event loop still runs elsewhere
        time.sleep(ms / 1000)


def route_of(request: Any) -> str:
    """`sent to URL` and each redirect it took (`-> URL`): where a navigation was really going."""
    chain = [request.url]
    previous = request.redirected_from
    while previous is not None and len(chain) < 20:
        chain.append(previous.url)
        previous = previous.redirected_from
    first, *hops = (short(url) for url in reversed(chain))
    return f"sent to {first}" + "".join(f", redirected to {hop}" for hop in hops)


def short(url: str, limit: int = 100) -> str:
    """A URL cut to `limit` characters (authorization URLs carry long queries that say nothing here)."""
    return url if len(url) <= limit else url[: limit - 3] + "..."


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _timed_out(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ == "TimeoutError" and type(exc).__module__.startswith("playwright")


def _as_failure(exc: BaseException | None, unreachable: str | None = None) -> CheckFailure | None:
    """A check failure as is; a Playwright error (timeout, closed target) as a failure of the browser step, with
    the page it could not reach (and the URL it was sent to) when that is why."""
    if exc is None or isinstance(exc, NotApplicable):
        return None
    if isinstance(exc, CheckFailure):
        return exc
    if type(exc).__module__.startswith("playwright"):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        message = f"browser step failed: {first[:300]}"
        if unreachable:
            message = f"browser step failed: {unreachable[:800]} ({first[:200]})"
        return CheckFailure(message, expected="the page flow to complete", received=type(exc).__name__)
    return None


# ----------------------------------------------------------------------------------------- popup URLs


@dataclass(frozen=True)
class PopupTarget:
    """Where the popup goes: a URL that renders the callback page (empty: the reference popup sign-in flow
    through the mock), the provider it names, the variant, and whether it is a `--popup-url` page."""

    url: str
    provider: str
    variant: str
    custom: bool


SYNTHETIC_STATE = "nextauth-conformance-state"
SYNTHETIC_CODE = "nextauth-conformance-synthetic-code"
CALLBACK_QUERY = ("code", "state", "error", "error_description")
POPUP_PARAMS = {"popup": "1"}


def first_oauth_provider(ctx: CheckContext) -> str | None:
    for provider_id, entry in ctx.providers().items():
        if isinstance(entry, dict) and entry.get("type") in ("oauth", "oidc"):
            return provider_id
    return None


def popup_target(ctx: CheckContext, variant: str) -> PopupTarget:
    """Variants: `error` (a provider error), `synthetic-code` (made-up code and state: the page fails to redeem
    them) and `success` (a real sign-in: the reference popup flow through the mock, or for `--popup-url` a real
    code the mock minted for that page)."""
    provider = first_oauth_provider(ctx)
    if ctx.inputs.popup_url:
        return custom_target(ctx, variant, provider)
    if provider is None:
        raise NotApplicable("no OAuth provider is configured on this target (pass --popup-url to check a popup page)")
    if variant == "success":
        if not ctx.inputs.mock_idp:
            raise NotApplicable("the success popup needs a mock IdP (--mock-idp URL)")
        return PopupTarget("", provider, variant, custom=False)
    url = with_params(ctx.client.url(f"callback/{provider}"), POPUP_PARAMS | callback_params(variant))
    return PopupTarget(url, provider, variant, custom=False)


def custom_target(ctx: CheckContext, variant: str, provider: str | None) -> PopupTarget:
    """The `--popup-url` page with the variant's callback query; a URL that already carries `error` or `code`
    is opened as given for the error variant, and a `state` it carries is kept (a page that checks its own
    state format, such as AlgaPSA's base64 JSON with the tenant, gets past that check only with one)."""
    page = urljoin(ctx.origin + "/", str(ctx.inputs.popup_url).replace("{provider}", provider or "google"))
    query = parse_qs(urlsplit(page).query)
    if variant == "error" and {"error", "code"} & set(query):
        return PopupTarget(page, provider or "", variant, custom=True)
    state = query.get("state", [SYNTHETIC_STATE])[0]
    if variant != "success":
        params = callback_params(variant) | ({"state": state} if variant != "error" else {})
        return PopupTarget(with_params(bare(page), params), provider or "", variant, custom=True)
    if not ctx.inputs.mock_idp:
        raise NotApplicable(
            "the success variant of --popup-url needs a real code from the mock IdP (--mock-idp URL); "
            "the synthetic-code variant ran without it"
        )
    if provider not in MOCK_VENDORS:
        raise NotApplicable(f"no provider of the mock IdP is configured on this target (first OAuth: {provider})")
    return PopupTarget(code_for_page(ctx, provider, bare(page), state), provider, variant, custom=True)


def callback_params(variant: str) -> dict[str, str]:
    if variant == "error":
        return {"error": "access_denied", "error_description": "The user denied the request (nextauth-conformance)"}
    return {"code": SYNTHETIC_CODE, "state": SYNTHETIC_STATE}


def bare(url: str) -> str:
    """`url` without the callback query (code, state, error, error_description); other parameters kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in CALLBACK_QUERY]
    return urlunsplit(parts._replace(query=urlencode(query)))


def code_for_page(ctx: CheckContext, provider: str, page: str, state: str) -> str:
    """The page's URL with a real code from the mock, minted for the page itself.

    A code is bound to the redirect_uri of its authorization request (RFC 6749 4.1.3), so one minted for the
    target's own callback could not be redeemed by the page: the target's authorization request (its client at
    the mock) is sent again with the page as redirect_uri, without the PKCE challenge and nonce (the verifier is
    in the target's cookie jar, not the page's) and with `state` (the `--popup-url`'s, else the harness's).
    The mock accepts any redirect_uri unless started with `--redirect-uri`; then this variant is not applicable."""
    request = probe_start(ctx, provider).authorize_url
    unchecked = (*CHECK_PARAMS, "code_challenge_method")
    query = [(k, v) for k, v in parse_qsl(urlsplit(request).query) if k not in unchecked]
    authorize = urlunsplit(urlsplit(request)._replace(query=urlencode(query)))
    authorize = with_params(authorize, {"redirect_uri": page, "state": state})
    try:
        return real_code(ctx, provider, authorize)
    except NotApplicable as exc:
        reason = f"the mock IdP minted no code for the popup page as redirect_uri ({page}): {exc.reason}"
        raise NotApplicable(reason) from None


def start_url(probe: Probe, provider: str, *, popup: bool) -> str:
    """The harness starter page on the target's origin: it fetches csrf and POSTs signin/{provider}.

    The mock IdP learns the test user here, before the flow can reach its account picker."""
    ctx = probe.ctx
    ensure_mock_user(ctx, provider)
    signin = ctx.providers().get(provider, {}).get("signinUrl") or ctx.client.url(f"signin/{provider}")
    query = {
        "csrf": ctx.client.url("csrf"),
        "action": signin + ("?popup=1" if popup else ""),
        "callbackUrl": probe.harness_url(ctx.origin, "done"),
    }
    if popup:
        query["popup"] = "1"
    return probe.harness_url(ctx.origin, "start", query)


def launch_popup(probe: Probe, opener: Any, target: PopupTarget, *, noopener: bool = False) -> Any:
    """Open the popup and drive it to the callback page (through the mock's picker for the reference `success`)."""
    if target.custom:
        sign_in_browser(probe)
    if target.url:
        popup = probe.open_popup(opener, target.url, noopener=noopener)
        popup.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
        return popup
    popup = probe.open_popup(opener, start_url(probe, target.provider, popup=True), noopener=noopener)
    through_idp(probe, popup, target.provider, choose="user")
    popup.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
    return popup


def sign_in_browser(probe: Probe) -> None:
    """Give the browser the target's session (`--credentials` or `--secret`), best effort: an app's own popup
    page runs for a signed-in user (AlgaPSA's inbox linking refuses a state whose tenant is not the session's)."""
    ctx = probe.ctx
    try:
        session = ctx.session()
    except NotApplicable:
        return
    cookies = [{"name": name, "value": value, "url": ctx.origin + "/"} for name, value in session.cookies.items()]
    with contextlib.suppress(Exception):  # a cookie the browser refuses only leaves the page signed out
        probe.context.add_cookies(cookies)


# ----------------------------------------------------------------------------------------- mock IdP


def ensure_mock_user(ctx: CheckContext, provider: str) -> str | None:
    """Make sure the mock knows the target's test user (best effort); its email, if known.

    Called before the flow starts, so the account picker already lists the user (`MockIdp.register_user`: once
    per run, one thread at a time, a user the mock knows left alone)."""
    email = ctx.inputs.credentials[0] if ctx.inputs.credentials else None
    if email and provider in MOCK_VENDORS and ctx.inputs.mock_idp:
        with contextlib.suppress(SignInFailed):
            ctx.mock_idp().register_user(provider, email)
    return email


def through_idp(probe: Probe, page: Any, provider: str, *, choose: str) -> str | None:
    """From the starter page through the mock IdP back to the target; `choose` is "user" or "deny".

    Returns the email of the account clicked (None when the mock signed in without showing its picker)."""
    ctx = probe.ctx
    email = ctx.inputs.credentials[0] if ctx.inputs.credentials else None  # registered by `start_url`
    starter = f"{ctx.origin}{HARNESS_PATH}/start"
    page.wait_for_url(lambda url: not url.startswith(starter), timeout=STEP_TIMEOUT_MS)
    page.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
    picker = page.locator('[data-testid="account-picker"]')
    if picker.count() == 0:
        if choose == "deny":
            raise NotApplicable(f"the mock IdP signed in without its account picker (auto-login); at {page.url}")
        return None
    if choose == "deny":
        button = page.locator('[data-testid="deny"]')
    else:
        wanted = page.locator(f'[data-testid="user-{email}"]') if email else None
        button = wanted if wanted is not None and wanted.count() else page.locator('[data-testid^="user-"]').first
    clicked = (button.get_attribute("data-testid") or "").removeprefix("user-") or None
    button.click(no_wait_after=True)
    page.wait_for_url(lambda url: same_origin(url, ctx.origin), timeout=STEP_TIMEOUT_MS)
    return clicked if choose == "user" else None


def session_of(page: Any, ctx: CheckContext) -> Any:
    """GET session with the browser context's cookies, through the run's client (its TLS settings: Playwright's
    own request API trusts neither the CA bundle nor the browser's pins)."""
    url = ctx.client.url("session")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(url)}
    response = ctx.client.request("GET", url, cookies=cookies)
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - a non-JSON session answer is reported by the session checks
        return {"non-json": response.text[:200]}


# --------------------------------------------------------------------------------------- page forms


def csrf_cookie_token(probe: Probe) -> str | None:
    """The token half of the CSRF cookie (`token|hash`, possibly URL-encoded) the browser holds."""
    for cookie in probe.context.cookies():
        bare = cookie["name"].removeprefix("__Host-").removeprefix("__Secure-")
        if ".csrf-token" in f".{bare}" or bare == "csrf-token":
            return unquote(cookie["value"]).split("|", 1)[0]
    return None


FORMS_SCRIPT = """() => Array.from(document.forms).map((f) => {
  const csrf = f.querySelector('input[name="csrfToken"]');
  return {action: f.action, method: (f.getAttribute('method') || 'get').toLowerCase(),
          csrf: csrf ? csrf.value : null, csrfType: csrf ? csrf.type : null};
})"""


def built_in_page(probe: Probe, action: str) -> tuple[Any, list[dict[str, Any]]]:
    """Load a built-in page in the browser; N/A when it redirects to a custom page."""
    page = probe.context.new_page()
    wanted = probe.ctx.client.url(action)
    page.goto(wanted, wait_until="load")
    if not same_url(page.url, wanted):
        raise NotApplicable(f"{action} is a custom page ({page.url}); its forms are the app's")
    return page, page.evaluate(FORMS_SCRIPT)

"""Before any check: is the target up and an Auth.js endpoint? And which profile does it look like?

The preflight turns every way a target can be unusable (down, refused, TLS, slow, a marketing page, HTML
where JSON was promised, a redirect, a 10 MB body) into one `TargetError` line, so the run stops with one
clear message instead of forty failures. Detection (`--profile auto`) says which profile it chose and why.
"""

from __future__ import annotations

from typing import Any

from harness.client import Exchange, TargetClient
from harness.errors import TargetError, TargetNotAuthjs
from harness.profiles import PROFILES, Profile
from harness.signin import csrf_disabled

CSRF_DISABLED = (
    "csrf action disabled (404, as @auth/core answers with skipCSRFCheck, which @auth/sveltekit always sets): "
    "the framework guards POSTs by Origin, so the CSRF token checks are not applicable and FLOW-024..027 judge that"
)


def preflight(client: TargetClient) -> Exchange:
    """GET <base>/csrf once; return the exchange or raise `TargetError` with one line that says what to do.

    An Auth.js target whose csrf action is disabled (`csrf_disabled`) passes when its providers and session
    actions answer Auth.js JSON; the caller reads that from the returned 404 (`csrf_disabled(exchange)`)."""
    url = client.url("csrf")
    exchange = client.action("csrf")
    hint = "check --target and --base-path"
    if exchange.status == 404:
        if not _answers_authjs_json(client):
            raise TargetNotAuthjs(
                f"GET {url} answered 404 and {client.url('providers')} gave no Auth.js providers JSON either: "
                f"no Auth.js at this base path; {hint}",
                url=url,
            )
        if not csrf_disabled(exchange):
            raise TargetNotAuthjs(
                f"GET {url} answered 404 although providers and session answer Auth.js JSON, and not as Auth.js "
                "disables it (skipCSRFCheck deletes the csrf cookie): a proxy or route drops the csrf action",
                url=url,
            )
        return exchange
    if 300 <= exchange.status < 400:
        raise TargetNotAuthjs(
            f"GET {url} redirects ({exchange.status} -> {exchange.location}); an Auth.js csrf "
            f"action answers 200 JSON; {hint}",
            url=url,
        )
    if exchange.status >= 500:
        raise TargetNotAuthjs(
            f"GET {url} answered {exchange.status}: the target is failing ({exchange.text[:80]!r})", url=url
        )
    if exchange.content_type != "application/json":
        kind = exchange.content_type or "no content type"
        raise TargetNotAuthjs(
            f"GET {url} answered {exchange.status} {kind}, not Auth.js JSON "
            f"(a web page where JSON was promised?); {hint}",
            url=url,
        )
    body = exchange.json()
    if not isinstance(body, dict) or "csrfToken" not in body:
        raise TargetNotAuthjs(f"GET {url} answered JSON without csrfToken ({exchange.text[:60]!r}); {hint}", url=url)
    return exchange


def _answers_authjs_json(client: TargetClient) -> bool:
    """The providers action answers a JSON map of provider entries and the session action JSON."""
    try:
        providers: Any = client.action("providers").json()
        session: Any = client.action("session").json()
    except TargetError:
        return False
    entries = providers.values() if isinstance(providers, dict) else ()
    listed = bool(entries) and all(isinstance(e, dict) and "id" in e for e in entries)
    return listed and isinstance(session, dict | None)


def detect_profile(client: TargetClient, csrf: Exchange) -> tuple[Profile, str]:
    """Pick a profile from cookie names and the anonymous session body; return it with the reason."""
    names = [c.name for c in csrf.set_cookies]
    if any("next-auth." in name for name in names):
        return PROFILES["nextauth-v4"], f"csrf cookie {_first(names, 'next-auth.')} has the NextAuth v4 prefix"
    try:
        session = client.action("session").json()
    except TargetError:
        session = "unreadable"
    if session is None:
        return PROFILES["authjs-v5"], "anonymous session is JSON null (Auth.js v5 default)"
    if any("authjs." in name for name in names) and session == {}:
        return PROFILES["documented"], "authjs.* cookies and {} for no session (the documented contract)"
    return PROFILES["documented"], f"no library fingerprint (cookies {names or 'none'}, session {session!r})"


def _first(names: list[str], part: str) -> str:
    return next(n for n in names if part in n)

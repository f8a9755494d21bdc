"""Before any check: is the target up and an Auth.js endpoint? And which profile does it look like?

The preflight turns every way a target can be unusable (down, refused, TLS, slow, a marketing page, HTML
where JSON was promised, a redirect, a 10 MB body) into one `TargetError` line, so the run stops with one
clear message instead of forty failures. Detection (`--profile auto`) says which profile it chose and why.
"""

from __future__ import annotations

from harness.client import Exchange, TargetClient
from harness.errors import TargetError, TargetNotAuthjs
from harness.profiles import PROFILES, Profile


def preflight(client: TargetClient) -> Exchange:
    """GET <base>/csrf once; return the exchange or raise `TargetError` with one line that says what to do."""
    url = client.url("csrf")
    exchange = client.action("csrf")
    hint = "check --target and --base-path"
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

"""Record what the real interop apps answer to every GET action and write apps/OBSERVED.md.

Run from the repo root:  .venv/bin/python tests/interop/record_observed.py

Both apps are started with all four providers configured; the OAuth issuers point at a tiny
discovery-only OIDC stub served here on loopback, so the callback requests reach the code
paths a real IdP would (discovery succeeds, the token endpoint is never reached).
Variable parts are normalised: ports -> PORT / IDP_PORT, 64-hex tokens -> <hex64>, cookie
values -> <N chars>, dates -> <date>.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nextapps import APP_NAMES, APPS_DIR, running_app  # noqa: E402

REQUESTS: list[tuple[str, str]] = [
    ("/csrf", "csrf"),
    ("/providers", "providers"),
    ("/session", "session, no cookie"),
    ("/signin", "sign-in page"),
    ("/signin/google", "signin/{provider} on GET"),
    ("/signin/credentials", "signin/credentials on GET"),
    ("/signout", "sign-out page"),
    ("/error", "error, no param"),
    ("/error?error=Configuration", "error=Configuration"),
    ("/error?error=configuration", "error=configuration (lower case)"),
    ("/error?error=AccessDenied", "error=AccessDenied"),
    ("/error?error=Verification", "error=Verification"),
    ("/error?error=OAuthSignin", "error=OAuthSignin (a sign-in error)"),
    ("/error?error=Whatever", "error=other"),
    ("/verify-request", "verify-request"),
    ("/webauthn-options", "webauthn-options"),
    ("/webauthn-options/passkey", "webauthn-options/{id}"),
    ("/callback/credentials", "callback/credentials on GET"),
    ("/callback/google?error=access_denied", "IdP error on callback"),
    ("/callback/google", "callback/google, no code, no cookies"),
    ("/callback/nope", "callback, unknown provider"),
    ("/nope", "unknown action"),
    ("/session/x", "known action + 2nd segment"),
    ("/signin/google/extra", "3-segment path"),
    ("/signin?callbackUrl=https://evil.example/x", "foreign callbackUrl (signin)"),
    ("/csrf?callbackUrl=https://evil.example/x", "foreign callbackUrl (csrf)"),
    ("/signin?callbackUrl=/dashboard", "relative callbackUrl"),
    ("/signin?callbackUrl=javascript:alert(1)", "javascript: callbackUrl (signin)"),
    ("/session?callbackUrl=javascript:alert(1)", "javascript: callbackUrl (session)"),
]


class _DiscoveryStub(BaseHTTPRequestHandler):
    """Serves `{issuer}/.well-known/openid-configuration` for any issuer path on this host."""

    def do_GET(self) -> None:  # noqa: N802
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        suffix = "/.well-known/openid-configuration"
        if self.path.split("?")[0].endswith(suffix):
            issuer = base + self.path.split("?")[0][: -len(suffix)]
            body = {
                "issuer": issuer,
                "authorization_endpoint": issuer + "/authorize",
                "token_endpoint": issuer + "/token",
                "userinfo_endpoint": issuer + "/userinfo",
                "jwks_uri": issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        elif self.path.endswith("/jwks"):
            body = {"keys": []}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def _normalise(text: str, port: int, idp_port: int) -> str:
    for sep in (":", "%3A"):
        text = text.replace(f"{sep}{port}", f"{sep}PORT").replace(f"{sep}{idp_port}", f"{sep}IDP_PORT")
    text = re.sub(r"[0-9a-f]{64}", "<hex64>", text)
    return text


def _cookie(header: str) -> str:
    first, _, attrs = header.partition(";")
    name, _, value = first.partition("=")
    attrs = re.sub(r"Expires=[^;]+", "Expires=<date>", attrs)
    # callback-url values are not secret and are the point of the redirect checks.
    shown = value if ".callback-url" in name else (f"<{len(value)} chars>" if value else "")
    return f"{name}={shown};{attrs}".rstrip(";")


def _other_headers(resp: httpx.Response) -> str:
    shown = []
    for name in ("pragma", "expires", "etag", "vary", "x-powered-by"):
        if name in resp.headers:
            shown.append(f"{name}: " + ("<etag>" if name == "etag" else resp.headers[name]))
    return "<br>".join(shown)


def _body(resp: httpx.Response) -> str:
    """First 200 chars; for HTML the <title> plus the first 200 chars from <body (the head is CSS)."""
    text = resp.text
    if "<body" in text:
        title = re.search(r"<title>(.*?)</title>", text)
        prefix = f"[title: {title.group(1)}] " if title else ""
        return prefix + text[text.index("<body") :][:200]
    return text[:200]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "⏎") or "–"


def record(app_name: str, idp: str) -> list[dict[str, str]]:
    env = {
        "GOOGLE_CLIENT_ID": "google-client",
        "GOOGLE_CLIENT_SECRET": "google-secret",
        "GOOGLE_ISSUER": f"{idp}/google",
        "AZURE_AD_CLIENT_ID": "azure-client",
        "AZURE_AD_CLIENT_SECRET": "azure-secret",
        "AZURE_AD_ISSUER": f"{idp}/entra/v2.0",
        "KEYCLOAK_CLIENT_ID": "keycloak-client",
        "KEYCLOAK_CLIENT_SECRET": "keycloak-secret",
        "KEYCLOAK_ISSUER": f"{idp}/realms/interop",
    }
    idp_port = int(idp.rsplit(":", 1)[1])
    rows = []
    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    with (
        running_app(app_name, env=env) as app,
        httpx.Client(timeout=15.0, follow_redirects=False, trust_env=False, cookies=jar) as client,
    ):
        for path, label in REQUESTS:
            resp = client.get(app.auth_url + path)
            norm = lambda s: _normalise(s, app.port, idp_port)  # noqa: E731
            rows.append(
                {
                    "path": path,
                    "label": label,
                    "status": str(resp.status_code),
                    "type": resp.headers.get("content-type", ""),
                    "cache": resp.headers.get("cache-control", ""),
                    "location": norm(resp.headers.get("location", "")),
                    "cookies": "<br>".join(norm(_cookie(h)) for h in resp.headers.get_list("set-cookie")),
                    "headers": norm(_other_headers(resp)),
                    "body": norm(_body(resp)),
                }
            )
    return rows


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DiscoveryStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    idp = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        results = {name: record(name, idp) for name in APP_NAMES}
    finally:
        server.shutdown()
        server.server_close()

    versions = {}
    for name in APP_NAMES:
        lock = json.loads((APPS_DIR / name / "package-lock.json").read_text())["packages"]
        versions[name] = ", ".join(
            f"{pkg.removeprefix('node_modules/')}@{lock[pkg]['version']}"
            for pkg in ("node_modules/next", "node_modules/next-auth", "node_modules/@auth/core")
            if pkg in lock
        )

    out = [
        "# Observed responses of the real interop apps",
        "",
        f"Generated by `tests/interop/record_observed.py` on {date.today().isoformat()}; do not edit the",
        "tables by hand, re-run the script. The notes at the end are kept in the script.",
        "",
        "Set-up: `next start` (NODE_ENV=production) on `http://127.0.0.1:PORT`, NEXTAUTH_URL = AUTH_URL =",
        "that origin, plain http (so no `__Secure-`/`__Host-` prefixes), the four providers configured",
        "(credentials + google, azure-ad, keycloak whose issuers are a discovery-only stub on IDP_PORT),",
        "every request sent **without cookies**, redirects not followed. Paths are under `/api/auth`.",
        "Cookie values are shown as their length (callback-url cookies in full); `<hex64>` is a",
        "64-hex token. For HTML bodies the body column is `[title: …]` plus the first 200 chars",
        "from `<body` (the first 200 chars of the document are the same inline CSS on every page).",
        "",
    ]
    for name in APP_NAMES:
        out += [
            f"## {name} ({versions[name]})",
            "",
            "| GET /api/auth… | what | status | content-type | cache-control | other headers | Location "
            "| Set-Cookie | body (first 200 chars) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results[name]:
            body = _cell(r["body"]).replace("`", "'")
            cells = [f"`{_cell(r['path'])}`", _cell(r["label"]), r["status"]]
            cells += [_cell(r[k]) for k in ("type", "cache", "headers", "location", "cookies")]
            cells.append(f"`{body}`" if body != "–" else body)
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += NOTES.strip("\n").splitlines()
    target = APPS_DIR / "OBSERVED.md"
    target.write_text("\n".join(out) + "\n")
    print(f"wrote {target}")


NOTES = """
## Notes: how this compares with shared/research/authjs.md

Everything in the tables agrees with the research (statuses, Locations, cookie sets, bodies,
the v4 error bounce, v5 case-sensitive error page, v5 `Bad request.`, v5 Configuration
redirects, the `javascript:` 500s). What the research does not say, or says differently:

1. **v5 never emits `127.0.0.1`.** With `AUTH_URL=http://127.0.0.1:PORT` every absolute URL
   the v5 app writes (providers, redirects, form actions, the callback-url cookie) says
   `http://localhost:PORT`. Cause: Next.js `NextURL` rewrites any `127.x.x.x`, `[::1]` or
   `localhost` hostname to `localhost`, and next-auth's `reqWithEnvURL` builds a `NextRequest`
   from the AUTH_URL origin. v4 uses NEXTAUTH_URL verbatim. Profiles must compare against the
   origin the app reports (`RunningApp.public_url`), not the one the client dialled; a mock IdP
   must accept `redirect_uri=http://localhost:PORT/api/auth/callback/<id>` from the v5 app.
2. **v4 plain-text errors have no Content-Type at all** (unknown action, `webauthn-options`,
   `callback/nope` → 400; GET `callback/credentials` → 500). The research says "framework
   default"; on the Pages Router of Next 16 there is none. Every v4 response carries an `ETag`.
3. **v4 ignores extra path segments**: `/session/x` is the session route (200 `{}`) and
   `/signin/google/extra` is the sign-in page (200), where v5 answers 400 `"Bad request."`.
   (Consistent with "action = `nextauth[0]`", but not spelled out.)
4. v5 (App Router) adds `Vary: rsc, next-router-state-tree, next-router-prefetch,
   next-router-segment-prefetch[, Accept-Encoding]` to every response and gzips bodies when
   asked; neither app sends `X-Powered-By` (Next 16).
5. v4 JSON is `application/json; charset=utf-8`, v5 JSON is exactly `application/json`
   (as the research says; listed here because profiles must not compare it exactly).
6. v4 `GET /error?error=Configuration|AccessDenied|…` and the other HTML pages still set the
   csrf and callback-url cookies; the v5 error-kind redirects (`signin/google`,
   `callback/credentials`, `webauthn-options`, `callback/google?error=…`) set **no** cookies,
   while the v5 HTML pages do (as researched).
7. Checked by hand, not in the table: the v5 AccessDenied page links to
   `…/api/auth/error?error=AccessDenied/signin` (the V5 bug in the research); the v5 sign-out
   form posts to the request URL with its query (`…/signout?x=1`), v4 to `…/signout`.
"""

if __name__ == "__main__":
    main()

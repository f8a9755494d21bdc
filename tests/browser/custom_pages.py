"""Custom popup callback pages, as apps write their own outside the NextAuth catch-all (`--popup-url`), served
on the reference server's origin (a real app's pages share its origin) over real loopback HTTP.

Each page redeems the code it is given at the mock IdP's token endpoint, with the mock client the reference
server uses for that provider and its own URL as redirect_uri (as AlgaPSA's inbox-linking callbacks do with a
tenant's Google client), and differs only in what it does with the outcome:

- `inbox`: AlgaPSA's `/api/auth/google/callback` (research algapsa.md section 5): refuses a state that is not
  base64 JSON with a tenant and a browser without a session, then posts
  `{success: true, data: {accessToken, refreshToken, expiresAt, email}}` to `*`, and on a failed exchange echoes
  the code and state it was given, also to `*`;
- `linked`: correct: posts `{type, provider, success, error?}` to its own origin only, no tokens, and says
  "You can close this window.";
- `throws`: `window.opener.postMessage(...)` unguarded: throws when the opener is null or severed;
- `channel`: without an opener it posts the result on a BroadcastChannel and says so;
- `storage`: without an opener it writes the result to localStorage and navigates back to the app's sign-in page.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from harness.mock_signin import MOCK_VENDORS
from mock_providers.testing import RunningMocks

PREFIX = "/custom-popup"
Message = dict[str, Any]

INBOX_SCRIPT = """var target = window.opener || window.parent;
if (target && target !== window) { target.postMessage(message, '*'); }
try { window.close(); } catch (e) {}
setTimeout(function () { document.getElementById('status').textContent = 'You can close this window.'; }, 100);"""

LINKED_SCRIPT = """if (window.opener) { window.opener.postMessage(public_(message), location.origin); }
window.close();
setTimeout(function () { document.getElementById('status').textContent = 'You can close this window.'; }, 100);"""

THROWS_SCRIPT = """window.opener.postMessage(public_(message), location.origin);
window.close();
document.getElementById('status').textContent = 'You can close this window.';"""

CHANNEL_SCRIPT = """if (window.opener) { window.opener.postMessage(public_(message), location.origin); }
else { new BroadcastChannel('oauth-callback').postMessage(public_(message)); }
window.close();
document.getElementById('status').textContent = 'Signed in: go back to the app; you can close this window.';"""

STORAGE_SCRIPT = """if (window.opener) { window.opener.postMessage(public_(message), location.origin); window.close(); }
else {
  localStorage.setItem('oauth-callback', JSON.stringify(public_(message)));
  setTimeout(function () { location.replace('/api/auth/signin'); }, 0);
}"""

SCRIPTS = {
    "inbox": INBOX_SCRIPT,
    "linked": LINKED_SCRIPT,
    "throws": THROWS_SCRIPT,
    "channel": CHANNEL_SCRIPT,
    "storage": STORAGE_SCRIPT,
}


INBOX_STATE = base64.b64encode(json.dumps({"tenant": "conformance-tenant", "providerId": "p-1"}).encode()).decode()


def popup_url(page: str) -> str:
    """The `--popup-url` of one of the pages; the inbox page's carries the state it accepts, as a user would."""
    url = f"{PREFIX}/{page}/{{provider}}/callback"
    return url + "?" + urlencode({"state": INBOX_STATE}) if page == "inbox" else url


def script_json(value: object) -> str:
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(message: Message, script: str) -> HTMLResponse:
    """The page: the message inline, `public_` (the message without data, for the pages that keep tokens home)."""
    return HTMLResponse(
        "<!doctype html><html><head><title>OAuth Callback</title></head><body>"
        '<h3>OAuth Callback</h3><p id="status">Completing sign-in...</p><script>(function () {'
        f"var message = {script_json(message)};"
        "var public_ = function (m) { var copy = Object.assign({}, m); delete copy.data; return copy; };"
        f"{script}"
        "})();</script></body></html>"
    )


def claims_of(id_token: str) -> dict[str, Any]:
    """The ID token's payload, unverified (the page only shows the email)."""
    try:
        payload = id_token.split(".")[1]
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return decoded
    except (IndexError, ValueError):
        return {}


class Pages:
    """The pages' shared server side: redeem the code at the mock, build the oauth-callback message."""

    def __init__(self, mocks: RunningMocks) -> None:
        self.mocks = mocks
        self.token_endpoints: dict[str, str] = {}

    async def token_endpoint(self, http: httpx.AsyncClient, vendor: str) -> str:
        if vendor not in self.token_endpoints:
            discovery = (await http.get(self.mocks.discovery_url(vendor))).json()
            self.token_endpoints[vendor] = str(discovery["token_endpoint"])
        return self.token_endpoints[vendor]

    async def redeem(self, provider: str, code: str, redirect_uri: str) -> dict[str, Any] | None:
        vendor = MOCK_VENDORS.get(provider)
        if vendor is None:
            return None
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.mocks.client_id(vendor),
            "client_secret": self.mocks.client_secret(vendor) or "",
        }
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.post(await self.token_endpoint(http, vendor), data=form)
        body = answer.json() if answer.status_code == 200 else None
        return body if isinstance(body, dict) else None

    async def message(self, request: Request) -> Message:
        provider, query = request.path_params["provider"], request.query_params
        head: Message = {"type": "oauth-callback", "provider": provider}
        if query.get("error"):
            return head | {
                "success": False,
                "error": query["error"],
                "errorDescription": "Authorization failed. Please try again.",
            }
        code, state = query.get("code", ""), query.get("state", "")
        refused = self.refusal(request, state) if request.path_params["page"] == "inbox" else None
        if refused:
            return head | {"success": False, "error": refused, "errorDescription": "Authorization failed."}
        redirect_uri = str(request.url.replace(query=""))
        tokens = await self.redeem(provider, code, redirect_uri) if code else None
        if tokens is None:
            return head | {
                "success": False,
                "error": "token_exchange_failed",
                "errorDescription": "Authorization failed. Please try again.",
                "data": {"code": code, "state": state},
            }
        expires = datetime.now(UTC) + timedelta(seconds=int(tokens.get("expires_in", 3600)))
        data = {
            "accessToken": tokens.get("access_token", ""),
            "refreshToken": tokens.get("refresh_token", ""),
            "expiresAt": expires.isoformat(),
            "email": claims_of(str(tokens.get("id_token", ""))).get("email", ""),
        }
        return head | {"success": True, "data": data}

    @staticmethod
    def refusal(request: Request, state: str) -> str | None:
        """AlgaPSA's checks before the exchange: the state is base64 JSON naming a tenant, and the user is signed
        in (it compares the session's tenant; a session cookie stands for that here)."""
        try:
            tenant = json.loads(base64.b64decode(state)).get("tenant")
        except (ValueError, AttributeError):
            tenant = None
        if not tenant:
            return "invalid_state"
        if not any("session-token" in name for name in request.cookies):
            return "tenant_mismatch"
        return None

    def endpoint(self) -> Callable[[Request], Any]:
        async def page(request: Request) -> HTMLResponse:
            script = SCRIPTS.get(request.path_params["page"])
            if script is None:
                return HTMLResponse("no such page", status_code=404)
            return render(await self.message(request), script)

        return page


class WithCustomPages:
    """`app` with the custom pages under PREFIX on the same origin (ASGI dispatch, so `app` keeps its lifespan)."""

    def __init__(self, app: Any, mocks: RunningMocks) -> None:
        self.app = app
        pages = Pages(mocks)
        self.pages = Starlette(routes=[Route(f"{PREFIX}/{{page}}/{{provider}}/callback", pages.endpoint())])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(PREFIX + "/"):
            await self.pages(scope, receive, send)
        else:
            await self.app(scope, receive, send)

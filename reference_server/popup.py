"""The documented HTML popup callback page: it posts `{type: 'oauth-callback', provider, success, error?,
errorDescription?}` to `window.opener || window.parent` with the app's origin as targetOrigin (never `*`),
then tries to close itself; if it is still open, it says so and shows the result.

Unlike AlgaPSA's inbox popups it never puts tokens or codes in the message: the session is a cookie.
"""

from __future__ import annotations

import json
from html import escape

from reference_server.provider_catalog import OAUTH_PROVIDERS

__all__ = ["POPUP_COOKIE", "popup_page"]

POPUP_COOKIE = "nextauth-conformance.popup"


def _script_json(value: object) -> str:
    """JSON that is safe inside <script>: no `</script>`, no HTML comment or line-separator tricks."""
    text = json.dumps(value)
    for raw, safe in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, safe)
    return text


def popup_page(
    provider: str, origin: str, *, success: bool, error: str | None = None, description: str | None = None
) -> str:
    message: dict[str, object] = {"type": "oauth-callback", "provider": provider, "success": success}
    if not success:
        message |= {"error": error or "OAuthCallbackError", "errorDescription": description or ""}
    kind = OAUTH_PROVIDERS.get(provider)
    name = escape(kind.popup_name if kind else provider)
    outcome = "Success" if success else "Error"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
        f"<title>{name} OAuth Callback</title></head><body>"
        f'<h3 id="outcome">{name} Sign-in {outcome}</h3>'
        '<p id="fallback" hidden>You can close this window.</p><pre id="result" hidden></pre>'
        "<script>(function () {"
        f"var message = {_script_json(message)}; var targetOrigin = {_script_json(origin)};"
        "var target = window.opener || (window.parent !== window ? window.parent : null);"
        "try { if (target) { target.postMessage(message, targetOrigin); } } catch (e) {}"
        "window.close();"
        "setTimeout(function () {"
        "document.getElementById('fallback').hidden = false;"
        "var result = document.getElementById('result');"
        "result.textContent = JSON.stringify(message, null, 2); result.hidden = false;"
        "}, 100);"
        "})();</script></body></html>"
    )

"""Built-in HTML pages with Auth.js's markup (lib/pages/*.tsx), every interpolated value escaped.

The markers a client or a test looks for are Auth.js's own: `<title>Sign In</title>`, `body.__next-auth-theme-
auto`, `div.page`, `div.signin > div.card`, hidden `csrfToken` inputs, `#submitButton`.
"""

from __future__ import annotations

from html import escape

from reference_server.providers import CREDENTIAL_FIELDS, Provider

__all__ = ["ERROR_PAGES", "error_page", "signin_page", "signout_page", "verify_request_page"]

_CSS = (
    "body{font-family:system-ui,sans-serif;background:#f5f5f5;margin:0}.page{display:grid;place-items:center;"
    "min-height:100vh}.card{background:#fff;padding:2rem;border-radius:.5rem;min-width:18rem;"
    "box-shadow:0 1px 3px #0002}.error{color:#b00}button,.button{display:block;width:100%;margin:.5rem 0;"
    "padding:.6rem;border:1px solid #999;border-radius:.3rem;background:#fff;cursor:pointer}"
    "input{display:block;width:100%;box-sizing:border-box;margin:.25rem 0 .75rem;padding:.5rem}"
)

SIGNIN_ERRORS = {
    "Signin": "Try signing in with a different account.",
    "OAuthSignin": "Try signing in with a different account.",
    "OAuthCallbackError": "Try signing in with a different account.",
    "OAuthCreateAccount": "Try signing in with a different account.",
    "EmailCreateAccount": "Try signing in with a different account.",
    "Callback": "Try signing in with a different account.",
    "OAuthAccountNotLinked": "To confirm your identity, sign in with the same account you used originally.",
    "EmailSignin": "The e-mail could not be sent.",
    "CredentialsSignin": "Sign in failed. Check the details you provided are correct.",
    "SessionRequired": "Please sign in to access this page.",
}

# error code -> (status, heading, message); lookup is case-sensitive, as in Auth.js v5.
ERROR_PAGES = {
    "Configuration": (
        500,
        "Server error",
        "<p>There is a problem with the server configuration.</p><p>Check the server logs for more information.</p>",
    ),
    "AccessDenied": (403, "Access Denied", "<p>You do not have permission to sign in.</p>"),
    "Verification": (
        403,
        "Unable to sign in",
        "<p>The sign in link is no longer valid.</p><p>It may have been used already or it may have expired.</p>",
    ),
}


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<style>{_CSS}</style><title>{escape(title)}</title></head>"
        f'<body class="__next-auth-theme-auto"><div class="page">{body}</div></body></html>'
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}"/>'


def _provider_form(provider: Provider, info: dict[str, str], csrf_token: str, callback_url: str) -> str:
    label = f"Sign in with {escape(provider.name)}"
    if provider.type == "credentials":
        fields = "".join(
            f'<div><label class="section-header" for="input-{name}-for-{provider.id}-provider">'
            f'{escape(spec["label"])}</label><input name="{name}" id="input-{name}-for-{provider.id}-provider" '
            f'type="{spec["type"]}"/></div>'
            for name, spec in CREDENTIAL_FIELDS.items()
        )
        return (
            f'<form action="{escape(info["callbackUrl"])}" method="POST">{_hidden("csrfToken", csrf_token)}'
            f'{fields}<button id="submitButton" type="submit">{label}</button></form>'
        )
    if provider.type == "webauthn":
        return ""
    if provider.type == "email":  # no callbackUrl field: the callback-url cookie carries it (pages/signin.tsx)
        field_id = f"input-email-for-{provider.id}-provider"
        return (
            f'<form action="{escape(info["signinUrl"])}" method="POST">{_hidden("csrfToken", csrf_token)}'
            f'<label class="section-header" for="{field_id}">Email</label><input id="{field_id}" autofocus '
            'type="email" name="email" value="" placeholder="email@example.com" required/>'
            f'<button id="submitButton" type="submit">{label}</button></form>'
        )
    return (
        f'<form action="{escape(info["signinUrl"])}" method="POST">{_hidden("csrfToken", csrf_token)}'
        f'{_hidden("callbackUrl", callback_url)}<button type="submit" class="button">{label}</button></form>'
    )


def signin_page(
    providers: list[tuple[Provider, dict[str, str]]], csrf_token: str, callback_url: str, error: str | None
) -> str:
    message = ""
    if error:
        message = f'<div class="error"><p>{escape(SIGNIN_ERRORS.get(error, "Unable to sign in."))}</p></div>'
    forms = "".join(
        f'<div class="provider">{_provider_form(provider, info, csrf_token, callback_url)}</div>'
        for provider, info in providers
    )
    return _document("Sign In", f'<div class="signin"><div class="card">{message}{forms}</div></div>')


def signout_page(action_url: str, csrf_token: str) -> str:
    body = (
        '<div class="signout"><div class="card"><h1>Signout</h1><p>Are you sure you want to sign out?</p>'
        f'<form action="{escape(action_url)}" method="POST">{_hidden("csrfToken", csrf_token)}'
        '<button id="submitButton" type="submit">Sign out</button></form></div></div>'
    )
    return _document("Sign Out", body)


def error_page(error: str | None, origin: str, host: str, signin_url: str) -> tuple[int, str]:
    """The error page and its status: Configuration 500, AccessDenied/Verification 403, else 200."""
    default = (200, "Error", f'<p><a class="site" href="{escape(origin)}">{escape(host)}</a></p>')
    status, heading, message = ERROR_PAGES.get(error or "", default)
    signin = f'<a class="button" href="{escape(signin_url)}">Sign in</a>' if status == 403 else ""
    body = (
        f'<div class="error"><div class="card"><h1>{heading}</h1><div class="message">{message}</div>'
        f"{signin}</div></div>"
    )
    return status, _document("Error", body)


def verify_request_page(origin: str, host: str) -> str:
    body = (
        '<div class="verify-request"><div class="card"><h1>Check your email</h1>'
        "<p>A sign in link has been sent to your email address.</p>"
        f'<p><a class="site" href="{escape(origin)}">{escape(host)}</a></p></div></div>'
    )
    return _document("Verify Request", body)

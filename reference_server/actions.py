"""One function per Auth.js action, GET and POST, each from an AuthContext to an AuthResult.

The GET actions are the documented contract; the POSTs are what a sign-in needs (credentials sign-in,
OAuth sign-in start, sign-out). OAuth specifics live in `oauth.py`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from reference_server import email_signin, oauth
from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import ResponseCookie
from reference_server.errors import CredentialsSignin, InvalidProvider, MissingCSRF, UnknownAction
from reference_server.pages import error_page, signin_page, signout_page, verify_request_page
from reference_server.passkey import passkey_callback
from reference_server.providers import public_info
from reference_server.session import NO_STORE, current_claims, session_action, start_session
from reference_server.webauthn import webauthn_options_action

__all__ = ["dispatch"]


def _html(page: str, ctx: AuthContext, status: int = 200) -> AuthResult:
    return AuthResult(status=status, body=page, content_type="text/html", cookies=list(ctx.init_cookies))


def _with_query(path: str, params: dict[str, str]) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"


def csrf_action(ctx: AuthContext) -> AuthResult:
    return AuthResult(body={"csrfToken": ctx.csrf.token}, headers=dict(NO_STORE), cookies=list(ctx.init_cookies))


def providers_action(ctx: AuthContext) -> AuthResult:
    return AuthResult(body={p.id: public_info(p, ctx.base_url) for p in ctx.providers})


def signin_get(ctx: AuthContext) -> AuthResult:
    if ctx.provider_id:
        raise UnknownAction("Unsupported action")  # v5: GET signin/{provider} is not an action
    pages = ctx.settings.pages
    error = ctx.query.get("error")
    if pages.sign_in:
        params = {"callbackUrl": ctx.callback.url, **({"error": error} if error else {})}
        return AuthResult(status=302, redirect=_with_query(pages.sign_in, params), cookies=list(ctx.init_cookies))
    listed = [(p, public_info(p, ctx.base_url)) for p in ctx.providers]
    return _html(signin_page(listed, ctx.csrf.token, ctx.callback.url, error), ctx)


def signout_get(ctx: AuthContext) -> AuthResult:
    if ctx.settings.has_flaw("signout-on-get"):
        return _sign_out(ctx)
    if ctx.settings.pages.sign_out:
        return AuthResult(status=302, redirect=ctx.settings.pages.sign_out, cookies=list(ctx.init_cookies))
    return _html(signout_page(ctx.request_url, ctx.csrf.token), ctx)


def error_get(ctx: AuthContext) -> AuthResult:
    error = ctx.query.get("error")
    if ctx.settings.pages.error:
        target = _with_query(ctx.settings.pages.error, {"error": error or "undefined"})
        return AuthResult(status=302, redirect=target, cookies=list(ctx.init_cookies))
    status, page = error_page(error, ctx.origin, ctx.host, f"{ctx.base_url}/signin")
    return _html(page, ctx, status)


def verify_request_get(ctx: AuthContext) -> AuthResult:
    if ctx.settings.pages.verify_request:
        search = ctx.request_url.partition("?")[2]
        target = ctx.settings.pages.verify_request + (f"?{search}" if search else "")
        return AuthResult(status=302, redirect=target, cookies=list(ctx.init_cookies))
    return _html(verify_request_page(ctx.origin, ctx.host), ctx)


def callback_get(ctx: AuthContext) -> AuthResult | Awaitable[AuthResult]:
    provider = ctx.provider
    if provider is not None and provider.type == "email":
        return email_signin.email_callback(ctx)
    if provider is None or provider.oauth is None:
        raise InvalidProvider(ctx.provider_id or "")  # credentials on GET, or no provider at all
    return oauth.callback(ctx, provider)


def _csrf_verified(ctx: AuthContext, flaw: str) -> bool:
    return ctx.csrf.verified or ctx.settings.has_flaw(flaw)


def signin_post(ctx: AuthContext) -> AuthResult | Awaitable[AuthResult]:
    provider = ctx.provider
    email = provider is not None and provider.type == "email"
    if not _csrf_verified(ctx, "csrf-unchecked-email" if email else "csrf-unchecked-signin"):
        raise MissingCSRF()
    if provider is not None and email:
        return email_signin.send_token(ctx)
    if provider is None or provider.oauth is None:
        return AuthResult(status=302, redirect=f"{ctx.base_url}/signin", cookies=list(ctx.init_cookies))
    return oauth.authorization_redirect(ctx, provider)


_PASSWORD_CHECKS = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="password-check")
"""One hashing thread per core: with more (starlette's pool has 40), 50 queued sign-ins would time-slice and each
would finish late; with these, they finish one after another at the same total rate."""


async def credentials_post(ctx: AuthContext) -> AuthResult:
    if ctx.provider is not None and ctx.provider.type == "webauthn" and ctx.settings.webauthn:
        return passkey_callback(ctx)  # Auth.js checks no csrfToken here (lib/index.js: credentials only)
    if ctx.provider is None or ctx.provider.type != "credentials":
        result = callback_get(ctx)  # OAuth providers may answer with response_mode=form_post
        return await result if inspect.isawaitable(result) else result
    if not _csrf_verified(ctx, "csrf-unchecked-credentials"):
        raise MissingCSRF()
    user = ctx.store.user_by_email(ctx.body.get("email", ""))
    # The password hash is deliberately slow (PBKDF2): run it in a thread, which releases the GIL, so the event loop
    # keeps serving and concurrent sign-ins hash on every core. An unknown e-mail costs the same check, so the answer
    # time does not tell which accounts exist.
    check = ctx.store.check_password
    password = ctx.body.get("password", "")
    if not await asyncio.get_running_loop().run_in_executor(_PASSWORD_CHECKS, check, user, password) or user is None:
        raise CredentialsSignin()
    return start_session(ctx, user, "credentials")


def signout_post(ctx: AuthContext) -> AuthResult:
    if not _csrf_verified(ctx, "csrf-unchecked-signout"):
        raise MissingCSRF()
    return _sign_out(ctx)


def _sign_out(ctx: AuthContext) -> AuthResult:
    """Revoke the live session's row and clear its cookies."""
    claims, names = current_claims(ctx)
    if claims is not None and not ctx.settings.has_flaw("signout-keeps-session"):
        ctx.store.revoke_session(claims["tenant"], claims["session_id"], "user_logout")
    cleared = [ResponseCookie.clearing(name, ctx.names.secure) for name in names]
    return AuthResult(status=302, redirect=ctx.callback.url, cookies=ctx.init_cookies + cleared)


def session_post(ctx: AuthContext) -> AuthResult:
    if not ctx.csrf.verified:
        raise MissingCSRF()
    return session_action(ctx)


Action = Callable[[AuthContext], AuthResult | Awaitable[AuthResult]]
_GET: dict[str, Action] = {
    "csrf": csrf_action,
    "providers": providers_action,
    "session": session_action,
    "signin": signin_get,
    "signout": signout_get,
    "error": error_get,
    "verify-request": verify_request_get,
    "webauthn-options": webauthn_options_action,
    "callback": callback_get,
}
_POST: dict[str, Action] = {
    "signin": signin_post,
    "callback": credentials_post,
    "signout": signout_post,
    "session": session_post,
}


async def dispatch(ctx: AuthContext) -> AuthResult:
    handler = (_GET if ctx.method == "GET" else _POST).get(ctx.action)
    if handler is None:
        raise UnknownAction(f"{ctx.method} {ctx.action}")
    result = handler(ctx)
    return await result if inspect.isawaitable(result) else result

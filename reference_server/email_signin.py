"""Email (magic link) sign-in as @auth/core 0.41.3 does it: send the link, then redeem it once.

`send_token` is lib/actions/signin/send-token.ts: normalise the address (lib/actions/signin/send-token.ts
`defaultNormalizer`), make a 32-byte random token, store sha256(token + secret) with an expiry (provider
`maxAge`, default a day), mail `{base}/callback/email?callbackUrl=...&token=...&email=...` and answer 302 to
`verify-request?provider=email&type=email`. `email_callback` is the email branch of lib/actions/callback/index.ts:
the token row is looked up by address and hash and deleted (the adapter's `useVerificationToken`); unknown,
expired, or for another address is `Verification`; else the user (created on first sign-in, `createUser`) is
signed in and sent to the callback URL, whose rules (same origin or the base URL) apply as on every action.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import smtplib
import unicodedata
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import escape
from urllib.parse import urlencode, urlsplit

from reference_server.context import AuthContext, AuthResult
from reference_server.errors import AuthError, Verification
from reference_server.session import start_session

__all__ = ["email_callback", "normalize_identifier", "send_token"]

TOKEN_BYTES = 32


class InvalidEmail(AuthError):
    """The address does not normalise (lib/actions/signin/send-token.ts throws; index.ts reports Configuration)."""


def normalize_identifier(email: str | None) -> str:
    """@auth/core `defaultNormalizer`: NFKC, lower case, trimmed; one `@`, no quotes, the domain cut at a comma."""
    if not email:
        raise InvalidEmail("Missing email from request body.")
    trimmed = unicodedata.normalize("NFKC", email).lower().strip()
    parts = trimmed.split("@")
    if '"' in trimmed or len(parts) != 2 or not parts[0] or not parts[1]:
        raise InvalidEmail("Invalid email address format.")
    domain = parts[1].split(",")[0]
    if not domain:
        raise InvalidEmail("Invalid email address format.")
    return f"{parts[0]}@{domain}"


def token_hash(token: str, secret: str) -> str:
    """`createHash(`${token}${secret}`)`: sha256 hex; the store never sees the token itself."""
    return hashlib.sha256(f"{token}{secret}".encode()).hexdigest()


def _message(ctx: AuthContext, to: str, url: str) -> EmailMessage:
    """Nodemailer provider's default mail (lib/utils/email.ts `html` and `text`)."""
    host = urlsplit(ctx.origin).netloc
    message = EmailMessage()
    message["From"] = ctx.settings.email_from
    message["To"] = to
    message["Subject"] = f"Sign in to {host}"
    message.set_content(f"Sign in to {host}\n{url}\n\n")
    message.add_alternative(
        f"<body><p>Sign in to <strong>{escape(host).replace('.', '&#8203;.')}</strong></p>"
        f'<p><a href="{escape(url)}" target="_blank">Sign in</a></p>'
        "<p>If you did not request this email you can safely ignore it.</p></body>",
        subtype="html",
    )
    return message


def _deliver(server: str, message: EmailMessage, timeout: float) -> None:
    parts = urlsplit(server)
    with smtplib.SMTP(parts.hostname or "127.0.0.1", parts.port or 25, timeout=timeout) as smtp:
        if parts.username:
            smtp.login(parts.username, parts.password or "")
        smtp.send_message(message)


async def send_token(ctx: AuthContext) -> AuthResult:
    settings = ctx.settings
    raw = ctx.body.get("email")
    if settings.has_flaw("email-identifier-not-normalized"):
        if not raw or "@" not in raw:
            raise InvalidEmail("Invalid email address format.")
        email = raw
    else:
        email = normalize_identifier(raw)
    token = secrets.token_hex(TOKEN_BYTES)
    expires = datetime.now(UTC) + timedelta(seconds=settings.email_max_age)
    callback_url = ctx.callback.url
    if settings.has_flaw("email-callback-url-unchecked"):
        callback_url = ctx.body.get("callbackUrl") or ctx.query.get("callbackUrl") or callback_url
    link = f"{ctx.base_url}/callback/{ctx.provider_id}?" + urlencode(
        {"callbackUrl": callback_url, "token": token, "email": email}
    )
    ctx.store.create_verification_token(email, token_hash(token, settings.secret), expires.isoformat())
    assert settings.email_server is not None  # the provider exists only with a mail server
    try:
        await asyncio.to_thread(_deliver, settings.email_server, _message(ctx, email, link), settings.http_timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise AuthError(f"the sign-in email could not be sent: {error}") from error
    params = {"provider": ctx.provider_id or "email", "type": "email"}
    if settings.has_flaw("email-token-in-verify-request"):
        params["token"] = token
    return AuthResult(
        status=302, redirect=f"{ctx.base_url}/verify-request?{urlencode(params)}", cookies=list(ctx.init_cookies)
    )


def email_callback(ctx: AuthContext) -> AuthResult:
    settings = ctx.settings
    token = ctx.query.get("token")
    if not token:
        raise AuthError("Missing token. The sign-in URL was manually opened without token.")
    identifier = ctx.query.get("email")
    hashed = token_hash(token, settings.secret)
    reusable = settings.has_flaw("email-token-reusable")
    any_address = settings.has_flaw("email-token-any-address")
    found = ctx.store.use_verification_token(None if any_address else identifier, hashed)
    if found is not None and reusable:
        ctx.store.create_verification_token(found[0], hashed, found[1])
    if found is None:
        raise Verification("no such token")
    stored_identifier, expires = found
    expired = datetime.fromisoformat(expires) < datetime.now(UTC)
    if expired and not settings.has_flaw("email-token-never-expires"):
        raise Verification("expired")
    if identifier and identifier != stored_identifier and not any_address:
        raise Verification("identifier mismatch")
    address = identifier if any_address and identifier else stored_identifier
    exact = settings.has_flaw("email-identifier-not-normalized")
    user = ctx.store.user_by_email(address, exact=exact) or ctx.store.create_email_user(address)
    result = start_session(ctx, user, "email")
    if settings.has_flaw("email-callback-url-unchecked") and ctx.query.get("callbackUrl"):
        result.redirect = ctx.query["callbackUrl"]
    if settings.has_flaw("email-token-in-redirect") and result.redirect:
        result.redirect += ("&" if "?" in result.redirect else "?") + urlencode({"token": token})
    return result

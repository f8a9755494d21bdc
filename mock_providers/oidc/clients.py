"""Registered clients and client authentication (RFC 6749 2.3.1): client_secret_basic, _post, or none."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

from .errors import Reason


@dataclass
class Client:
    """``redirect_uris`` None means any redirect URI is accepted (permissive local default)."""

    client_id: str
    client_secret: str | None
    redirect_uris: tuple[str, ...] | None = None

    def accepts_redirect(self, uri: str) -> bool:
        return self.redirect_uris is None or uri in self.redirect_uris


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host; unparsable ones (``http://[::1/cb``) are simply not."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Decode ``Authorization: Basic``; Auth.js form-urlencodes id and secret before base64, so unquote."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Reason("client_unknown", client_id="") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise Reason("client_unknown", client_id=client_id)
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate(clients: dict[str, Client], header: str | None, params: dict[str, str]) -> Client:
    """Return the authenticated client or raise the reason the vendor will word."""
    basic = basic_credentials(header)
    client_id, secret = basic if basic else (params.get("client_id", ""), params.get("client_secret"))
    if basic and params.get("client_id") not in (None, client_id):
        raise Reason("client_unknown", client_id=params.get("client_id", ""))
    if not client_id:
        raise Reason("client_missing")
    client = clients.get(client_id)
    if client is None:
        raise Reason("client_unknown", client_id=client_id)
    if client.client_secret is not None and not hmac.compare_digest(
        (secret or "").encode(), client.client_secret.encode()
    ):
        raise Reason("client_secret", client_id=client_id)
    return client

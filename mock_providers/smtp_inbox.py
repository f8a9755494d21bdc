"""A mock SMTP inbox: a real SMTP server on loopback that keeps what it receives in memory, per recipient.

Auth.js's Nodemailer / Email providers send the magic link through an SMTP server (`EMAIL_SERVER=smtp://...`);
pointed at this one, the link can be read back over HTTP (`/_inbox?to=ADDRESS`) by a test or the harness. The
server is aiosmtpd's protocol on the mocks' own event loop; plain SMTP, with STARTTLS offered only when asked for
(`--smtp-starttls`: the mocks' local CA signs the certificate), any AUTH accepted so an app configured with
credentials still delivers. At most `MAX_MESSAGES` are kept, oldest first out.
"""

from __future__ import annotations

import email
import email.policy
import html
import itertools
import re
import ssl
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

__all__ = ["MAX_MESSAGES", "Inbox", "InboxMessage", "extract_links", "smtp_protocol"]

MAX_MESSAGES = 500
MAX_MESSAGE_BYTES = 256 * 1024
IDLE_TIMEOUT_SECONDS = 30.0
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def extract_links(*bodies: str) -> list[str]:
    """The http(s) URLs in text and HTML bodies, HTML entities decoded (`&amp;` in an href), first seen first."""
    found: dict[str, None] = {}
    for body in bodies:
        for match in _LINK.findall(html.unescape(body)):
            found.setdefault(match.rstrip(".,;)"), None)
    return list(found)


def normalize_address(address: str) -> str:
    return address.strip().strip("<>").lower()


@dataclass(frozen=True)
class InboxMessage:
    id: int
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    received_at: str

    @property
    def links(self) -> list[str]:
        return extract_links(self.text, self.html)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.mail_from,
            "to": list(self.recipients),
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "links": self.links,
            "received_at": self.received_at,
        }


def _bodies(message: EmailMessage) -> tuple[str, str]:
    text = html_body = ""
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # an unknown charset: keep the raw payload
            content = str(part.get_payload())
        if not isinstance(content, str):
            continue
        if kind == "text/plain" and not text:
            text = content
        elif kind == "text/html" and not html_body:
            html_body = content
    return text, html_body


class Inbox:
    """The messages received, newest last, bounded; safe to read from any thread."""

    def __init__(self, max_messages: int = MAX_MESSAGES) -> None:
        self._messages: deque[InboxMessage] = deque(maxlen=max_messages)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def receive(self, mail_from: str, recipients: Iterable[str], raw: bytes) -> InboxMessage:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        text, html_body = _bodies(parsed)
        with self._lock:
            message = InboxMessage(
                id=next(self._ids),
                mail_from=mail_from,
                recipients=tuple(normalize_address(r) for r in recipients),
                subject=str(parsed.get("subject", "")),
                text=text,
                html=html_body,
                received_at=datetime.now(UTC).isoformat(),
            )
            self._messages.append(message)
        return message

    def messages(self, to: str | None = None) -> list[InboxMessage]:
        """Every message kept, or those for recipient `to` (case and surrounding space ignored), oldest first."""
        with self._lock:
            kept = list(self._messages)
        if to is None:
            return kept
        wanted = normalize_address(to)
        return [m for m in kept if wanted in m.recipients]

    def message(self, message_id: int) -> InboxMessage | None:
        return next((m for m in self.messages() if m.id == message_id), None)

    def clear(self, to: str | None = None) -> int:
        with self._lock:
            before = len(self._messages)
            if to is None:
                self._messages.clear()
            else:
                wanted = normalize_address(to)
                kept = [m for m in self._messages if wanted not in m.recipients]
                self._messages.clear()
                self._messages.extend(kept)
            return before - len(self._messages)


class _Handler:
    """aiosmtpd handler: every accepted DATA lands in the inbox before the server answers 250."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="replace")
        self.inbox.receive(str(envelope.mail_from or ""), [str(r) for r in envelope.rcpt_tos], raw)
        return "250 OK message accepted"


def _accept_any(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object) -> AuthResult:
    return AuthResult(success=True)


def smtp_protocol(inbox: Inbox, tls_context: ssl.SSLContext | None = None) -> SMTP:
    """One connection's protocol (an asyncio protocol factory result), storing into `inbox`; with `tls_context`
    the server offers STARTTLS (not required)."""
    return SMTP(
        _Handler(inbox),
        data_size_limit=MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        hostname="mock-inbox.localhost",
        ident="nextauth-conformance mock inbox",
        timeout=IDLE_TIMEOUT_SECONDS,
        authenticator=_accept_any,
        auth_require_tls=False,
        tls_context=tls_context,
    )

"""The mock SMTP inbox: a real SMTP delivery lands in memory, readable per recipient over HTTP and Python."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx
import pytest

from mock_providers.server import StartupError
from mock_providers.smtp_inbox import Inbox, extract_links
from mock_providers.testing import RunningMocks, running_mocks

LINK = "http://localhost:3000/api/auth/callback/nodemailer?callbackUrl=%2F&token=abc&email=ada%40example.com"


def send(mocks: RunningMocks, to: str, text: str, html: str | None = None, login: bool = False) -> None:
    parts = urlsplit(mocks.smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "noreply@example.com", to, "Sign in to localhost:3000"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP(parts.hostname or "", parts.port or 0, timeout=10) as smtp:
        if login:
            smtp.login("user", "any password")  # an app configured with SMTP credentials still delivers
        smtp.send_message(message)


def test_a_delivered_link_is_read_back_per_recipient(mocks: RunningMocks, http: httpx.Client) -> None:
    mocks.clear_inbox()
    send(mocks, "Ada@Example.com", f"Sign in\n{LINK}\n", f'<a href="{LINK.replace("&", "&amp;")}">Sign in</a>')
    send(mocks, "other@example.com", "no link here", login=True)
    assert mocks.smtp_url.startswith("smtp://127.0.0.1:")
    assert mocks.links(" ADA@example.com ") == [LINK], "recipients match without case or surrounding space"
    listing = http.get(mocks.inbox_url, params={"to": "ada@example.com"}).json()
    assert listing["count"] == 1 and listing["smtp"] == mocks.smtp_url
    assert listing["messages"][0]["to"] == ["ada@example.com"] and listing["messages"][0]["links"] == [LINK]
    latest = http.get(mocks.inbox_url + "/latest", params={"to": "other@example.com"})
    assert latest.status_code == 200 and latest.json()["links"] == []
    one = http.get(f"{mocks.inbox_url}/messages/{latest.json()['id']}")
    assert one.json()["subject"] == "Sign in to localhost:3000"
    page = http.get(mocks.inbox_url + "/page")
    assert page.status_code == 200 and "token=abc&amp;email" in page.text
    assert http.delete(mocks.inbox_url, params={"to": "ADA@example.com"}).json() == {"deleted": 1}
    assert http.get(mocks.inbox_url + "/latest", params={"to": "ada@example.com"}).status_code == 404
    assert http.get(mocks.inbox_url, params={"to": " "}).status_code == 400
    assert http.get(mocks.inbox_url + "/messages/999999").status_code == 404


def test_the_inbox_is_bounded() -> None:
    inbox = Inbox(max_messages=3)
    for n in range(5):
        inbox.receive("a@example.com", [f"u{n}@example.com"], b"Subject: s\r\n\r\nbody\r\n")
    assert [m.recipients for m in inbox.messages()] == [("u2@example.com",), ("u3@example.com",), ("u4@example.com",)]


def test_links_come_from_text_and_html_with_entities_decoded() -> None:
    assert extract_links("see http://a.test/x?a=1&b=2.", '<a href="http://b.test/?a=1&amp;b=2">') == [
        "http://a.test/x?a=1&b=2",
        "http://b.test/?a=1&b=2",
    ]


def test_starttls_is_offered_on_request_and_verifies_with_the_local_ca(tmp_path) -> None:
    with running_mocks(state_dir=tmp_path, smtp_starttls=True) as tls_mocks:
        parts = urlsplit(tls_mocks.smtp_url)
        assert tls_mocks.ca_path is not None
        context = ssl.create_default_context(cafile=str(tls_mocks.ca_path))
        with smtplib.SMTP(parts.hostname or "", parts.port or 0, timeout=10) as smtp:
            smtp.starttls(context=context)
            smtp.sendmail("app@example.com", ["tls@example.com"], f"Subject: s\r\n\r\n{LINK}\r\n")
        assert tls_mocks.links("tls@example.com") == [LINK]


def test_starttls_without_https_is_one_clear_error() -> None:
    with pytest.raises(StartupError, match="--smtp-starttls needs"), running_mocks(https_port=None, smtp_starttls=True):
        pass

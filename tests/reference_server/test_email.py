"""The reference server's email provider (@auth/core 0.41.3 send-token.ts and the email callback), delivered
through the mock SMTP inbox: one link, one sign-in, stored hashed, refused when used, expired or re-addressed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from reference_server.email_signin import InvalidEmail, normalize_identifier
from reference_server.wiring import Stack, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.reference.url, timeout=10, follow_redirects=False) as http:
        yield http


def request_link(stack: Stack, client: httpx.Client, email: str, **form: str) -> tuple[httpx.Response, str]:
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    response = client.post("/api/auth/signin/email", data={"csrfToken": token, "email": email, **form})
    links = stack.mocks.links(email)
    return response, links[0] if links else ""


def test_a_link_signs_in_once_and_is_stored_hashed(stack: Stack, client: httpx.Client) -> None:
    response, link = request_link(stack, client, "once@example.com", callbackUrl="/after")
    assert response.status_code == 302
    assert response.headers["location"].endswith("/api/auth/verify-request?provider=email&type=email")
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/api/auth/callback/email" and query["email"] == ["once@example.com"]
    token = query["token"][0]
    assert len(token) == 64
    stored = [row for row in stack.reference.store.verification_token_rows() if row["identifier"] == "once@example.com"]
    assert [row["token"] for row in stored] == [hashlib.sha256((token + stack.reference.secret).encode()).hexdigest()]
    signed_in = client.get(link)
    assert signed_in.status_code == 302 and signed_in.headers["location"] == stack.reference.url + "/after"
    assert client.get("/api/auth/session").json()["user"]["email"] == "once@example.com"
    again = httpx.get(link, follow_redirects=False, timeout=10)
    assert again.headers["location"].endswith("/api/auth/error?error=Verification")


def test_expired_and_re_addressed_links_are_refused(stack: Stack, client: httpx.Client) -> None:
    _, link = request_link(stack, client, "aged@example.com")
    stack.reference.store.execute(
        "UPDATE verification_tokens SET expires = ? WHERE identifier = ?",
        "2000-01-01T00:00:00+00:00",
        "aged@example.com",
    )
    assert client.get(link).headers["location"].endswith("error?error=Verification")
    _, link = request_link(stack, client, "mine@example.com")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    other = link.split("?")[0] + "?" + urlencode({**query, "email": "victim@example.com"})
    assert client.get(other).headers["location"].endswith("error?error=Verification")
    assert client.get("/api/auth/session").json() == {}


def test_address_variants_reach_one_account_and_offsite_callbacks_stay_home(stack: Stack, client: httpx.Client) -> None:
    _, link = request_link(stack, client, "  Mixed.Case@Example.COM ", callbackUrl="https://evil.example/")
    assert parse_qs(urlsplit(link).query)["callbackUrl"] == [stack.reference.url]
    assert client.get(link).headers["location"] == stack.reference.url
    first = client.get("/api/auth/session").json()["user"]
    with httpx.Client(base_url=stack.reference.url, timeout=10, follow_redirects=False) as other:
        _, link = request_link(stack, other, "mixed.case@example.com")
        other.get(link)
        assert other.get("/api/auth/session").json()["user"]["id"] == first["id"]
    assert first["email"] == "mixed.case@example.com"


def test_no_csrf_token_no_mail(stack: Stack, client: httpx.Client) -> None:
    response = client.post("/api/auth/signin/email", data={"email": "nocsrf@example.com"})
    assert response.headers["location"].endswith("signin?error=MissingCSRF")
    assert stack.mocks.messages("nocsrf@example.com") == []


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [(" A@B.C ", "a@b.c"), ("a@b.c,evil.test", "a@b.c"), ("ａ＠b.c", "a@b.c")],
)
def test_identifiers_normalise_as_auth_js(typed: str, normalised: str) -> None:
    assert normalize_identifier(typed) == normalised


@pytest.mark.parametrize("bad", ["", "no-at", "a@b@c", '"eve@evil"@b.c', "a@,evil"])
def test_bad_identifiers_are_refused(bad: str) -> None:
    with pytest.raises(InvalidEmail):
        normalize_identifier(bad)

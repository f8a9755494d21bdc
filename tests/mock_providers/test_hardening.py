"""Regression tests for what fuzzing the mocks found: unparsable redirect URIs, control-API bodies of the wrong
type or shape, deeply nested JSON, and unhandled errors that dropped the keep-alive connection."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

from mock_providers.oidc import control_schema
from mock_providers.oidc.control_schema import ControlInputError
from mock_providers.options import VENDOR_ALIASES, VENDORS, MockOptions
from mock_providers.server import MockServers, StartupError
from mock_providers.testing import RunningMocks

from .conftest import VENDOR_TENANTS

#: The vendor's own wording of a redirect URI it cannot accept (google.py, entra.py, keycloak.py ERRORS).
REDIRECT_ERRORS = {"google": "redirect_uri_mismatch", "entra": "AADSTS50011", "keycloak": "invalid_grant"}


@pytest.mark.parametrize("vendor", list(VENDOR_TENANTS))
@pytest.mark.parametrize("redirect_uri", ["http://[::1/cb", "http://[::1]:port/cb", "https://a:99999999/cb"])
def test_unparsable_redirect_uri_is_the_vendors_400(flow, vendor: str, redirect_uri: str) -> None:
    page = flow(vendor).authorize(redirect_uri=redirect_uri)
    assert page.status_code == 400 and REDIRECT_ERRORS[vendor] in page.text


def test_unparsable_post_logout_redirect_uri_is_a_400(http, mocks: RunningMocks) -> None:
    logout = mocks.http_url + "/keycloak/realms/nextauth/protocol/openid-connect/logout"
    response = http.get(logout, params={"post_logout_redirect_uri": "http://[::1/x", "client_id": "nextauth"})
    assert response.status_code == 400


def first_user(mocks: RunningMocks, vendor: str) -> str:
    return str(mocks.users(vendor)[0]["sub"])


# (vendor, method, path after /_mock/{vendor}, body, the field the 400 names)
BAD_BODIES = [
    ("google", "PATCH", "users/{sub}", {"email": 123}, "email"),
    ("google", "PATCH", "users/{sub}", {"email": "no-at-sign"}, "email"),
    ("entra", "PATCH", "users/{sub}", {"name": 12345}, "name"),
    ("entra", "PATCH", "users/{sub}", {"tenant": "not-a-guid"}, "tenant"),
    ("keycloak", "PATCH", "users/{sub}", {"roles": "admin"}, "roles"),
    ("keycloak", "PATCH", "users/{sub}", {"sub": "new"}, "sub"),
    ("google", "PATCH", "users/{sub}", {"email_verified": "yes"}, "email_verified"),
    ("google", "PATCH", "users/{sub}", {"claims": {"iss": "https://evil"}}, "claims.iss"),
    ("google", "POST", "users", {"name": "No Email"}, "email"),
    ("google", "POST", "users", {"email": "a@b.example", "photo": "no"}, "photo"),
    ("google", "POST", "users", {"email": "a@b.example", "aud": "other"}, "aud"),
    ("keycloak", "POST", "auto-login", {"enabled": "false"}, "enabled"),
    ("keycloak", "POST", "auto-login", {"enabled": True, "vendor": "google"}, "vendor"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "status", "status": "abc"}, "status"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "status": 99}, "status"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "status": 1000}, "status"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "params": {"status": 302}}, "params.status"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "error": 'a"b'}, "error"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "delay", "seconds": -1}, "seconds"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "times": 0}, "times"),
    ("google", "POST", "faults", {"endpoint": "token", "kind": "error", "colour": "red"}, "colour"),
    ("google", "POST", "faults", {"endpoint": "nowhere", "kind": "error"}, "endpoint"),
    ("google", "POST", "keys/rotate", {"count": 2}, "count"),
]


def control_state(mocks: RunningMocks, vendor: str) -> tuple[Any, ...]:
    provider = mocks.control.provider(vendor)
    return mocks.users(vendor), provider.faults.pending(), provider.auto_login, [k.kid for k in provider.keys.keys]


@pytest.mark.parametrize(("vendor", "method", "path", "body", "field"), BAD_BODIES)
def test_bad_control_bodies_are_a_400_naming_the_field(
    http, mocks: RunningMocks, vendor: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    before = control_state(mocks, vendor)
    url = f"{mocks.http_url}/_mock/{vendor}/{path.format(sub=first_user(mocks, vendor))}"
    response = http.request(method, url, json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")
    assert control_state(mocks, vendor) == before


def test_refused_bodies_leave_sign_in_working(http, mocks: RunningMocks, flow) -> None:
    """The damage each bad body used to do: Google authorize 500, a broken Entra picker, auto-login on, a
    token call answering 500 or closing the connection."""
    for vendor, method, path, body, _ in BAD_BODIES:
        http.request(method, f"{mocks.http_url}/_mock/{vendor}/{path.format(sub=first_user(mocks, vendor))}", json=body)
    picker = flow("entra").authorize()
    assert picker.status_code == 200 and 'data-testid="account-picker"' in picker.text  # auto-login stayed off
    for vendor in VENDOR_TENANTS:
        f = flow(vendor)
        assert f.token(f.code()["code"]).status_code == 200


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m: m.patch_user("google", first_user(m, "google"), email=123), "email"),
        (lambda m: m.patch_user("entra", first_user(m, "entra"), name=12345), "name"),
        (lambda m: m.add_user("keycloak", email="k@example.com", roles=[1]), "roles.0"),
        (lambda m: m.set_auto_login("false"), "enabled"),
        (lambda m: m.inject_fault("google", "token", "status", status="abc"), "status"),
        (lambda m: m.inject_fault("google", "token", "error", 1, status=1000), "status"),
        (lambda m: m.inject_fault("google", "token", "explode"), "kind"),
    ],
)
def test_python_api_validates_the_same_way(mocks: RunningMocks, call: Any, field: str) -> None:
    with pytest.raises(ControlInputError) as raised:
        call(mocks)
    assert raised.value.field == field and str(raised.value).startswith(f"{field}: ")
    assert isinstance(raised.value, ValueError)  # callers catching ValueError keep working


def test_configured_users_are_validated_at_startup(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="email"):
        MockServers(MockOptions(state_dir=tmp_path, users={"google": [{"email": 5}]}))


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b'{"email": "a@b.example", "claims": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        json.dumps({"email": "a@b.example", "claims": {"deep": json.loads("[" * 40 + "]" * 40)}}).encode(),
        b'{"email": "a@b.example", "name": "\\ud800"}',
    ],
    ids=["100k-brackets", "5000-levels", "40-levels", "lone-surrogate"],
)
def test_deep_or_undecodable_json_is_a_400(http, mocks: RunningMocks, raw: bytes) -> None:
    response = http.post(mocks.http_url + "/_mock/google/users", content=raw)
    assert response.status_code == 400 and response.json()["error"]


def exchange(sock: socket.socket, request: bytes) -> tuple[int, bytes]:
    """Send one HTTP/1.1 request on a kept-alive socket and read exactly its response (Content-Length)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(headers[b"content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        body += chunk
    assert headers.get(b"connection", b"").lower() != b"close"
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize(
    ("path", "patch", "shape"),
    [
        ("/entra/common/discovery/v2.0/keys", ("entra", "jwks"), {"error", "error_description", "error_codes"}),
        ("/google/oauth2/v3/certs", ("google", "jwks"), {"error", "error_description"}),
        ("/_mock/keycloak/users", None, {"error", "error_description"}),
    ],
)
def test_unhandled_errors_answer_json_500_keep_the_connection_and_log_once(
    mocks: RunningMocks, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, path, patch, shape
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the mock")

    if patch:
        monkeypatch.setattr(mocks.control.provider(patch[0]), patch[1], explode)
    else:
        monkeypatch.setattr(mocks.control, "users", explode)
    host = urlsplit(mocks.http_url)
    request = f"GET {path} HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode()
    with caplog.at_level(logging.ERROR), socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        for _ in range(2):
            status, body = exchange(sock, request)
            assert status == 500 and shape <= set(json.loads(body))
        monkeypatch.undo()
        status, _ = exchange(sock, f"GET /_mock/health HTTP/1.1\r\nHost: {host.netloc}\r\n\r\n".encode())
        assert status == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["mock_providers", "mock_providers"]  # once per request, not by uvicorn


def test_control_routes_and_openapi_document_agree(http, mocks: RunningMocks) -> None:
    doc = control_schema.document()
    validate_openapi(doc)
    served = http.get(mocks.http_url + "/_mock/openapi.json")
    assert served.status_code == 200 and served.json() == json.loads(json.dumps(doc))
    from mock_providers.oidc.control import control_routes

    routes = {
        (control_schema.MOUNT + (r.path if r.path != "/" else ""), m.lower())
        for r in control_routes(mocks.control, lambda r: {})
        for m in r.methods or ()
        if m != "HEAD"
    }
    # The HTTPS listener's PEM files are served beside the control mount (mock_providers/app.py), not by it.
    for name in ("ca", "server"):
        path = f"{control_schema.MOUNT}/{name}.pem"
        answer = http.get(mocks.http_url + path)
        assert answer.status_code == 200 or answer.json().get("error") == "no HTTPS listener", (path, answer.text)
        routes.add((path, "get"))
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops if m != "parameters"}
    assert routes == documented
    assert doc["components"]["schemas"]["Vendor"]["enum"] == [*VENDORS, *VENDOR_ALIASES]


def test_fault_schema_comes_from_the_registry() -> None:
    from mock_providers.oidc import faults

    fault = control_schema.document()["components"]["schemas"]["Fault"]
    assert fault["properties"]["kind"]["enum"] == list(faults.KINDS)
    assert fault["properties"]["endpoint"]["enum"] == list(faults.ENDPOINTS)
    assert [rule["if"]["properties"]["kind"]["const"] for rule in fault["allOf"]] == list(faults.KINDS)
    raw = yaml.safe_load(control_schema.DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert "enum" not in raw["components"]["schemas"]["Fault"]["properties"]["kind"]  # only the registry lists them


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"endpoint": "userinfo", "kind": "wrong_issuer"}, "endpoint: wrong_issuer applies to the token endpoint only"),
        ({"endpoint": "token", "kind": "malformed_json", "status": 200}, "status: unknown field"),
        ({"endpoint": "token", "kind": "delay", "seconds": 61}, "seconds: 61 is greater than the maximum"),
    ],
)
def test_fault_parameters_are_checked_per_kind(http, mocks: RunningMocks, body: dict[str, Any], message: str) -> None:
    response = http.post(mocks.http_url + "/_mock/google/faults", json=body)
    assert response.status_code == 400 and response.json()["error"].startswith(message)


def test_valid_fault_params_still_work(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    code = f.code()["code"]
    mocks.inject_fault("google", "token", "error", error="invalid_grant", error_description="Bad Request", status=400)
    response = f.token(code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"

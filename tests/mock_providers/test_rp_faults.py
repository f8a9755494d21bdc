"""The relying-party faults (harness/checks/rp.py injects them): each changes exactly what its name says."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from mock_providers.testing import RunningMocks

from .conftest import Flow


def _faulty_id_token(
    flow: Flow, mocks: RunningMocks, kind: str, **params: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of the ID token issued with `kind` injected; the claims unverified."""
    mocks.inject_fault(flow.vendor, "token", kind, **params)
    id_token = flow.token(flow.code(nonce="sent-nonce")["code"]).json()["id_token"]
    return jwt.get_unverified_header(id_token), jwt.decode(id_token, options={"verify_signature": False})


def _published_kids(flow: Flow) -> set[str]:
    return {key["kid"] for key in flow.http.get(flow.discovery["jwks_uri"]).json()["keys"]}


def test_alg_none_is_unsigned(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    mocks.inject_fault("google", "token", "alg_none")
    id_token = f.token(f.code()["code"]).json()["id_token"]
    assert id_token.endswith(".") and jwt.get_unverified_header(id_token)["alg"] == "none"
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(id_token, "any key", algorithms=["RS256"])


@pytest.mark.parametrize("kind", ["unknown_key", "kid_absent"])
def test_unpublished_signing_key(flow, mocks: RunningMocks, kind: str) -> None:
    f = flow("google")
    header, _ = _faulty_id_token(f, mocks, kind)
    if kind == "kid_absent":
        assert "kid" not in header
    else:
        assert header["kid"] not in _published_kids(f)
    mocks.inject_fault("google", "token", kind)
    id_token = f.token(f.code()["code"]).json()["id_token"]
    for key in jwt.PyJWKSet.from_dict(f.http.get(f.discovery["jwks_uri"]).json()).keys:
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(id_token, key.key, algorithms=["RS256"], options={"verify_aud": False})


def test_untrusted_azp(flow, mocks: RunningMocks) -> None:
    f = flow("keycloak")
    _, claims = _faulty_id_token(f, mocks, "untrusted_azp")
    assert claims["aud"] == [mocks.client_id("keycloak"), "untrusted-relying-party"]
    assert claims["azp"] == "untrusted-relying-party"


def test_iat_in_the_future(flow, mocks: RunningMocks) -> None:
    _, claims = _faulty_id_token(flow("keycloak"), mocks, "iat_future", seconds=7200)
    assert claims["iat"] > time.time() + 3600 and claims["exp"] > claims["iat"]


@pytest.mark.parametrize(
    ("kind", "claim"), [("missing_iat", "iat"), ("missing_sub", "sub"), ("missing_nonce", "nonce")]
)
def test_missing_claims(flow, mocks: RunningMocks, kind: str, claim: str) -> None:
    f = flow("keycloak")
    _, clean = _faulty_id_token(f, mocks, "wrong_audience", audience=mocks.client_id("keycloak"))
    _, claims = _faulty_id_token(f, mocks, kind)
    assert claim in clean and claim not in claims


def test_userinfo_wrong_sub(flow, mocks: RunningMocks) -> None:
    f = flow("google")
    access = f.token(f.code()["code"]).json()["access_token"]
    userinfo = f.discovery["userinfo_endpoint"]
    honest = f.http.get(userinfo, headers={"Authorization": f"Bearer {access}"}).json()["sub"]
    mocks.inject_fault("google", "userinfo", "wrong_sub", sub="impostor")
    assert f.http.get(userinfo, headers={"Authorization": f"Bearer {access}"}).json()["sub"] == "impostor" != honest


def test_discovery_wrong_issuer(flow, mocks: RunningMocks) -> None:
    f = flow("entra")
    real = f.discovery["issuer"]
    mocks.inject_fault("entra", "discovery", "wrong_discovery_issuer", issuer="https://impostor.invalid")
    assert f.discovery["issuer"] == "https://impostor.invalid"
    assert f.discovery["issuer"] == real


@pytest.mark.parametrize(("kind", "endpoint"), [("missing_sub", "authorize"), ("wrong_sub", "token")])
def test_a_kind_at_another_endpoint_is_refused(http, mocks: RunningMocks, kind: str, endpoint: str) -> None:
    refused = http.post(mocks.http_url + "/_mock/google/faults", json={"endpoint": endpoint, "kind": kind})
    assert refused.status_code == 400 and "endpoint only" in refused.json()["error"]


def test_a_parameter_of_the_wrong_type_is_refused(http, mocks: RunningMocks) -> None:
    body = {"endpoint": "token", "kind": "iat_future", "seconds": "tomorrow"}
    refused = http.post(mocks.http_url + "/_mock/google/faults", json=body)
    assert refused.status_code == 400 and "seconds" in refused.json()["error"]

"""Faults scoped to one authorization request: several sign-ins share one mock, each sees only its own fault."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from mock_providers.testing import RunningMocks
from tests.mock_providers.conftest import TIMEOUT, VENDOR_TENANTS, Flow, callback_params

VENDOR = "keycloak"


def _pending(http: httpx.Client, mocks: RunningMocks) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = http.get(f"{mocks.http_url}/_mock/{VENDOR}/faults").json()
    return answer


def _fault(http: httpx.Client, mocks: RunningMocks, **body: Any) -> None:
    response = http.post(f"{mocks.http_url}/_mock/{VENDOR}/faults", json=body)
    assert response.status_code == 201, response.text


def test_two_faulted_sign_ins_and_a_clean_one_run_together_and_each_sees_only_its_own(
    mocks: RunningMocks, http: httpx.Client
) -> None:
    _fault(http, mocks, endpoint="token", kind="wrong_nonce", scope={"state": "flow-a"})
    _fault(http, mocks, endpoint="authorize", kind="access_denied", scope={"login_hint": "b@example.com"})
    start = threading.Barrier(3, timeout=TIMEOUT)

    def sign_in(params: dict[str, str]) -> dict[str, Any]:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as own:
            flow = Flow(mocks, own, VENDOR, VENDOR_TENANTS[VENDOR])
            start.wait()
            answer = flow.authorize(**params)
            if answer.status_code == 200:
                answer = flow.pick(answer)
            callback = callback_params(answer)
            if "code" not in callback:
                return callback
            return flow.verify_id_token(flow.token(callback["code"]).json()["id_token"])

    flows = [
        {"state": "flow-a", "nonce": "nonce-a"},
        {"state": "flow-b", "nonce": "nonce-b", "login_hint": "b@example.com"},
        {"state": "flow-c", "nonce": "nonce-c"},
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        a, b, c = pool.map(sign_in, flows)
    assert a["nonce"] != "nonce-a", "flow a's scoped wrong_nonce fault did not reach its ID token"
    assert (b.get("error"), b.get("state"), "code" in b) == ("access_denied", "flow-b", False), b
    assert c["nonce"] == "nonce-c", "the clean flow got another flow's fault"
    assert _pending(http, mocks) == [], "each scoped fault is used once"


def test_a_scoped_fault_waits_for_its_own_flow_and_a_global_one_takes_the_next_call(
    mocks: RunningMocks, http: httpx.Client
) -> None:
    _fault(http, mocks, endpoint="token", kind="wrong_nonce", scope={"nonce": "later"})
    flow = Flow(mocks, http, VENDOR, VENDOR_TENANTS[VENDOR])
    clean = flow.verify_id_token(flow.token(flow.code(nonce="other")["code"]).json()["id_token"])
    assert clean["nonce"] == "other"
    left = _pending(http, mocks)
    assert [f["scope"] for f in left] == [{"nonce": "later"}]
    faulted = flow.verify_id_token(flow.token(flow.code(nonce="later")["code"]).json()["id_token"])
    assert faulted["nonce"] != "later"
    _fault(http, mocks, endpoint="token", kind="wrong_nonce")
    assert "scope" not in _pending(http, mocks)[0]
    anyone = flow.verify_id_token(flow.token(flow.code(nonce="any")["code"]).json()["id_token"])
    assert anyone["nonce"] != "any", "a fault without a scope is global"


def test_a_scope_with_an_unknown_key_is_refused(mocks: RunningMocks, http: httpx.Client) -> None:
    body = {"endpoint": "token", "kind": "wrong_nonce", "scope": {"session": "x"}}
    response = http.post(f"{mocks.http_url}/_mock/{VENDOR}/faults", json=body)
    assert response.status_code == 400 and "scope" in response.text, response.text


def test_clearing_a_scope_leaves_the_other_faults(mocks: RunningMocks, http: httpx.Client) -> None:
    _fault(http, mocks, endpoint="token", kind="wrong_nonce", scope={"state": "mine"})
    _fault(http, mocks, endpoint="token", kind="wrong_nonce", scope={"state": "theirs"})
    _fault(http, mocks, endpoint="token", kind="wrong_issuer")
    cleared = http.delete(f"{mocks.http_url}/_mock/{VENDOR}/faults", params={"state": "mine"})
    assert cleared.status_code == 200, cleared.text
    assert [f.get("scope") for f in _pending(http, mocks)] == [{"state": "theirs"}, None]

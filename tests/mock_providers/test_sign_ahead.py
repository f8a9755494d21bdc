"""Sign ahead (mock_providers/oidc/sign_ahead.py): a code's tokens are minted once its 302 is out; the token
endpoint uses them only when nothing they depend on moved, and they live no longer than their code."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from mock_providers.oidc import sign_ahead
from mock_providers.oidc.codes import AuthorizationRequest, CodeStore
from mock_providers.oidc.keys import KeyRing
from mock_providers.oidc.provider import Provider
from mock_providers.oidc.sign_ahead import Minted, Prepared, SignAhead
from mock_providers.oidc.site import Site
from mock_providers.oidc.users import User
from mock_providers.testing import RunningMocks
from tests.mock_providers.conftest import TIMEOUT, Flow

VENDOR = "keycloak"
LOOPS_BY_NAME: list[tuple[str, Callable[[], asyncio.AbstractEventLoop]]] = [("asyncio", asyncio.new_event_loop)]
with contextlib.suppress(ImportError):
    import uvloop

    LOOPS_BY_NAME.append(("uvloop", uvloop.new_event_loop))
LOOPS = [factory for _, factory in LOOPS_BY_NAME]


def _provider(mocks: RunningMocks) -> Provider:
    return mocks.control.provider(VENDOR)


def _code_minted_ahead(mocks: RunningMocks, flow: Flow, **params: str) -> str:
    """A code whose tokens were minted ahead (waits for the mock's loop to have minted them)."""
    code = flow.code(**params)["code"]
    future = _provider(mocks).sign_ahead.pending(code)
    assert future is not None, "no tokens were scheduled for a clean flow's code"
    assert future.result(timeout=TIMEOUT) is not None, "minting ahead gave nothing"
    return code


def _count_signatures(monkeypatch: pytest.MonkeyPatch, provider: Provider) -> list[dict[str, Any]]:
    """Every RS256 signature the provider makes from now on (its claims)."""
    signed: list[dict[str, Any]] = []
    original = provider.keys.sign

    def counting(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        signed.append(dict(claims))
        return original(claims, headers)

    monkeypatch.setattr(provider.keys, "sign", counting)
    return signed


def _tokens(flow: Flow, code: str, verifier: str | None = None) -> dict[str, Any]:
    response = flow.token(code, **({"code_verifier": verifier} if verifier else {}))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_token_endpoint_signs_nothing_when_the_tokens_were_minted_ahead(
    mocks: RunningMocks, flow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kc: Flow = flow(VENDOR)
    before = int(time.time())
    code = _code_minted_ahead(mocks, kc, nonce="n-ahead", state="s-ahead")
    signed = _count_signatures(monkeypatch, _provider(mocks))
    body = _tokens(kc, code)
    after = int(time.time())
    assert signed == [], "the token endpoint signed again although the tokens were ready"
    claims = kc.verify_id_token(body["id_token"])
    assert claims["nonce"] == "n-ahead"
    assert before <= claims["iat"] <= after and claims["exp"] == claims["iat"] + 300
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["sid"] == claims["sid"]
    assert set(body) >= {"access_token", "id_token", "refresh_token", "expires_in", "session_state"}
    assert _provider(mocks).sign_ahead.pending(code) is None, "a redeemed code keeps its prepared tokens"
    assert kc.token(code).status_code == 400, "a code minted ahead is still single use"


def test_a_fault_queued_before_the_code_means_nothing_is_minted_ahead(mocks: RunningMocks, flow: Any) -> None:
    kc: Flow = flow(VENDOR)
    mocks.control.add_fault(VENDOR, {"endpoint": "token", "kind": "wrong_nonce", "scope": {"state": "faulted"}})
    code = kc.code(state="faulted", nonce="mine")["code"]
    assert _provider(mocks).sign_ahead.pending(code) is None
    assert kc.verify_id_token(_tokens(kc, code)["id_token"])["nonce"] != "mine"


def test_a_fault_queued_after_the_code_gets_freshly_signed_tokens_with_the_fault(
    mocks: RunningMocks, flow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kc: Flow = flow(VENDOR)
    code = _code_minted_ahead(mocks, kc, nonce="mine")
    mocks.inject_fault(VENDOR, "token", "wrong_nonce")  # global: the next token request takes it
    signed = _count_signatures(monkeypatch, _provider(mocks))
    claims = kc.verify_id_token(_tokens(kc, code)["id_token"])
    assert claims["nonce"] != "mine", "the prepared tokens were served although a fault applied"
    assert len(signed) == 2, "keycloak signs its access token and ID token at the token request"


def test_a_user_changed_after_the_code_gets_tokens_with_the_change(mocks: RunningMocks, flow: Any) -> None:
    kc: Flow = flow(VENDOR)
    code = _code_minted_ahead(mocks, kc)
    first = mocks.users(VENDOR)[0]
    mocks.patch_user(VENDOR, first["email"], name="Renamed After Code")
    assert kc.verify_id_token(_tokens(kc, code)["id_token"])["name"] == "Renamed After Code"


def test_rotated_keys_after_the_code_sign_with_the_new_key(mocks: RunningMocks, flow: Any) -> None:
    kc: Flow = flow(VENDOR)
    code = _code_minted_ahead(mocks, kc)
    kid = mocks.rotate_keys(VENDOR)["kid"]
    assert jwt.get_unverified_header(_tokens(kc, code)["id_token"])["kid"] == kid


def test_the_token_request_checks_come_first(mocks: RunningMocks, flow: Any) -> None:
    """PKCE, redirect_uri and client errors are answered as before; a failed request spends the code."""
    kc: Flow = flow(VENDOR)
    verifier, challenge = "v" * 43, "not-the-challenge-of-that-verifier"
    code = _code_minted_ahead(mocks, kc, code_challenge=challenge, code_challenge_method="S256")
    refused = kc.token(code, code_verifier=verifier)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert kc.token(code, code_verifier=verifier).json()["error_description"] == "Code not valid"


# ---- the store: bounded, and no older than the codes ---------------------------------------------------


@functools.cache
def _keys() -> KeyRing:
    return KeyRing()


def _prepared(user: User) -> Prepared:
    return Prepared(Minted("a", "i", None), Site("http", "127.0.0.1:1"), 100, _keys().active, repr(user))


async def _schedule_codes(
    store: SignAhead, codes: CodeStore, count: int, work: Callable[[], Prepared | None]
) -> list[str]:
    user = User(sub="1", email="a@example.com", name="A")
    issued = []
    for _ in range(count):
        code = codes.issue(AuthorizationRequest("client", "http://app/cb", "openid"), user)
        store.schedule(code, work)
        issued.append(code.value)
    await asyncio.sleep(0)  # the loop mints what was scheduled
    return issued


def test_an_unredeemed_codes_tokens_are_dropped_when_the_code_expires() -> None:
    codes = CodeStore(ttl_seconds=60)
    store = SignAhead(codes)
    user = User(sub="1", email="a@example.com", name="A")
    old, fresh = asyncio.run(_schedule_codes(store, codes, 2, lambda: _prepared(user)))
    old_future = store.pending(old)
    assert old_future is not None and old_future.result() is not None
    codes.peek(old).issued_at -= 61  # type: ignore[union-attr]
    asyncio.run(_schedule_codes(store, codes, 1, lambda: _prepared(user)))
    assert store.pending(old) is None, "an expired code's prepared tokens were kept"
    assert store.pending(fresh) is not None
    assert len(store) == 2


def test_spent_codes_and_surplus_are_dropped_and_a_reset_clears_all() -> None:
    codes = CodeStore(ttl_seconds=60)
    store = SignAhead(codes)
    user = User(sub="1", email="a@example.com", name="A")
    first, second, *_ = asyncio.run(_schedule_codes(store, codes, sign_ahead.MAX_PREPARED, lambda: _prepared(user)))
    asyncio.run(_schedule_codes(store, codes, 1, lambda: _prepared(user)))
    assert len(store) == sign_ahead.MAX_PREPARED and store.pending(first) is None, "the store grew past its bound"
    codes.redeem(second, "client", "")  # spent by a token request that failed later (say, a PKCE mismatch)
    asyncio.run(_schedule_codes(store, codes, 1, lambda: _prepared(user)))
    assert store.pending(second) is None, "a spent code's prepared tokens were kept"
    store.clear()
    assert len(store) == 0


def test_a_minting_not_yet_run_is_never_waited_for() -> None:
    codes = CodeStore()
    store = SignAhead(codes)
    user = User(sub="1", email="a@example.com", name="A")

    async def take_before_the_loop_turns() -> Prepared | None:
        code = codes.issue(AuthorizationRequest("client", "http://app/cb", "openid"), user)
        store.schedule(code, lambda: _prepared(user))
        future = store.take(code.value)
        assert future is not None
        return sign_ahead.outcome(future)

    assert asyncio.run(take_before_the_loop_turns()) is None


@pytest.mark.parametrize("loop_factory", LOOPS, ids=[name for name, _ in LOOPS_BY_NAME])
def test_the_minting_runs_after_the_response_leaves(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
    """one_write.py sends a response at the end of the loop turn after its first write; minting in that same turn
    would hold the 302 back by the signatures' time (asyncio's loop, and uvloop's, which the mocks run on)."""
    codes = CodeStore()
    store = SignAhead(codes)
    user = User(sub="1", email="a@example.com", name="A")
    order: list[str] = []

    def mint() -> Prepared | None:
        order.append("minted")
        return _prepared(user)

    async def issue_and_respond() -> None:
        loop = asyncio.get_running_loop()
        store.schedule(codes.issue(AuthorizationRequest("client", "http://app/cb", "openid"), user), mint)
        loop.call_soon(order.append, "302 sent")  # what the response's first write schedules
        for _ in range(3):
            await asyncio.sleep(0)

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(issue_and_respond())
    assert order == ["302 sent", "minted"]


@pytest.mark.parametrize(
    "change",
    ["site", "second", "key", "user"],
)
def test_prepared_tokens_are_usable_only_when_nothing_they_depend_on_moved(change: str) -> None:
    user = User(sub="1", email="a@example.com", name="A", claims={"team": ["x"]})
    prepared = _prepared(user)
    site, second, key = prepared.site, prepared.second, prepared.key
    assert prepared.usable(site, second, key, user)
    if change == "site":
        site = dataclasses.replace(site, authority="localhost:1")
    elif change == "second":
        second += 1
    elif change == "key":
        key = dataclasses.replace(key)  # another key object: the ring rotated
    else:
        user.claims["team"].append("y")  # a nested change, as a direct edit of the user makes it
    assert not prepared.usable(site, second, key, user)

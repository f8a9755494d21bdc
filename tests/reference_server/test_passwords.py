"""Password hashes: AlgaPSA's PBKDF2-SHA512 cost, older rows still verify, malformed rows never match, and an
unknown e-mail costs the same check as a real account."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import httpx
import pytest

from reference_server.store import passwords
from reference_server.store.passwords import PBKDF2_ROUNDS, hash_password, password_matches, spend_decoy_check
from reference_server.testing import running_reference_server
from tests.reference_server.helpers import sign_in


def test_a_new_hash_is_pbkdf2_sha512_with_algapsas_cost() -> None:
    stored = hash_password("demo-password", "0123456789ab")
    scheme, rounds, salt, digest = stored.split("$")
    assert (scheme, int(rounds), salt) == ("pbkdf2_sha512", PBKDF2_ROUNDS, "0123456789ab")
    assert PBKDF2_ROUNDS == 10_000  # packages/core/src/lib/encryption.ts: ITERATIONS || 10000
    assert digest == hashlib.pbkdf2_hmac("sha512", b"demo-password", b"0123456789ab", 10_000, 64).hex()
    assert password_matches("demo-password", stored) and not password_matches("demo-passwore", stored)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_digest_is_the_one_node_crypto_derives() -> None:
    """The same inputs give Node's `crypto.pbkdf2Sync` digest: AlgaPSA's call (which prefixes the salt with its
    NEXTAUTH_SECRET; the reference server does not pepper)."""
    derive = "require('crypto').pbkdf2Sync('demo-password', '0123456789ab', 10000, 64, 'sha512')"
    script = f"process.stdout.write({derive}.toString('hex'))"
    node = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout
    assert hash_password("demo-password", "0123456789ab").endswith("$" + node)


def test_rows_of_earlier_versions_still_verify() -> None:
    digest = hashlib.pbkdf2_hmac("sha256", b"demo-password", b"oldsalt", 60_000).hex()
    assert password_matches("demo-password", f"pbkdf2_sha256$60000$oldsalt${digest}")
    assert not password_matches("other", f"pbkdf2_sha256$60000$oldsalt${digest}")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "md5$1$s$00",
        "pbkdf2_sha512$x$s$00",
        "pbkdf2_sha512$0$s$00",
        "pbkdf2_sha512$99999999999$s$00",
        "pbkdf2_sha512$10$s$zz",
        "pbkdf2_sha512$10$s$",
        "a$b$c",
    ],
)
def test_a_malformed_row_never_matches(stored: str) -> None:
    assert not password_matches("", stored) and not password_matches("demo-password", stored)


def test_the_decoy_check_does_the_same_work_and_never_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds: list[int] = []
    real = passwords._derive

    def counting(scheme: str, password: str, salt: str, n: int, length: int) -> bytes:
        rounds.append(n)
        return real(scheme, password, salt, n, length)

    monkeypatch.setattr(passwords, "_derive", counting)
    assert spend_decoy_check("anything") is False and spend_decoy_check("") is False
    assert rounds == [PBKDF2_ROUNDS, PBKDF2_ROUNDS]


def test_an_unknown_email_is_refused_after_the_same_password_check() -> None:
    checked: list[object] = []
    with running_reference_server() as server:
        check = server.store.check_password

        def recording_check(user, password):  # type: ignore[no-untyped-def]
            checked.append(user)
            return check(user, password)

        server.store.check_password = recording_check  # type: ignore[method-assign]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            refused = sign_in(client, "nobody@example.com", server.demo_password)
            assert refused.status_code == 302 and "error=CredentialsSignin" in refused.headers["location"]
            assert client.get("/api/auth/session").json() == {}
    assert checked == [None]

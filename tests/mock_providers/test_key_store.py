"""Signing keys made once per key directory: a later start reuses them, a rotation still gets a new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_providers.oidc import key_store
from mock_providers.oidc.key_store import KEY_SIZE, KeyStore
from mock_providers.oidc.keys import KeyRing


def _n(key: rsa.RSAPrivateKey) -> int:
    return key.public_key().public_numbers().n


def test_a_later_start_reuses_the_keys_in_order(tmp_path: Path) -> None:
    first, second = KeyStore(), KeyStore()
    first.use(tmp_path)
    second.use(tmp_path)
    made = [first.take() for _ in range(3)]
    reused = [second.take() for _ in range(3)]
    assert [_n(k) for k in made] == [_n(k) for k in reused]
    assert len({_n(k) for k in made}) == 3
    assert all(k.key_size == KEY_SIZE for k in reused)
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["rsa-0.pem", "rsa-1.pem", "rsa-2.pem"]
    assert (tmp_path / "keys" / "rsa-0.pem").stat().st_mode & 0o077 == 0


def test_a_damaged_key_file_is_made_again(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "rsa-0.pem").write_text("not a key")
    store = KeyStore()
    store.use(tmp_path)
    key = store.take()
    assert key.key_size == KEY_SIZE
    again = KeyStore()
    again.use(tmp_path)
    assert _n(again.take()) == _n(key)


def test_rotation_publishes_a_key_never_used_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyStore()
    store.use(tmp_path)
    monkeypatch.setattr(key_store, "STORE", store)
    ring = KeyRing(initial_count=2)
    old = {_n(k.private_key) for k in ring.keys}
    rotated = ring.rotate()
    assert _n(rotated.private_key) not in old
    assert ring.active is rotated and len(ring.keys) == 3

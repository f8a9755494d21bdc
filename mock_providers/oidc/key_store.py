"""RSA-2048 signing keys made once per state directory and reused by every later start.

Generating an RSA key costs tens of milliseconds of CPU (more on a loaded machine), and every mock start needs
several (two per vendor, one per rotation, one per foreign-key fault). A process takes keys in order: the n-th
key it asks for is ``keys/rsa-<n>.pem`` under the state directory, made and renamed into place the first time
(a file of this process's own name first, so a concurrent start never reads half a key; two starts that make
the same index at once each keep their own). Within a process every key is taken once, so a rotation still
publishes a key never seen before in that process, and a "foreign" key is never one a provider publishes.
Without a usable state directory keys are generated as before.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 2048


def generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


class KeyStore:
    """Hands out this process's n-th key for n = 0, 1, 2, ... from ``<state dir>/keys``."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._next = 0
        self._lock = threading.Lock()

    def use(self, state_dir: Path | None) -> None:
        """Keys come from (and are saved to) `state_dir/keys` from now on; None: generate every key."""
        with self._lock:
            self._dir = state_dir / "keys" if state_dir is not None else None

    def take(self) -> rsa.RSAPrivateKey:
        with self._lock:
            index, folder = self._next, self._dir
            self._next += 1
        if folder is None:
            return generate()
        path = folder / f"rsa-{index}.pem"
        return _read(path) or _made(path)


def _read(path: Path) -> rsa.RSAPrivateKey | None:
    try:
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, None, unsafe_skip_rsa_key_validation=True)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, rsa.RSAPrivateKey) and key.key_size == KEY_SIZE else None


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (how the store and the mocks' TLS files keep keys)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_beside(path: Path, data: bytes, private: bool = False) -> Path:
    """Write ``data`` beside ``path`` under a name of this process and thread, synced; the caller renames it into
    place, so a concurrent reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _made(path: Path) -> rsa.RSAPrivateKey:
    key = generate()
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = write_beside(path, private_pem(key), private=True)
        tmp.replace(path)
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)  # a read-only cache: the key still serves this process
    return key


STORE = KeyStore()
"""The process's key source: `MockServers` points it at its state directory."""

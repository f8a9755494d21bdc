"""Password hashes at AlgaPSA's cost: PBKDF2-HMAC-SHA512, 10,000 iterations, a 64-byte key, a 12-byte hex salt.

Source: Nine-Minds/alga-psa `packages/core/src/lib/encryption.ts` (`ITERATIONS` default 10000, `ALGORITHM`
default sha512, `KEY_LENGTH` default 64, `SALT_BYTES` 12). AlgaPSA also prefixes the salt with NEXTAUTH_SECRET;
the reference server does not, so a secret rotation does not lock its demo accounts out. The stored form names
its scheme and cost (`pbkdf2_sha512$10000$<salt>$<hex>`) so a different cost, or the older
`pbkdf2_sha256$60000$...` rows of databases made by earlier versions, still verify.

The derivation runs in `cryptography` (OpenSSL), which releases the GIL: sign-ins hashed in a thread pool use
every core. An unknown e-mail is checked against a decoy hash of the same cost, so the answer time does not tell
which accounts exist.
"""

from __future__ import annotations

import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

__all__ = ["PBKDF2_ROUNDS", "hash_password", "password_matches", "spend_decoy_check"]

PBKDF2_ROUNDS = 10_000
_KEY_LENGTH = 64
_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {"pbkdf2_sha512": hashes.SHA512, "pbkdf2_sha256": hashes.SHA256}
_MAX_ROUNDS = 10_000_000  # a stored row cannot make one check run for minutes


def _derive(scheme: str, password: str, salt: str, rounds: int, length: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=_ALGORITHMS[scheme](), length=length, salt=salt.encode(), iterations=rounds)
    return kdf.derive(password.encode())


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(12)  # AlgaPSA: SALT_BYTES 12, hex
    digest = _derive("pbkdf2_sha512", password, salt, PBKDF2_ROUNDS, _KEY_LENGTH).hex()
    return f"pbkdf2_sha512${PBKDF2_ROUNDS}${salt}${digest}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, rounds_text, salt, digest = stored.split("$")
        rounds = int(rounds_text)
        expected = bytes.fromhex(digest)
    except ValueError:
        return False
    if scheme not in _ALGORITHMS or not 0 < rounds <= _MAX_ROUNDS or not expected:
        return False
    return hmac.compare_digest(_derive(scheme, password, salt, rounds, len(expected)), expected)


_DECOY = f"pbkdf2_sha512${PBKDF2_ROUNDS}${'0' * 24}${'0' * (2 * _KEY_LENGTH)}"


def spend_decoy_check(password: str) -> bool:
    """As long as checking a real account's password, and always False."""
    password_matches(password, _DECOY)
    return False

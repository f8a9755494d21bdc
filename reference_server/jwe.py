"""Auth.js v5 JWT encoding: a JWE with `dir` + `A256CBC-HS512`, byte-compatible with @auth/core `jwt.ts`.

The content key is HKDF-SHA256(secret, salt, "Auth.js Generated Encryption Key (<salt>)", 64 bytes), the salt
is the cookie name, and the header carries `kid` = the RFC 7638 thumbprint (SHA-512) of that key, which is how
Auth.js picks the right secret during rotation. Decoding also accepts `A256GCM` (32-byte key), as Auth.js does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reference_server import jwe_dir

__all__ = ["CLOCK_TOLERANCE", "InvalidToken", "decode", "derive_key", "encode"]

CLOCK_TOLERANCE = 15
_KEY_LENGTHS = {"A256CBC-HS512": 64, "A256GCM": 32}


class InvalidToken(ValueError):
    """The token is not a JWE this secret and salt produced, or it has expired."""


def derive_key(secret: str, salt: str, enc: str = "A256CBC-HS512") -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_LENGTHS[enc],
        salt=salt.encode(),
        info=f"Auth.js Generated Encryption Key ({salt})".encode(),
    )
    return hkdf.derive(secret.encode())


def _thumbprint(key: bytes) -> str:
    k = base64.urlsafe_b64encode(key).rstrip(b"=").decode()
    canonical = json.dumps({"k": k, "kty": "oct"}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.new(f"sha{len(key) * 8}", canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@functools.lru_cache(maxsize=64)
def _content_key(secret: str, salt: str, enc: str) -> tuple[bytes, str]:
    """The key and its `kid`, derived once per (secret, cookie name, enc).

    HKDF and the thumbprint cost more than the decryption itself, and a deployment has only a few secrets and
    cookie names (`enc` is checked against the two supported values before it gets here).
    """
    key = derive_key(secret, salt, enc)
    return key, _thumbprint(key)


def encode(token: Mapping[str, Any], secret: str | Iterable[str], salt: str, max_age: int) -> str:
    """Encrypt `token` plus iat, exp and jti, as `encode()` in @auth/core does."""
    first = secret if isinstance(secret, str) else next(iter(secret))
    key, kid = _content_key(first, salt, "A256CBC-HS512")
    now = int(time.time())
    claims = {**token, "iat": now, "exp": now + max_age, "jti": str(uuid.uuid4())}
    header = json.dumps({"alg": "dir", "enc": "A256CBC-HS512", "kid": kid}, separators=(",", ":"))
    return jwe_dir.encrypt(jwe_dir.b64url(header.encode()), json.dumps(claims, separators=(",", ":")).encode(), key)


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError, RecursionError) as error:  # RecursionError: JSON nested thousands deep
        raise InvalidToken("not a compact JWE") from error
    if not isinstance(header, dict) or header.get("alg") != "dir" or not isinstance(header.get("enc"), str):
        raise InvalidToken("unsupported JWE header")
    if header["enc"] not in _KEY_LENGTHS:
        raise InvalidToken("unsupported JWE header")
    return header


def decode(token: str, secret: str | Iterable[str], salt: str, now: float | None = None) -> dict[str, Any]:
    """Decrypt and check expiry with Auth.js's 15 s tolerance; raise InvalidToken on any problem."""
    if not token or token.count(".") != 4:
        raise InvalidToken("not a compact JWE")
    header = _header(token)
    secrets = [secret] if isinstance(secret, str) else list(secret)
    for candidate in secrets:
        key, kid = _content_key(candidate, salt, header["enc"])
        if "kid" in header and header["kid"] != kid:
            continue
        try:
            plaintext = jwe_dir.decrypt(token, key, header["enc"])
            claims = json.loads(plaintext or b"null")
        except (ValueError, RecursionError) as error:  # RecursionError: JSON nested thousands deep
            raise InvalidToken("decryption failed") from error
        return _checked(claims, now)
    raise InvalidToken("no matching decryption secret")


def _checked(claims: Any, now: float | None) -> dict[str, Any]:
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not a JSON object")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp + CLOCK_TOLERANCE < (now or time.time())):
        raise InvalidToken("token expired")
    return claims

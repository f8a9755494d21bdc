"""Mint session cookies the way the libraries do, so `--secret` can check the session shape without a login.

v5 (@auth/core jwt.ts): dir + A256CBC-HS512, key = HKDF-SHA256(secret, salt=cookie name,
info="Auth.js Generated Encryption Key (<salt>)", 64 bytes), header kid = JWK thumbprint (SHA-512).
v4 (next-auth jwt/index.ts): dir + A256GCM, key = HKDF-SHA256(secret, salt="",
info="NextAuth.js Generated Encryption Key", 32 bytes).

Deliberately independent of `reference_server.jwe`: the judge and the reference implementation must not share
code, or a bug in one would make both agree. Tests check each against the other and against npm @auth/core.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.jwk import OctKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hkdf(secret: str, salt: str, info: str, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt.encode(), info.encode()).derive(secret.encode())


def _claims(token: Mapping[str, Any], max_age: int) -> bytes:
    now = int(time.time())
    return json.dumps({**token, "iat": now, "exp": now + max_age, "jti": str(uuid.uuid4())}).encode()


def encode_v5(token: Mapping[str, Any], secret: str, salt: str, max_age: int = 86400) -> str:
    key = _hkdf(secret, salt, f"Auth.js Generated Encryption Key ({salt})", 64)
    kid = _b64(hashlib.sha512(json.dumps({"k": _b64(key), "kty": "oct"}, separators=(",", ":")).encode()).digest())
    header = {"alg": "dir", "enc": "A256CBC-HS512", "kid": kid}
    return jwe.encrypt_compact(header, _claims(token, max_age), OctKey.import_key(key))


def encode_v4(token: Mapping[str, Any], secret: str, salt: str = "", max_age: int = 86400) -> str:
    info = "NextAuth.js Generated Encryption Key" + (f" ({salt})" if salt else "")
    key = _hkdf(secret, salt, info, 32)
    return jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, _claims(token, max_age), OctKey.import_key(key))


def decode(token: str, secret: str, salt: str, flavour: str = "v5") -> dict[str, Any]:
    """Decrypt a session cookie minted by either library (used by the harness's own tests)."""
    if flavour == "v5":
        key = _hkdf(secret, salt, f"Auth.js Generated Encryption Key ({salt})", 64)
    else:
        key = _hkdf(secret, salt, "NextAuth.js Generated Encryption Key" + (f" ({salt})" if salt else ""), 32)
    claims: dict[str, Any] = json.loads(jwe.decrypt_compact(token, OctKey.import_key(key)).plaintext or b"")
    return claims


def mint(flavour: str, token: Mapping[str, Any], secret: str, cookie_name: str, max_age: int = 86400) -> str:
    """A session cookie value as `flavour` ("v5"/"v4") would write it under `cookie_name`."""
    if flavour == "v4":
        return encode_v4(token, secret, "", max_age)
    return encode_v5(token, secret, cookie_name, max_age)


def is_jwe(value: str) -> bool:
    """A JWE in compact form (five base64url parts, a JSON header with `enc`), as a JWT-strategy session cookie is;
    an Auth.js database session's cookie is an opaque token (a UUID)."""
    parts = value.split(".")
    if len(parts) != 5:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return False
    return isinstance(header, dict) and "enc" in header

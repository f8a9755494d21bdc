"""Signing keys and JWKS (RFC 7517), with rotation that keeps old keys published (overlap)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from . import key_store

ALGORITHM = "RS256"
KidStyle = Callable[["SigningKey"], str]
_PKCS1V15 = padding.PKCS1v15()  # stateless parameter objects: made once, not per signature
_SHA256 = hashes.SHA256()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """One RSA key; the certificate exists so vendors that publish ``x5c`` (Entra) can do so."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    kid: str = ""

    @classmethod
    def generate(cls, common_name: str = "mock-idp-signing") -> SigningKey:
        key = key_store.STORE.take()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        return cls(private_key=key, certificate=cert)

    @property
    def thumbprint(self) -> str:
        """``x5t``: base64url SHA-1 of the DER certificate, which Entra also uses as ``kid``."""
        return b64url(self.certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - the JOSE x5t definition

    def public_jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}

    def certificate_b64(self) -> str:
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def hex40_kid(_key: SigningKey) -> str:
    """Google style: 40 lowercase hex characters."""
    return secrets.token_hex(20)


def thumbprint_kid(key: SigningKey) -> str:
    """Entra style: the certificate thumbprint (``kid`` equals ``x5t``)."""
    return key.thumbprint


def random_b64_kid(_key: SigningKey) -> str:
    """Keycloak style: 43 characters of base64url."""
    return b64url(secrets.token_bytes(32))


@dataclass
class KeyRing:
    """Active key signs; retired keys stay in the JWKS until ``keep`` newer ones exist."""

    kid_style: KidStyle = hex40_kid
    initial_count: int = 1
    keep: int = 3
    keys: list[SigningKey] = field(default_factory=list)
    _initial: list[SigningKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = [self._new_key() for _ in range(self.initial_count)]
        self._initial = list(self.keys)

    def _new_key(self) -> SigningKey:
        key = SigningKey.generate()
        key.kid = self.kid_style(key)
        return key

    @property
    def active(self) -> SigningKey:
        return self.keys[0]

    def rotate(self) -> SigningKey:
        """New key signs from now on; the previous ones remain published for verification."""
        self.keys.insert(0, self._new_key())
        del self.keys[self.keep :]
        return self.active

    def reset(self) -> None:
        self.keys = list(self._initial)

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """RS256 with the active key; a header value of None drops that parameter (``{"kid": None}``)."""
        header = {k: v for k, v in {"kid": self.active.kid, "typ": "JWT", **(headers or {})}.items() if v is not None}
        return compact_rs256(claims, header, self.active.private_key)


def compact_rs256(claims: dict[str, Any], header: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    """The JWS compact serialization (RFC 7515 7.1) with RS256: the bytes PyJWT's `encode` gives (header keys
    sorted, compact JSON), without its per-call key and header checks, which cost as much as a third of the
    signature itself on the token endpoint's path."""
    signing_input = f"{_encoded_header(ALGORITHM, header)}.{_encoded_claims(claims)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii'), _PKCS1V15, _SHA256))}"


def compact_hs512(claims: dict[str, Any], header: dict[str, Any], secret: bytes) -> str:
    """The same with HS512 (Keycloak's refresh tokens); PyJWT's HMAC key checks cost more than the MAC."""
    signing_input = f"{_encoded_header('HS512', header)}.{_encoded_claims(claims)}"
    return f"{signing_input}.{b64url(hmac.digest(secret, signing_input.encode('ascii'), 'sha512'))}"


def _encoded_claims(claims: dict[str, Any]) -> str:
    return b64url(json.dumps(claims, separators=(",", ":")).encode())


def _encoded_header(alg: str, header: dict[str, Any]) -> str:
    """A provider signs with a handful of headers (its kid, `typ`), so each is encoded once, not per token
    (string values only: a cache key must not equate 1 with True or 1.0)."""
    if all(type(value) is str for value in header.values()):
        return _header_b64(alg, tuple(header.items()))
    return _header_json_b64({**header, "alg": alg})


@functools.lru_cache(maxsize=256)
def _header_b64(alg: str, items: tuple[tuple[str, Any], ...]) -> str:
    return _header_json_b64({**dict(items), "alg": alg})


def _header_json_b64(header: dict[str, Any]) -> str:
    return b64url(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())


def hash_half(value: str) -> str:
    """``at_hash`` / ``c_hash`` for RS256 (OIDC Core 3.1.3.6): left half of SHA-256, base64url."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])

"""Compact JWE with `alg: dir` (RFC 7516), A256CBC-HS512 (RFC 7518 5.2.5) and A256GCM (5.3), straight on
`cryptography`.

The session cookie is decrypted and re-encrypted on every `GET session`; a general JOSE library spends most of
that time building models around two cipher calls. This does exactly the two calls, with the same checks: the
encrypted-key segment must be empty (dir), every segment strict base64url, the tag compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["b64url", "decrypt", "encrypt"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(segment: str) -> bytes:
    if "=" in segment or "+" in segment or "/" in segment:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def _cbc_hs512_tag(mac_key: bytes, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    al = struct.pack(">Q", len(aad) * 8)
    return hmac.new(mac_key, aad + iv + ciphertext + al, hashlib.sha512).digest()[:32]


def encrypt(protected_header: str, plaintext: bytes, key: bytes) -> str:
    """`protected_header` is the already base64url-encoded header; A256CBC-HS512 with a 64-byte key."""
    mac_key, enc_key = key[:32], key[32:]
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    tag = _cbc_hs512_tag(mac_key, protected_header.encode("ascii"), iv, ciphertext)
    return f"{protected_header}..{b64url(iv)}.{b64url(ciphertext)}.{b64url(tag)}"


def decrypt(token: str, key: bytes, enc: str) -> bytes:
    """The plaintext; ValueError when the token is malformed or was not made with `key`."""
    protected, encrypted_key, iv_segment, ciphertext_segment, tag_segment = token.split(".")
    if encrypted_key:
        raise ValueError("dir JWE carries no encrypted key")
    iv, ciphertext, tag = _unb64url(iv_segment), _unb64url(ciphertext_segment), _unb64url(tag_segment)
    aad = protected.encode("ascii")
    if enc == "A256GCM":
        if len(iv) != 12 or len(tag) != 16:
            raise ValueError("bad A256GCM iv or tag length")
        try:
            return AESGCM(key).decrypt(iv, ciphertext + tag, aad)
        except InvalidTag as error:
            raise ValueError("authentication tag mismatch") from error
    if len(iv) != 16 or len(tag) != 32 or not ciphertext or len(ciphertext) % 16:
        raise ValueError("bad A256CBC-HS512 iv, tag or ciphertext length")
    if not hmac.compare_digest(tag, _cbc_hs512_tag(key[:32], aad, iv, ciphertext)):
        raise ValueError("authentication tag mismatch")
    decryptor = Cipher(algorithms.AES(key[32:]), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()

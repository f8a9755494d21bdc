"""The hand-rolled dir JWE (reference_server/jwe_dir.py) agrees with joserfc both ways and refuses every
tampered segment. The real @auth/core cross-check is in test_jwe_interop.py."""

from __future__ import annotations

import json

import pytest
from joserfc import jwe as joserfc_jwe
from joserfc.jwk import OctKey

from reference_server import jwe, jwe_dir

SECRET, SALT = "jwe-dir-secret", "authjs.session-token"


def test_joserfc_decrypts_our_token_and_we_decrypt_joserfcs() -> None:
    token = jwe.encode({"sub": "u-1", "name": "Ä ✓"}, SECRET, SALT, 60)
    key = OctKey.import_key(jwe.derive_key(SECRET, SALT))
    assert json.loads(joserfc_jwe.decrypt_compact(token, key).plaintext)["name"] == "Ä ✓"
    header = {"alg": "dir", "enc": "A256CBC-HS512"}
    theirs = joserfc_jwe.encrypt_compact(header, json.dumps({"sub": "u-2", "exp": 2**40}).encode(), key)
    assert jwe.decode(theirs, SECRET, SALT)["sub"] == "u-2"


def test_an_a256gcm_token_decodes_as_auth_js_accepts_it() -> None:
    key = OctKey.import_key(jwe.derive_key(SECRET, SALT, "A256GCM"))
    token = joserfc_jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, b'{"sub":"gcm"}', key)
    assert jwe.decode(token, SECRET, SALT)["sub"] == "gcm"


@pytest.mark.parametrize("segment", [0, 2, 3, 4])
def test_a_changed_segment_is_refused(segment: int) -> None:
    parts = jwe.encode({"sub": "u-3"}, SECRET, SALT, 60).split(".")
    parts[segment] = ("B" if parts[segment][0] == "A" else "A") + parts[segment][1:]
    with pytest.raises(jwe.InvalidToken):
        jwe.decode(".".join(parts), SECRET, SALT)


@pytest.mark.parametrize(
    "change",
    [
        lambda parts: parts.__setitem__(1, "AAAA"),  # an encrypted key where dir has none
        lambda parts: parts.__setitem__(3, parts[3] + "="),  # padding is not base64url
        lambda parts: parts.__setitem__(4, parts[4][:-4]),  # a short tag
        lambda parts: parts.__setitem__(2, "é" + parts[2][1:]),  # not ASCII
    ],
)
def test_malformed_segments_are_invalid_tokens_not_errors(change) -> None:
    parts = jwe.encode({"sub": "u-4"}, SECRET, SALT, 60).split(".")
    change(parts)
    with pytest.raises(jwe.InvalidToken):
        jwe.decode(".".join(parts), SECRET, SALT)


def test_a_wrong_key_is_refused_before_decryption() -> None:
    token = jwe.encode({"sub": "u-5"}, SECRET, SALT, 60)
    with pytest.raises(ValueError, match="tag"):
        jwe_dir.decrypt(token, jwe.derive_key("another-secret", SALT), "A256CBC-HS512")

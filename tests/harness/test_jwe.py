"""The harness mints session cookies exactly as Auth.js v5 does: checked against the reference server's
independent implementation and against the real npm @auth/core."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from harness import _jwe
from reference_server import jwe as reference_jwe

SECRET = "harness-jwe-secret"
SALT = "__Secure-authjs.session-token"


def test_v5_cookie_decodes_with_the_reference_implementation() -> None:
    token = _jwe.mint("v5", {"sub": "u-1", "email": "a@example.com"}, SECRET, SALT)
    assert reference_jwe.decode(token, SECRET, SALT)["email"] == "a@example.com"


def test_reference_cookie_decodes_with_the_harness() -> None:
    token = reference_jwe.encode({"sub": "u-2"}, SECRET, SALT, 600)
    assert _jwe.decode(token, SECRET, SALT)["sub"] == "u-2"


def test_v5_cookie_decodes_with_auth_core(node_peers: Path) -> None:
    token = _jwe.mint("v5", {"sub": "u-3", "name": "Node"}, SECRET, SALT)
    result = subprocess.run(
        ["node", "jwe.mjs", "decode", SECRET, SALT, token], cwd=node_peers, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Node"


def test_v4_cookie_uses_a256gcm_and_no_kid() -> None:
    token = _jwe.mint("v4", {"sub": "u-4"}, SECRET, "next-auth.session-token")
    header = json.loads(reference_jwe.base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "dir", "enc": "A256GCM"}
    assert _jwe.decode(token, SECRET, "", flavour="v4")["sub"] == "u-4"

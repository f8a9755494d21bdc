"""The harness's v4 session cookies (`--secret` on a NextAuth v4 target) decode with the real next-auth@4.24.15
`next-auth/jwt`, and a cookie that next-auth v4 mints decodes with the harness."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import _jwe
from tests.interop.nextapps import ensure_built

pytestmark = pytest.mark.interop
SECRET = "interop-v4-secret"
SCRIPT = """
const { encode, decode } = require("next-auth/jwt");
const [mode, secret, arg] = process.argv.slice(1);
(async () => {
  const out = mode === "decode" ? JSON.stringify(await decode({ token: arg, secret }))
                                : await encode({ token: JSON.parse(arg), secret });
  process.stdout.write(out);
})().catch((error) => { process.stderr.write(String(error)); process.exit(1); });
"""


def _node(mode: str, arg: str) -> str:
    app = ensure_built("nextauth-v4")
    result = subprocess.run(
        ["node", "-e", SCRIPT, mode, SECRET, arg], cwd=app, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_next_auth_v4_decodes_the_harness_cookie() -> None:
    token = _jwe.mint("v4", {"sub": "u-1", "email": "v4@example.com"}, SECRET, "next-auth.session-token")
    assert json.loads(_node("decode", token))["email"] == "v4@example.com"


def test_harness_decodes_a_next_auth_v4_cookie() -> None:
    token = _node("encode", json.dumps({"sub": "u-2", "name": "Four"}))
    assert _jwe.decode(token, SECRET, "", flavour="v4")["name"] == "Four"

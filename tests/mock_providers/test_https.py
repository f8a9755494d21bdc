"""HTTPS with the generated CA, Entra per-tenant re-discovery, and vendor-host impersonation via curl."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess

import httpx
import pytest

from mock_providers.testing import RunningMocks

from .conftest import TIMEOUT, Flow


def test_entra_over_https_rediscovers_by_tid(mocks: RunningMocks) -> None:
    """What Auth.js v5 does: discover /common, sign in, then re-discover at /{tid}/v2.0 over HTTPS."""
    with httpx.Client(verify=ssl.create_default_context(cafile=str(mocks.ca_path)), timeout=TIMEOUT) as client:
        f = Flow(mocks, client, "entra", "common", https=True)
        common_issuer = f.discovery["issuer"].replace("{tenantid}", "common")
        assert common_issuer == mocks.issuer("entra", "common", https=True)
        body = f.token(f.code()["code"]).json()
        tid = f.verify_id_token(body["id_token"], issuer=f"{mocks.https_url}/entra/{mocks.entra_tenant_id}/v2.0")["tid"]
        tenant_doc = client.get(common_issuer.replace("common", tid) + "/.well-known/openid-configuration").json()
        assert tenant_doc["issuer"] == f"{mocks.https_url}/entra/{tid}/v2.0"


def test_concrete_issuer_mode_for_next_auth_v4() -> None:
    from mock_providers.testing import running_mocks

    with running_mocks(https_port=None, entra_issuer_mode="concrete") as m:
        doc = httpx.get(m.discovery_url("entra", "common"), timeout=TIMEOUT).json()
        assert doc["issuer"] == f"{m.http_url}/entra/{m.entra_tenant_id}/v2.0"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(
    ("host", "path", "key", "expected"),
    [
        (
            "accounts.google.com",
            "/.well-known/openid-configuration",
            "token_endpoint",
            "https://oauth2.googleapis.com:{port}/token",
        ),
        (
            "login.microsoftonline.com",
            "/common/v2.0/.well-known/openid-configuration",
            "userinfo_endpoint",
            "https://graph.microsoft.com:{port}/oidc/userinfo",
        ),
    ],
)
def test_impersonation_with_curl_resolve(mocks: RunningMocks, host, path, key, expected) -> None:
    port = mocks.https_port
    result = subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "10",
            "--resolve",
            f"{host}:{port}:127.0.0.1",
            "--cacert",
            str(mocks.ca_path),
            f"https://{host}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    doc = json.loads(result.stdout)
    assert doc[key] == expected.format(port=port)
    assert doc["issuer"].startswith(f"https://{host}:{port}")

"""The shipped Node preload sends vendor-host requests to the mocks, through fetch and http(s).request alike.

A real Node process loads ``mock_providers/vendor_hosts.cjs`` by ``NODE_OPTIONS`` (as an app would) and calls
the vendors' hard-coded URLs; the interop tests prove the same with the real next-auth apps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mock_providers.app import vendor_routes
from mock_providers.node_preload import MOCK_URL_ENV, PRELOAD_PATH, node_options, preload_env
from mock_providers.testing import RunningMocks

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

#: Each way of calling a vendor URL that next-auth v4 (openid-client: https.request) and Auth.js v5
#: (oauth4webapi: fetch) use, printing one JSON line: the status and the issuer / keys the mock answered.
SCRIPT = r"""
const https = require("node:https");
const read = (res) => new Promise((ok) => { let b = ""; res.on("data", (c) => (b += c)); res.on("end", () => ok(b)); });
const viaRequest = (options) => new Promise((ok, fail) => {
  const req = https.request(options, (res) => read(res).then((b) => ok([res.statusCode, JSON.parse(b)])));
  req.on("error", fail);
  req.end();
});
(async () => {
  const out = {};
  let r = await fetch("https://accounts.google.com/.well-known/openid-configuration");
  out.fetch_url = [r.status, (await r.json()).token_endpoint];
  r = await fetch(new Request("https://graph.microsoft.com/v1.0/me", { headers: { authorization: "Bearer nope" } }));
  out.fetch_request = [r.status, (await r.json()).error.code];
  r = await fetch("https://oauth2.googleapis.com/token", { method: "POST", body: "grant_type=x" });
  out.fetch_post = [r.status, (await r.json()).error];
  const [status, doc] = await viaRequest("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration");
  out.request_url = [status, doc.issuer];
  const [s2, keys] = await viaRequest({ hostname: "www.googleapis.com", path: "/oauth2/v3/certs", method: "GET" });
  out.request_options = [s2, keys.keys.length];
  out.untouched = await fetch("https://127.0.0.1:1/").then(() => "answered", (e) => "refused");
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def run_node(env: dict[str, str], tmp_path: Path) -> dict[str, list[object]]:
    script = tmp_path / "calls.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        ["node", str(script)], env=os.environ | env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("https", [False, True], ids=["http-mock", "https-mock"])
def test_vendor_urls_reach_the_mock_through_fetch_and_https_request(
    mocks: RunningMocks, tmp_path: Path, https: bool
) -> None:
    env = preload_env(mocks.base_url(https)) | {"NODE_EXTRA_CA_CERTS": str(mocks.ca_path)}
    out = run_node(env, tmp_path)
    assert out == {
        "fetch_url": [200, "https://oauth2.googleapis.com/token"],  # the vendor's URLs, as the app expects
        "fetch_request": [401, "InvalidAuthenticationToken"],
        "fetch_post": [400, "invalid_request"],  # Google: "Could not determine client ID"
        "request_url": [200, "https://login.microsoftonline.com/{tenantid}/v2.0"],
        "request_options": [200, 2],
        "untouched": "refused",
    }
    assert {r["endpoint"] for r in mocks.requests()} >= {"discovery", "graph_me", "token", "jwks"}


def test_without_the_url_the_preload_does_nothing(tmp_path: Path) -> None:
    script = tmp_path / "probe.cjs"
    script.write_text('console.log(String(fetch).includes("fetchViaMock"))', encoding="utf-8")
    env = os.environ | {"NODE_OPTIONS": node_options()}
    env.pop(MOCK_URL_ENV, None)
    result = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "false"


def test_preload_hosts_are_the_impersonated_hosts(mocks: RunningMocks) -> None:
    listed = set(re.findall(r'^  "([a-z0-9.]+)",$', PRELOAD_PATH.read_text(encoding="utf-8"), re.MULTILINE))
    hosts, _ = vendor_routes(mocks.control.providers)
    assert listed == set(hosts.routers)

"""Fuzz the control API from its shipped OpenAPI description: no 5xx, no dropped connection, no lasting damage.

schemathesis generates valid (positive) and invalid (negative) requests for every operation of
``/_mock/openapi.json``; every answer must be below 500 on a connection that stays usable. Afterwards, with
only the deliberately injected faults cleared (not a reset), a normal sign-in through every vendor works.
The run is bounded (a fixed number of examples per operation and mode, derandomized) and fails listing every
finding, not only the first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from mock_providers.oidc.control_schema import document
from mock_providers.testing import RunningMocks, running_mocks

from .conftest import VENDOR_TENANTS, Flow, callback_params

#: Per operation and mode; CI keeps the default (about 160 requests), MOCK_FUZZ_EXAMPLES=200 digs deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("MOCK_FUZZ_EXAMPLES", "8"))
MAX_FINDINGS_SHOWN = 20
#: The user every generated PATCH changes and the sign-in afterwards uses (``sub`` cannot be patched).
TARGET = {"sub": "fuzz-target", "email": "fuzz.target@example.com", "name": "Fuzz Target"}


def fuzz(base_url: str) -> tuple[int, list[str]]:
    """Run every operation in both modes over one keep-alive client; return (examples sent, findings)."""
    schema = schemathesis.openapi.from_dict(document())
    sent, findings = 0, []
    with httpx.Client(timeout=10) as client:  # a connection dropped after an error shows up as a finding
        for result in schema.get_all_operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                count, found = fuzz_operation(result.ok(), mode, base_url, client)
                sent, findings = sent + count, findings + found
    return sent, findings


def fuzz_operation(operation: Any, mode: GenerationMode, base_url: str, client: httpx.Client) -> tuple[int, list[str]]:
    label = f"{operation.label} [{mode.value}]"
    fixed = {"key": TARGET["sub"]} if "{key}" in operation.path else None
    sent, findings = 0, []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        kwargs = case.as_transport_kwargs(base_url=base_url)
        body = {"json": kwargs["json"]} if "json" in kwargs else {"content": kwargs.get("data")}
        try:
            response = client.request(
                kwargs["method"], kwargs["url"], headers=kwargs["headers"], params=kwargs["params"], **body
            )
        except httpx.HTTPError as exc:
            findings.append(f"{label}: {type(exc).__name__}: {exc} for {case.body!r}"[:400])
            return
        if response.status_code >= 500:
            findings.append(f"{label}: {response.status_code} {response.text[:150]!r} for {case.body!r}"[:400])

    try:
        run()
    except Unsatisfiable:  # negative mode for an operation without parameters or body: nothing to break
        assert mode is GenerationMode.NEGATIVE
    return sent, findings


def sign_in_problems(mocks: RunningMocks) -> list[str]:
    """Picker, auto-login, token and userinfo for the fuzzed user at every vendor, after clearing faults."""
    problems = []
    with httpx.Client(timeout=10) as http:
        for vendor, tenant in VENDOR_TENANTS.items():
            mocks.control.clear_faults(vendor)
            flow = Flow(mocks, http, vendor, tenant)
            try:
                mocks.set_auto_login(False, vendor)
                page = flow.authorize()
                assert page.status_code == 200, f"picker {page.status_code} {page.text[:150]}"
                request_id = page.text.split('name="mock_request_id" value="', 1)[1].split('"', 1)[0]
                picked = http.post(
                    str(page.request.url.copy_with(query=None)),
                    data={"mock_request_id": request_id, "user": TARGET["sub"]},
                )
                mocks.set_auto_login(True, vendor)
                automatic = flow.authorize(login_hint=TARGET["sub"])
                for response in (picked, automatic):
                    assert response.status_code == 302, f"authorize {response.status_code} {response.text[:150]}"
                    body = flow.token(callback_params(response)["code"]).json()
                    tenant = next(u["tenant"] for u in mocks.users(vendor) if u["sub"] == TARGET["sub"])
                    issuer = flow.discovery["issuer"].replace("{tenantid}", tenant or mocks.entra_tenant_id)
                    flow.verify_id_token(body["id_token"], issuer=issuer)
                    userinfo = http.get(
                        flow.discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {body['access_token']}"}
                    )
                    assert userinfo.status_code == 200, f"userinfo {userinfo.status_code} {userinfo.text[:150]}"
            except (AssertionError, KeyError, IndexError, ValueError, httpx.HTTPError, jwt.PyJWTError) as exc:
                problems.append(f"sign-in at {vendor} after the fuzz: {type(exc).__name__}: {exc}"[:400])
    return problems


@pytest.mark.timeout(300)  # about 15 s of CPU; a machine shared with other jobs can stretch that several times
def test_control_api_fuzz_finds_no_5xx_and_no_lasting_damage(tmp_path: Path) -> None:
    # Own mocks: the target user is configured, so it survives the generated POST /_mock/reset calls.
    with running_mocks(state_dir=tmp_path, https_port=None, users=dict.fromkeys(VENDOR_TENANTS, [TARGET])) as mocks:
        sent, findings = fuzz(mocks.http_url)
        findings += sign_in_problems(mocks)
    print(f"control API fuzz: {sent} examples, {len(findings)} findings")
    assert findings == [], "\n".join(findings[:MAX_FINDINGS_SHOWN])
    assert sent >= EXAMPLES_PER_OPERATION

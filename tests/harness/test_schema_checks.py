"""SCHEMA-001 (schemathesis, positive mode, blocking) and SCHEMA-002 (negative mode, advisory) through the
plugin: they pass on the reference server and fail or warn, with their own ids, on a broken one."""

from __future__ import annotations

import json

import pytest

from tests.harness.breakages import json_body, status


def _findings(pytester: pytest.Pytester, *args: str) -> tuple[int, list[dict]]:
    result = pytester.runpytest("--report-json", "r.json", "-p", "no:randomly", *args)
    data = json.loads((pytester.path / "r.json").read_text())
    return result.ret, data["findings"]


def test_schema_001_passes_on_the_reference_server(pytester: pytest.Pytester, reference) -> None:
    ret, findings = _findings(pytester, "--target", reference.url, "-k", "schema_positive")
    schema = [f for f in findings if f["check_id"] == "SCHEMA-001"]
    assert ret == 0 and len(schema) == 10
    assert {f["verdict"] for f in schema} == {"pass"}


@pytest.mark.parametrize(
    ("suffix", "mutation", "operation"),
    [
        ("/providers", json_body(lambda b, r: {"credentials": {"id": 1}}), "GET /api/auth/providers"),
        ("/verify-request", status(503), "GET /api/auth/verify-request"),
    ],
)
def test_schema_001_fails_on_a_broken_server(
    pytester: pytest.Pytester, broken, suffix, mutation, operation: str
) -> None:
    url, switch = broken
    switch.use(suffix, mutation)
    ret, findings = _findings(pytester, "--target", url, "-k", "schema_positive")
    failed = [f for f in findings if f["verdict"] == "fail"]
    assert ret == 1
    assert [(f["check_id"], f["param"]) for f in failed] == [("SCHEMA-001", operation)]
    assert failed[0]["curl"].startswith("curl ")


def test_schema_002_is_advisory(pytester: pytest.Pytester, reference) -> None:
    ret, findings = _findings(pytester, "--target", reference.url, "-k", "schema_negative and csrf")
    [finding] = [f for f in findings if f["check_id"] == "SCHEMA-002"]
    assert ret == 0 and finding["verdict"] == "warn"  # a bad callbackUrl is Auth.js's undocumented 500

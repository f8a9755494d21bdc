"""SCHEMA-001 (schemathesis, positive mode, blocking) and SCHEMA-002 (negative mode, advisory) through the
plugin: they pass on the reference server and fail or warn, with their own ids, on a broken one."""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis.internal.conjecture import providers
from requests.adapters import HTTPAdapter

import spec
from harness import plugin
from harness.checks.schema import from_the_spec_only
from harness.checks.schema_cases import keep_alive_session, query_schemas
from harness.client import TargetClient
from harness.context import CheckContext
from harness.profiles import PROFILES
from harness.run import Run
from tests.harness.breakages import json_body, status
from tests.harness.mutator import Mutator


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


def test_schema_002_is_clean_on_the_reference_server(pytester: pytest.Pytester, reference) -> None:
    """The spec documents Auth.js's Configuration 500 for an invalid callbackUrl (x-invalid-answer)."""
    ret, findings = _findings(pytester, "--target", reference.url, "-k", "schema_negative")
    schema = [f for f in findings if f["check_id"] == "SCHEMA-002"]
    assert ret == 0 and schema and {f["verdict"] for f in schema} == {"pass"}, [f["message"] for f in schema]


def test_schema_002_warns_once_per_cause(pytester: pytest.Pytester, broken) -> None:
    """An undocumented answer to invalid input is one advisory warning naming the cause, the operations, a request."""
    url, switch = broken
    to_502 = status(502)  # the Configuration 500 becomes an answer the spec does not document for invalid input
    switch.current = Mutator(switch.app, "/api/auth/", lambda r: to_502(r) if r.status == 500 else None, contains=True)
    ret, findings = _findings(pytester, "--target", url, "-k", "schema_negative and (csrf or providers)")
    warnings = [f for f in findings if f["check_id"] == "SCHEMA-002" and f["verdict"] == "warn"]
    assert ret == 0 and len(warnings) == 1, [f["key"] for f in warnings]
    [warning] = warnings
    assert warning["param"].startswith("502 answer to an invalid")
    assert sorted(warning["extra"]["operations"]) == ["GET /api/auth/csrf", "GET /api/auth/providers"]
    assert warning["curl"].startswith("curl ")


def test_schema_002_keeps_distinct_causes_apart() -> None:
    from harness.checks.schema_cases import group_advisories
    from harness.findings import Finding, Verdict

    def warning(operation: str, status: int, query: str) -> Finding:
        received = f"- ST101 Server error\n\n[{status}] Error:\n\n    curl -X GET 'http://t/api/auth/x?{query}'\n"
        return Finding(
            "SCHEMA-002",
            "t",
            "c",
            "advisory",
            "schema",
            Verdict.WARN,
            param=operation,
            message="ST101 Server error",
            received=received,
            curl=f"curl -X GET 'http://t/api/auth/x?{query}'",
        )

    grouped = group_advisories(
        [
            warning("GET /a", 500, "callbackUrl=null"),
            warning("GET /b", 500, "callbackUrl=0"),
            warning("GET /c", 502, "error=1"),
            warning("GET /d", 502, "%C3%98%F3%B4%A3%9F=1&callbackUrl=/ok"),  # a fuzzed name, a valid callbackUrl
        ]
    )
    assert sorted(f.param for f in grouped) == [
        "500 answer to an invalid callbackUrl query",
        "502 answer to an invalid request",  # generated names and valid values are not part of the key
    ]
    assert [f.extra["operations"] for f in grouped if f.param.startswith("500")] == [["GET /a", "GET /b"]]


def _negative_warnings(pytester: pytest.Pytester, url: str, seed: int, *args: str) -> tuple[set[str], dict]:
    result = pytester.runpytest(
        "--target", url, "--report-json", "r.json", "-p", "no:randomly", f"--hypothesis-seed={seed}", *args,
        "-k", "schema_negative and (csrf or providers or signin)",
    )  # fmt: skip
    data = json.loads((pytester.path / "r.json").read_text())
    assert result.ret == 0, data["findings"]
    return {f["key"] for f in data["findings"] if f["check_id"] == "SCHEMA-002" and f["verdict"] == "warn"}, data


def test_schema_002_keys_do_not_depend_on_generated_data(pytester: pytest.Pytester, broken) -> None:
    """One seeded fault, two hypothesis seeds: the same instance ids, which a waiver and a baseline then hold."""
    url, switch = broken
    to_502 = status(502)
    switch.current = Mutator(switch.app, "/api/auth/", lambda r: to_502(r) if r.status == 500 else None, contains=True)
    first, _ = _negative_warnings(pytester, url, 1, "--write-baseline", "baseline.json")
    second, _ = _negative_warnings(pytester, url, 2)
    assert first and first == second, (first, second)
    assert all(key.startswith("SCHEMA-002[502 answer to an invalid") for key in first), first
    waivers = "".join(f"'{key}': the edge answers 502 for a malformed callbackUrl; tracked\n" for key in first)
    (pytester.path / "waivers.yaml").write_text(waivers)
    _, data = _negative_warnings(pytester, url, 3, "--baseline", "baseline.json", "--waivers", "waivers.yaml")
    verdicts = {f["key"]: f["verdict"] for f in data["findings"]}
    assert not [k for k, v in verdicts.items() if v == "stale-waiver"], verdicts
    assert {verdicts[key] for key in first} == {"waived"}, verdicts
    held = data["header"]["baseline"]
    assert not (held["new"] or held["worse"] or held["worse_warnings"] or held["stale_waivers"]), held


def _stable_key(key: str) -> bool:
    """A key built from the check, the operation (a spec path) and the cause (a status and documented parameter
    names), never from generated data."""
    operations = {f"{method.upper()} {path}" for path, item in spec.load_openapi()["paths"].items() for method in item}
    check_id, _, param = key.partition("[")
    param = param.removesuffix("]")
    if check_id == "SCHEMA-001" or (check_id == "SCHEMA-002" and param in operations):
        return param in operations
    if check_id == "SCHEMA-002":
        names = "|".join(re.escape(name) for name in query_schemas())
        return re.fullmatch(rf"\d{{3}} answer to an invalid ((({names})(, )?)+ query|request)", param) is not None
    return False


def _positive_run(pytester: pytest.Pytester, url: str, seed: int, *args: str) -> tuple[dict[str, str], int]:
    result = pytester.runpytest(
        "--target", url, "--report-json", "r.json", "-p", "no:randomly", f"--hypothesis-seed={seed}", *args,
        "-k", "schema_positive and (csrf or providers or signin)",
    )  # fmt: skip
    data = json.loads((pytester.path / "r.json").read_text())
    held = data["header"].get("baseline") or {}
    assert not (held.get("new") or held.get("worse") or held.get("stale_waivers")), held
    return {f["key"]: f["verdict"] for f in data["findings"] if f["check_id"].startswith("SCHEMA-")}, result.ret


def test_schema_001_keys_do_not_depend_on_generated_data(pytester: pytest.Pytester, broken) -> None:
    """One seeded fault in a positive answer, two hypothesis seeds: the same instance ids (the operation), and a
    waiver and a baseline of the failing instance hold in a third run."""
    url, switch = broken
    switch.use("/providers", json_body(lambda b, r: {"credentials": {"id": 1}}))
    first, ret = _positive_run(pytester, url, 1, "--write-baseline", "baseline.json")
    second, _ = _positive_run(pytester, url, 2)
    assert ret == 1 and first == second, (first, second)
    assert [k for k, v in first.items() if v == "fail"] == ["SCHEMA-001[GET /api/auth/providers]"], first
    assert all(_stable_key(key) for key in first), first
    (pytester.path / "waivers.yaml").write_text(
        "'SCHEMA-001[GET /api/auth/providers]': the edge rewrites it; tracked\n"
    )
    third, ret = _positive_run(pytester, url, 3, "--baseline", "baseline.json", "--waivers", "waivers.yaml")
    assert third.keys() == first.keys() and third["SCHEMA-001[GET /api/auth/providers]"] == "waived", third
    assert ret == 0, third
    switch.reset()
    fixed, ret = _positive_run(pytester, url, 4, "--waivers", "waivers.yaml")
    assert fixed["SCHEMA-001[GET /api/auth/providers]"] == "stale-waiver" and ret == 1, fixed


def test_schema_002_keys_are_built_from_operation_and_cause(pytester: pytest.Pytester, broken) -> None:
    """Every SCHEMA-002 key of a run with a seeded fault names only the operation or the cause."""
    url, switch = broken
    to_502 = status(502)
    switch.current = Mutator(switch.app, "/api/auth/", lambda r: to_502(r) if r.status == 500 else None, contains=True)
    _, data = _negative_warnings(pytester, url, 4)
    keys = {f["key"] for f in data["findings"] if f["check_id"] == "SCHEMA-002"}
    assert keys and all(_stable_key(key) for key in keys), keys


def test_the_schema_cases_share_one_session_that_keeps_no_cookie(reference) -> None:
    """One keep-alive session per run instead of schemathesis's one per case; each case still starts cookie-less."""
    context = CheckContext(cast(TargetClient, None), PROFILES["authjs-v5"])
    run = cast(Run, SimpleNamespace(stack=contextlib.ExitStack(), context=lambda: context))
    with run.stack:
        session = keep_alive_session(run)
        assert keep_alive_session(run) is session
        assert session.trust_env is False  # environment proxies are ignored, as by the run's own client
        answer = session.get(reference.url + "/api/auth/csrf", timeout=5)
        assert answer.status_code == 200 and "set-cookie" in answer.headers
        assert not session.cookies
        pools = cast(HTTPAdapter, session.get_adapter(reference.url)).poolmanager.pools
        assert len(pools) == 1  # the kept-alive connection
    assert len(pools) == 0  # closed with the run


@pytest.fixture
def local_literals(tmp_path: Path) -> Iterator[None]:
    """A loaded local module with literals, which Hypothesis would mix into what it draws."""
    (tmp_path / "local_literals.py").write_text('WORDS = ("zq-local-literal-one", "zq-local-literal-two")\n')
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("local_literals")
        yield
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("local_literals", None)


def test_schema_cases_ignore_the_literals_of_loaded_local_code(local_literals: None) -> None:
    """Hypothesis draws literals from loaded local modules (a checkout's harness, a project's plugins); the schema
    items must not, or the same seed generates other cases from a checkout than from an installed package."""
    assert len(providers._get_local_constants()) > 0  # loaded local code has literals Hypothesis would use
    with from_the_spec_only():
        assert len(providers._get_local_constants()) == 0
    assert len(providers._get_local_constants()) > 0  # put back for whatever else runs in the process


@pytest.mark.parametrize("hook", [plugin.pytest_make_collect_report, plugin.pytest_runtest_call])
def test_the_schema_module_draws_from_the_spec_only_when_collected_and_run(local_literals: None, hook: Any) -> None:
    """schemathesis draws the coverage cases while the schema module is collected, the rest while its items run:
    the plugin guards both, for that module only."""

    def constants_inside(path: Path) -> int:
        wrapper = hook(SimpleNamespace(path=path))
        next(wrapper)
        inside = len(providers._get_local_constants())
        with pytest.raises(StopIteration):
            wrapper.send(None)
        return inside

    assert constants_inside(plugin.SCHEMA_SUITE) == 0
    assert constants_inside(plugin.SUITE_DIR / "test_checks.py") > 0
    assert len(providers._get_local_constants()) > 0

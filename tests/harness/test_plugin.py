"""The plugin through pytester: activation, option precedence, exit codes, bad targets, reports, waivers."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from harness.options import TARGET_ENV
from harness.plugin import EXIT_TARGET_UNAVAILABLE
from reference_server.serving import serve_in_thread

FAST = ["-p", "no:randomly", "-k", "CSRF or PROV"]


async def _slow(request):  # noqa: ANN001, ANN202
    await asyncio.sleep(5)
    return JSONResponse({"csrfToken": "x"})


BAD = Starlette(
    routes=[
        Route("/html/api/auth/csrf", lambda r: HTMLResponse("<html><title>Buy now</title></html>")),
        Route("/loop/api/auth/csrf", lambda r: RedirectResponse("/loop/api/auth/csrf", 302)),
        Route("/big/api/auth/csrf", lambda r: Response(b"{" + b" " * 10_000_000 + b"}", media_type="application/json")),
        Route("/slow/api/auth/csrf", _slow),
        Route("/notjson/api/auth/csrf", lambda r: Response("<html>", media_type="application/json")),
        Route("/down/api/auth/csrf", lambda r: Response("upstream error", status_code=502)),
    ]
)


@pytest.fixture(scope="module")
def bad_target() -> Iterator[str]:
    with serve_in_thread(BAD) as url:
        yield url


@pytest.fixture(autouse=True)
def _no_env_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TARGET_ENV, raising=False)


def test_plugin_is_inert_without_conformance(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): pass")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)


def test_env_target_alone_does_not_activate(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TARGET_ENV, "http://127.0.0.1:1")
    pytester.makepyfile("def test_own(): pass")
    pytester.runpytest("-q").assert_outcomes(passed=1)


def test_env_target_is_used_with_conformance(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TARGET_ENV, "http://127.0.0.1:1")
    result = pytester.runpytest("--conformance")
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    assert "cannot test http://127.0.0.1:1" in result.stderr.str()


def test_cli_target_wins_over_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TARGET_ENV, "http://127.0.0.1:2")
    result = pytester.runpytest("--target", "http://127.0.0.1:1")
    assert "cannot test http://127.0.0.1:1" in result.stderr.str()


def test_unreachable_target_is_one_line_and_exit_10(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--target", "http://127.0.0.1:1")
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    lines = [line for line in result.stderr.lines if "cannot test" in line]
    assert len(lines) == 1 and "connection refused" in lines[0]
    assert not re.search(r"\d+ (passed|failed)", result.stdout.str())


@pytest.mark.parametrize(
    ("prefix", "phrase"),
    [
        ("/html", "not Auth.js JSON"),
        ("/loop", "redirects"),
        ("/big", "KiB"),
        ("/slow", "timed out"),
        ("/notjson", "not JSON"),
        ("/down", "502"),
    ],
)
def test_bad_targets_stop_with_one_line(pytester: pytest.Pytester, bad_target: str, prefix: str, phrase: str) -> None:
    result = pytester.runpytest("--target", bad_target, "--base-path", f"{prefix}/api/auth", "--request-timeout", "1")
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    assert phrase in result.stderr.str()


def test_tls_failure_is_reported(pytester: pytest.Pytester, bad_target: str) -> None:
    result = pytester.runpytest("--target", bad_target.replace("http://", "https://"))
    assert result.ret == EXIT_TARGET_UNAVAILABLE
    assert "TLS" in result.stderr.str() or "SSL" in result.stderr.str()


@pytest.mark.parametrize(
    "args",
    [
        ["--credentials", "nopassword"],
        ["--target", "ftp://x"],
        ["--conformance", "--waivers", "missing.yaml"],
        ["--request-timeout", "0"],
        ["--conformance", "--smtp", "smtp://127.0.0.1:2525"],
        ["--conformance", "--email-max-age", "0"],
    ],
)
def test_usage_errors_exit_4(pytester: pytest.Pytester, args: list[str]) -> None:
    assert pytester.runpytest(*args).ret == pytest.ExitCode.USAGE_ERROR


def test_unknown_waiver_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", waivers="waivers:\n  - id: NOPE-001\n    reason: typo\n")
    result = pytester.runpytest("--conformance", "--waivers", "waivers.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown check id 'NOPE-001'" in result.stderr.str()


def test_embedded_run_passes_and_writes_reports(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--conformance", "--report-json", "r.json", "--report-junit", "r.xml", "--report-markdown", "r.md", *FAST
    )
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*nextauth-conformance*", "*verdicts:*wall time*"])
    data = json.loads((pytester.path / "r.json").read_text())
    assert data["header"]["profile"] == "documented" and "schemathesis" in data["header"]["versions"]
    assert {f["check_id"] for f in data["findings"]} >= {"CSRF-001", "PROV-002"}
    assert "<testcase" in (pytester.path / "r.xml").read_text()
    assert "## nextauth-conformance" in (pytester.path / "r.md").read_text()


def test_stale_waiver_fails_the_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", waivers="PROV-001: expected to fail\n")
    result = pytester.runpytest("--conformance", "--waivers", "waivers.yaml", *FAST)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "stale waiver" in result.stdout.str()


def test_no_check_ran_exits_5(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "-k", "nothing_matches_this")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_all_not_applicable_exits_5(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "-k", "ACT-004 and (csrf or providers)")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_auto_profile_says_why(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "--profile", "auto", "-k", "PROV-001")
    result.stdout.fnmatch_lines(["*profile documented (auto: authjs.* cookies and {} for no session*"])


def test_node_ids_are_unique(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert len(ids) == len(set(ids)) > 40
    assert any("test_schema_positive[GET /api/auth/csrf]" in i for i in ids)


def test_xdist_workers_report_the_same_verdicts(pytester: pytest.Pytester) -> None:
    serial = pytester.runpytest("--conformance", "--report-json", "serial.json", *FAST)
    parallel = pytester.runpytest("--conformance", "-n", "2", "--report-json", "parallel.json", *FAST)
    assert serial.ret == parallel.ret == pytest.ExitCode.OK

    def verdicts(name: str) -> list[tuple[str, str, str]]:
        findings = json.loads((pytester.path / name).read_text())["findings"]
        return sorted((f["check_id"], f.get("param") or "", f["verdict"]) for f in findings)

    assert verdicts("serial.json") == verdicts("parallel.json") and verdicts("serial.json")


def test_schema_items_honour_the_profiles_not_applicable(pytester: pytest.Pytester) -> None:
    """SCHEMA-001 over GET session is N/A under authjs-v5 (its empty session is null, which SESS-001 judges)."""
    result = pytester.runpytest(
        "--conformance",
        "--profile",
        "authjs-v5",
        "--report-json",
        "r.json",
        "-p",
        "no:randomly",
        "-k",
        "test_schema_positive and session",
    )
    data = json.loads((pytester.path / "r.json").read_text())
    (finding,) = [f for f in data["findings"] if f["key"] == "SCHEMA-001[GET /api/auth/session]"]
    assert finding["verdict"] == "not-applicable" and "profile authjs-v5" in finding["reason"], finding
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED  # nothing was executed


def test_library_profiles_know_there_is_no_popup_page() -> None:
    from harness.profiles import PROFILES

    for name in ("authjs-v5", "nextauth-v4"):
        assert PROFILES[name].not_applicable_reason("POPUP-001", "POPUP-001[success]"), name
    assert PROFILES["documented"].not_applicable_reason("POPUP-001", "POPUP-001[error]") is None


def test_a_plugin_overriding_conformance_context_changes_what_the_checks_get(pytester: pytest.Pytester) -> None:
    """The suite lives in the installed package, outside a project's conftest directories: an override is a
    plugin registered after the harness's fixtures (README, Extending the suite)."""
    pytester.makeconftest(
        """
import dataclasses

import pytest


class ProjectContext:
    @pytest.fixture(scope="session")
    def conformance_context(self, conformance_run):
        ctx = conformance_run.context()
        reasons = {"PROV-001": "left out by this project's plugin"}
        return dataclasses.replace(ctx, profile=dataclasses.replace(ctx.profile, not_applicable=reasons))


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.pluginmanager.register(ProjectContext(), "project-context")
"""
    )
    result = pytester.runpytest("--conformance", "-p", "no:randomly", "-k", "PROV-001", "-rs")
    result.assert_outcomes(skipped=1)
    assert "left out by this project's plugin" in result.stdout.str()

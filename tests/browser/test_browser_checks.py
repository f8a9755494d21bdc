"""The browser checks pass on the reference server (+ mock IdPs) and fail, each with its own id, on a page
broken in exactly the way that check exists to catch."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness import browser
from harness.findings import Finding, Verdict
from harness.registry import REGISTRY
from harness.runner import run_check
from reference_server import OAuthProviderConfig
from reference_server.app import create_app
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from tests.browser.conftest import PROVIDERS, Stack
from tests.browser.custom_pages import popup_url
from tests.harness.cli_runs import CHECKS_MODULE
from tests.harness.mutator import Mutator, Reply

pytestmark = pytest.mark.browser

# PASSKEY checks need a WebAuthn target on a domain origin: tests/browser/test_passkey_checks.py runs them.
BROWSER_INSTANCES = [i for i in REGISTRY.instances("browser") if not i.startswith("PASSKEY-")]


def run(
    stack: Stack, instance: str, url: str | None = None, *, mock_idp: bool = True, popup_url: str | None = None
) -> Finding:
    check_id, _, param = instance.partition("[")
    ctx = stack.context(url, mock_idp=mock_idp, popup_url=popup_url)
    return run_check(REGISTRY.get(check_id), ctx, param.rstrip("]"))


def explain(finding: Finding) -> str:
    return f"{finding.key}: {finding.verdict} {finding.message or finding.reason}\n{finding.received}"


def test_check_command_prints_the_browser_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness.browser", "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("browser: chromium ") and done.stderr == ""


def test_no_browser_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "_playwright_managed", lambda playwright: None)
    monkeypatch.setattr(browser, "_system_chromium", lambda: None)
    with pytest.raises(browser.NoBrowser, match="^no Chromium found: run `python -m playwright install chromium`"):
        browser.discover(object())


def test_every_browser_check_is_registered() -> None:
    assert {
        "POPUP-001",
        "POPUP-002",
        "POPUP-003",
        "POPUP-004",
        "POPUP-005",
        "BROWSER-001",
        "BROWSER-002",
        "BROWSER-003",
        "BROWSER-004",
    } <= {c.id for c in REGISTRY.family("browser")}


@pytest.mark.parametrize("instance", BROWSER_INSTANCES)
def test_passes_on_the_reference_server(stack: Stack, instance: str) -> None:
    finding = run(stack, instance)
    assert finding.verdict == Verdict.PASS, explain(finding)


BROKEN_PAGES = [
    ("leaks-token-to-star", "POPUP-002[error]", Verdict.FAIL),
    ("leaks-token-to-star", "POPUP-003", Verdict.WARN),
    ("posts-to-star", "POPUP-003", Verdict.WARN),
    ("never-closes", "POPUP-001[error]", Verdict.FAIL),
    ("posts-twice", "POPUP-001[error]", Verdict.FAIL),
    ("throws-without-opener", "POPUP-004", Verdict.FAIL),
    ("throws-without-opener", "POPUP-005[error]", Verdict.FAIL),
    ("signin-without-csrf", "BROWSER-001", Verdict.FAIL),
    ("signout-without-csrf", "BROWSER-002", Verdict.FAIL),
]


@pytest.mark.parametrize(("breakage", "instance", "verdict"), BROKEN_PAGES)
def test_fails_on_a_broken_page(stack: Stack, breakage: str, instance: str, verdict: Verdict) -> None:
    finding = run(stack, instance, stack.broken[breakage])
    assert finding.verdict == verdict, explain(finding)


def test_star_without_secrets_is_not_a_leak(stack: Stack) -> None:
    finding = run(stack, "POPUP-002[error]", stack.broken["posts-to-star"])
    assert finding.verdict == Verdict.PASS, explain(finding)


@pytest.mark.parametrize(
    ("breakage", "instance"), [("never-closes", "POPUP-001[error]"), ("leaks-token-to-star", "POPUP-002[error]")]
)
def test_failure_saves_screenshot_and_trace(stack: Stack, breakage: str, instance: str) -> None:
    finding = run(stack, instance, stack.broken[breakage])
    artifacts = finding.message.split("Artifacts: ", 1)[1]
    paths = [Path(part.split()[1]) for part in artifacts.split("; ")]
    assert paths and all(p.is_file() and p.is_relative_to(stack.report_dir) for p in paths), artifacts
    assert {p.suffix for p in paths} == {".png", ".zip"}
    with zipfile.ZipFile(next(p for p in paths if p.suffix == ".zip")) as trace:
        events = trace.read("trace.trace").decode()
    assert '"type":"frame-snapshot"' in events, "the trace viewer has no DOM snapshot of the page to show"
    assert '"type":"screencast-frame"' not in events, "the screencast is recorded (it costs a second of a run)"


def test_mock_idp_checks_are_not_applicable_without_one(stack: Stack) -> None:
    for instance in ("BROWSER-003[google]", "BROWSER-004[keycloak]", "POPUP-001[success]"):
        finding = run(stack, instance, mock_idp=False)
        assert finding.verdict == Verdict.NOT_APPLICABLE and finding.reason, explain(finding)


def test_popup_url_option_points_the_checks_elsewhere(stack: Stack) -> None:
    popup_url = "/api/auth/callback/{provider}?popup=1"
    finding = run(stack, "POPUP-001[error]", popup_url=popup_url)
    success = run(stack, "POPUP-001[success]", popup_url=popup_url)
    assert finding.verdict == Verdict.PASS, explain(finding)
    assert success.verdict == Verdict.NOT_APPLICABLE, explain(success)
    assert "did not accept the mock's code" in success.reason, success.reason


# ------------------------------------------------------------------------- custom popup pages (--popup-url)


def run_custom(stack: Stack, page: str, instance: str, *, mock_idp: bool = True) -> Finding:
    return run(stack, instance, stack.custom, mock_idp=mock_idp, popup_url=popup_url(page))


CORRECT_PAGE_PASSES = [
    "POPUP-001[error]",
    "POPUP-001[success]",
    "POPUP-002[error]",
    "POPUP-002[synthetic-code]",
    "POPUP-002[success]",
    "POPUP-003",
    "POPUP-004",
    "POPUP-005[error]",
    "POPUP-005[success]",
]


@pytest.mark.parametrize("instance", CORRECT_PAGE_PASSES)
def test_a_correct_custom_page_passes(stack: Stack, instance: str) -> None:
    """Posts only to its own origin, no tokens, says "You can close this window": the real code is redeemed."""
    finding = run_custom(stack, "linked", instance)
    assert finding.verdict == Verdict.PASS, explain(finding)


LEAKING_PAGES = [
    ("inbox", "POPUP-002[synthetic-code]", {"data.code"}),
    ("inbox", "POPUP-002[success]", {"data.accessToken"}),
]
THROWING_PAGES = ["POPUP-005[error]", "POPUP-005[success]"]


@pytest.mark.parametrize(("page", "instance", "leaked"), LEAKING_PAGES)
def test_an_inbox_page_posting_tokens_to_star_fails(stack: Stack, page: str, instance: str, leaked: set[str]) -> None:
    """AlgaPSA-like: the real code's tokens, or the echoed synthetic code, reach an opener on another origin."""
    finding = run_custom(stack, page, instance)
    assert (finding.check_id, finding.verdict) == ("POPUP-002", Verdict.FAIL), explain(finding)
    named = finding.message.split("(", 1)[1].split(";", 1)[0]
    assert leaked <= set(named.split(", ")), finding.message


def test_the_popup_url_state_reaches_the_page(stack: Stack) -> None:
    """Without the state it accepts, the inbox page refuses before redeeming (invalid_state) and leaks nothing."""
    bare_url = popup_url("inbox").split("?", 1)[0]
    finding = run(stack, "POPUP-002[synthetic-code]", stack.custom, popup_url=bare_url)
    assert finding.verdict == Verdict.PASS, explain(finding)


def test_the_inbox_page_error_path_is_only_the_advisory(stack: Stack) -> None:
    assert run_custom(stack, "inbox", "POPUP-002[error]").verdict == Verdict.PASS
    assert run_custom(stack, "inbox", "POPUP-003").verdict == Verdict.WARN


@pytest.mark.parametrize("instance", THROWING_PAGES)
def test_a_page_that_throws_without_its_opener_fails_under_coop(stack: Stack, instance: str) -> None:
    finding = run_custom(stack, "throws", instance)
    assert (finding.check_id, finding.verdict) == ("POPUP-005", Verdict.FAIL), explain(finding)
    assert "fallback channel" in json.dumps(finding.received)


@pytest.mark.parametrize("instance", ["POPUP-005[error]", "POPUP-005[success]"])
def test_the_fallback_channel_is_reported(stack: Stack, instance: str) -> None:
    finding = run_custom(stack, "channel", instance)
    assert finding.verdict == Verdict.PASS, explain(finding)
    assert "fallback channel: BroadcastChannel 'oauth-callback'" in finding.message, finding.message


def test_a_storage_and_navigation_fallback_is_reported(stack: Stack) -> None:
    finding = run_custom(stack, "storage", "POPUP-005[error]")
    assert finding.verdict == Verdict.PASS, explain(finding)
    assert "fallback channel: localStorage 'oauth-callback'" in finding.message, finding.message
    assert f"to {stack.custom}/api/auth/signin" in finding.message, finding.message


def test_the_reference_popup_reports_no_fallback_channel(stack: Stack) -> None:
    finding = run(stack, "POPUP-005[error]")
    assert finding.verdict == Verdict.PASS, explain(finding)
    assert "You can close this window." in finding.message and "fallback channel: none" in finding.message


def test_the_custom_success_variant_needs_the_mock(stack: Stack) -> None:
    for instance in ("POPUP-001[success]", "POPUP-002[success]"):
        finding = run_custom(stack, "inbox", instance, mock_idp=False)
        assert finding.verdict == Verdict.NOT_APPLICABLE and "--mock-idp" in finding.reason, explain(finding)
    assert run_custom(stack, "inbox", "POPUP-002[synthetic-code]", mock_idp=False).verdict == Verdict.FAIL


def test_every_popup_check_has_a_fail_test() -> None:
    """tests/harness/test_checks.py leaves the browser family to this file: each POPUP id fails in a table here."""
    instances = [i for _, i, _ in BROKEN_PAGES] + [i for _, i, _ in LEAKING_PAGES] + THROWING_PAGES
    failing = {instance.partition("[")[0] for instance in instances}
    assert {c.id for c in REGISTRY.family("browser") if c.id.startswith("POPUP-")} <= failing


def test_sign_in_picks_a_test_user_the_mock_already_knew(stack: Stack) -> None:
    """The harness registers its user before the flow starts and leaves a known user alone: registering it
    again while the picker was on screen gave it a new sub, and the click then hit "No such mock user"."""
    email = stack.reference.demo_email
    stack.mocks.add_user("keycloak", email=email, name="Registered Earlier")
    before = [u["sub"] for u in stack.mocks.users("keycloak") if u["email"] == email]
    for _ in range(2):
        finding = run(stack, "BROWSER-003[keycloak]")
        assert finding.verdict == Verdict.PASS, explain(finding)
    assert [u["sub"] for u in stack.mocks.users("keycloak") if u["email"] == email] == before


def test_browser_checks_without_a_browser_stop_the_run_with_one_line(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.setenv("NEXTAUTH_CONFORMANCE_CHROMIUM", str(pytester.path / "no-such-chromium"))
    result = pytester.runpytest_subprocess("--conformance", "-k", "POPUP-004", *CHECKS_MODULE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    wanted = "nextauth-conformance: NEXTAUTH_CONFORMANCE_CHROMIUM=*no-such-chromium is not an executable Chromium"
    result.stderr.fnmatch_lines([wanted + '*-m "not browser"'])
    everything = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in everything and everything.count("is not an executable Chromium") == 1


def test_without_a_browser_the_http_checks_still_run_when_browser_checks_are_left_out(
    pytester: pytest.Pytester, monkeypatch
) -> None:
    monkeypatch.setenv("NEXTAUTH_CONFORMANCE_CHROMIUM", str(pytester.path / "no-such-chromium"))
    result = pytester.runpytest_subprocess(
        "--conformance", "-k", "POPUP-004 or CSRF-001", "-m", "not browser", *CHECKS_MODULE
    )
    assert result.ret == pytest.ExitCode.OK


def test_report_header_names_the_browser_that_ran(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--conformance", "-k", "POPUP-004", "--report-json", "r.json", *CHECKS_MODULE
    )
    assert result.ret == pytest.ExitCode.OK
    header = json.loads((pytester.path / "r.json").read_text())["header"]
    assert header["browser"].startswith("browser: chromium ")
    result.stdout.fnmatch_lines(["browser: chromium *"])


def test_asyncio_runs_in_the_thread_that_ran_a_browser_check(stack: Stack) -> None:
    """Playwright's sync driver lives in its own thread, so an event loop here (an asyncio test in the same xdist
    worker) still starts after a browser check ran."""
    assert run(stack, "BROWSER-001").verdict == Verdict.PASS

    async def answer() -> str:
        await asyncio.sleep(0)
        return "ran"

    assert asyncio.run(answer()) == "ran"


def test_a_page_the_browser_cannot_reach_fails_at_once_naming_where_it_was_sent(stack: Stack) -> None:
    """The sign-in POST redirects to a port nobody listens on: the check says which URL it was sent to and where
    that led; the next check of the same run that heads there ends with that cause instead of trying again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"

    def to_dead_port(reply: Reply) -> None:
        location = reply.header("location")
        if location:
            reply.set_header("location", dead + urlsplit(location).path)

    configs = tuple(
        OAuthProviderConfig(
            pid, name, stack.mocks.issuer(v), stack.mocks.client_id(v), stack.mocks.client_secret(v) or ""
        )
        for pid, (v, name, _) in PROVIDERS.items()
    )
    app = Mutator(create_app(Settings(oauth_providers=configs)), "/signin/", to_dead_port, contains=True)
    with serve_in_thread(app) as url:
        ctx = stack.context(url)
        first = run_check(REGISTRY.get("BROWSER-003"), ctx, "google")
        second = run_check(REGISTRY.get("BROWSER-004"), ctx, "google")
    assert first.verdict == Verdict.FAIL, explain(first)
    assert f"could not reach {dead}/google/" in first.message, first.message
    assert f"sent to {url}/api/auth/signin/google, redirected to {dead}/google/" in first.message, first.message
    assert second.verdict == Verdict.FAIL, explain(second)
    assert f"not tried again: BROWSER-003[google] could not reach {dead}/google/" in second.message, second.message


def test_the_driver_starts_once_before_the_pools_and_outlives_a_relaunch() -> None:
    """`prepare` starts Playwright's driver (which copies os.environ) from the caller's turn, before the background
    pools; a relaunch with other certificate pins closes only the browser, so no later driver start happens in a
    background thread."""
    own = browser.SharedBrowser()
    try:
        own.prepare()
        driver = own._playwright
        assert driver is not None and own.browser is None
        first = own.start(frozenset({"AAAA"})).browser
        own.start(frozenset({"BBBB"}))
        assert own._playwright is driver and own.browser is not first
        assert own.driver.call(own.browser.is_connected) and not own.driver.call(first.is_connected)
    finally:
        own.stop()

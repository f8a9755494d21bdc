"""pytest plugin (entry point `pytest11: nextauth_conformance`): options, target resolution, reports.

Inert unless `--conformance` or `--target` is given, so a project's own tests never run the suite by
accident. When active it adds the packaged suite (`harness/suite`) to the collection, starts the embedded
reference server when there is no target, stops with one line when the target cannot be tested, and turns
the findings into the terminal summary and the reports (`harness.reports.formats`). No check logic lives here.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator
from concurrent.futures import Future
from pathlib import Path

import pytest

from harness import browser, fixtures, pool
from harness.browser_trust import run_trust
from harness.checks import schema_cases
from harness.checks.schema import from_the_spec_only
from harness.errors import HarnessError, TargetError, UsageError
from harness.findings import Finding, Verdict
from harness.fixtures import FINDING_KEY, RUN_KEY
from harness.mark_selection import can_select
from harness.options import add_options, resolve
from harness.registry import REGISTRY
from harness.reports import formats, report, team
from harness.run import Run

SUITE_DIR = Path(__file__).resolve().parent / "suite"
SCHEMA_SUITE = SUITE_DIR / "test_schema.py"
FINDING_PROPERTY = "nextauth_conformance_finding"
EXIT_TARGET_UNAVAILABLE = 10
STOP_KEY = pytest.StashKey[tuple[str, int]]()
LANES_KEY = pytest.StashKey[Future[None]]()
EXECUTED = frozenset({Verdict.PASS, Verdict.FAIL, Verdict.WARN, Verdict.WAIVED, Verdict.STALE_WAIVER})


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance_check(id): a conformance check run by the suite")
    config.addinivalue_line("markers", "browser: runs a real browser (Playwright)")
    for family in REGISTRY.families():  # `-m flow`, `-m "not rp"`: every suite item carries its family
        config.addinivalue_line("markers", f"{family}: conformance checks of the {family} family")
    try:
        options = resolve(config)
        if not options.active:
            return
        run = Run(options)
        run.load_waivers()
        team_reports = team.TeamReports(config, run)
    except UsageError as exc:
        raise pytest.UsageError(f"nextauth-conformance: {exc}") from None
    config.stash[RUN_KEY] = run
    if not hasattr(config, "workerinput") and not config.option.collectonly:
        run.spawn_embedded()
    _add_suite(config)
    config.pluginmanager.register(fixtures, "nextauth_conformance_fixtures")
    config.pluginmanager.register(FindingCollector(run), "nextauth_conformance_collector")
    config.pluginmanager.register(team_reports, "nextauth_conformance_team")


def _add_suite(config: pytest.Config) -> None:
    """Collect the packaged suite: instead of testpaths, or next to explicit paths outside it."""
    suite = str(SUITE_DIR)
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [suite]
        return
    targets_suite = any(
        Path(arg.split("::")[0]).resolve().is_relative_to(SUITE_DIR) or arg.startswith("harness.suite")
        for arg in config.args
    )
    if not targets_suite:
        config.args.append(suite)


def _run(config: pytest.Config) -> Run | None:
    return config.stash.get(RUN_KEY, None)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    run = _run(session.config)
    if run is None or session.config.option.collectonly:
        return
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        run.from_controller(workerinput["nextauth_conformance"])
        return
    try:
        run.start()
    except TargetError as exc:
        target = run.options.target or "the embedded server"
        _stop(session.config, f"nextauth-conformance: cannot test {target}: {exc}", EXIT_TARGET_UNAVAILABLE)
        return
    except HarnessError as exc:
        _stop(session.config, f"nextauth-conformance: {exc}", pytest.ExitCode.USAGE_ERROR)
        return
    if _may_select_browser_checks(session.config):  # the browsers start while pytest collects
        ctx = run.context()
        session.config.stash[LANES_KEY] = browser.start_lanes_soon(lambda: run_trust(ctx)[1])


def _may_select_browser_checks(config: pytest.Config) -> bool:
    """Whether this run (not distributed by xdist, no `-k`, no node ids) can select a browser check by its `-m`.
    Otherwise the lanes start as the first browser check needs them."""
    if config.option.keyword or getattr(config.option, "dist", "no") != "no":
        return False
    if any("::" in arg or Path(arg).resolve() == SCHEMA_SUITE for arg in config.args):
        return False
    return _may_select(config, "browser")


def _may_select(config: pytest.Config, family: str) -> bool:
    """Whether `-m` can select an item of `family`: the suite's items carry their family's marker (the browser
    family's is `browser`) and no other family's."""
    families = frozenset(REGISTRY.families())
    return can_select(config.option.markexpr or "", frozenset({family}), families - {family})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The schema module is not collected when `-m` cannot select its items: schemathesis draws their coverage
    cases while it collects (about a second of a `-m pages` run's two)."""
    if collection_path == SCHEMA_SUITE and _run(config) is not None and not _may_select(config, "schema"):
        return True
    return None


def _stop(config: pytest.Config, message: str, code: int) -> None:
    """End the run before any check with one line, printed once (pytest.exit prints it twice) and `code`.

    On an xdist worker, whose loop belongs to xdist, pytest.exit is still the way out."""
    if hasattr(config, "workerinput"):
        pytest.exit(message, returncode=code)
    config.stash[STOP_KEY] = (message, code)
    sys.stderr.write(f"{message}\n")


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    """A stopped run collects nothing."""
    return True if STOP_KEY in session.config.stash else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """A stopped run runs nothing (xdist's loop included)."""
    return True if STOP_KEY in session.config.stash else None


@pytest.hookimpl(trylast=True)  # after -m/-k deselection
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser checks asked for but no browser to run them: one line and a usage-error exit, not N/A."""
    if _run(config) is None:
        return
    pool.pooled_last(items)
    if config.option.collectonly:
        return
    lanes_started = config.stash.get(LANES_KEY, None)
    if lanes_started is not None:
        lanes_started.result()  # before any item runs: no Playwright driver starts beside pytest's env changes
    if any(item.get_closest_marker("browser") for item in items):
        try:
            browser.shared()
        except browser.NoBrowser as exc:
            items.clear()
            _stop(config, f"nextauth-conformance: {exc}; {browser.LEAVE_OUT_HINT}", pytest.ExitCode.USAGE_ERROR)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """xdist: hand the resolved target and profile to each worker (they never probe or start servers)."""
    run = _run(node.config)  # type: ignore[attr-defined]
    if run is not None:
        node.workerinput["nextauth_conformance"] = run.to_worker()  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = _run(config)
    if run is None or not run.target:
        return []
    return [
        f"nextauth-conformance: target {run.target}{' (embedded)' if run.embedded else ''}, "
        f"profile {run.profile_name} ({run.profile_reason})"
    ]


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """schemathesis draws the schema items' coverage cases while it collects them; these, like the cases the items
    draw when they run (below), come from the spec and the seed only (`from_the_spec_only`)."""
    with _spec_only(collector.path):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _spec_only(item.path):
        return (yield)


def _spec_only(path: Path) -> contextlib.AbstractContextManager[None]:
    return from_the_spec_only() if path == SCHEMA_SUITE else contextlib.nullcontext()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    rep = yield
    run = _run(item.config)
    if run is None or rep.when != "call" and not (rep.when == "setup" and rep.skipped):
        return rep
    finding = item.stash.get(FINDING_KEY, None)
    if finding is not None:
        rep.user_properties.append((FINDING_PROPERTY, finding.to_json()))
    return rep


class FindingCollector:
    """Collects findings from test reports (on the xdist controller they arrive from the workers)."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == FINDING_PROPERTY:
                self.run.findings.append(Finding.from_json(str(value)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if run is None or hasattr(session.config, "workerinput"):
        return
    stop = session.config.stash.get(STOP_KEY, None)
    if stop is not None:
        session.exitstatus = stop[1]
    if not run.target:
        return
    run.final_header = run.header()
    run.findings[:] = schema_cases.group_advisories(run.findings)
    if schema_cases.apply_waivers(run.findings, run.waivers) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    executed = sum(1 for f in run.findings if f.verdict in EXECUTED)
    if exitstatus == pytest.ExitCode.OK and executed == 0 and stop is None:
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
    _write_reports(run)


def _write_reports(run: Run) -> None:
    """Every chosen format of `harness.reports.formats`; a stdout format's file is recorded in the header."""
    header = run.final_header or run.header()
    formats.write_run(report.Report(header, report.sort_findings(run.findings)), run.options.reports)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    run = _run(terminalreporter.config)
    if run is None or hasattr(terminalreporter.config, "workerinput") or not run.findings:
        return
    header = run.final_header or run.header()
    terminalreporter.section("nextauth-conformance")
    terminalreporter.write_line(f"target {header['target']}; profile {header['profile']} ({header['profile_reason']})")
    terminalreporter.write_line(f"tools: {header['versions']}")
    if header.get("browser"):
        terminalreporter.write_line(str(header["browser"]))
    for line in report.terminal_lines(report.Report(header, report.sort_findings(run.findings))):
        terminalreporter.write_line(line)
    for line in formats.file_lines(run.options.reports):
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    browser.close_shared()
    run = _run(config)
    if run is not None:
        run.close()

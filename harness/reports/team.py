"""The "reports for teams" layer of the plugin: baseline, HAR files of failures, progress, stdout formats' lines.

Registered by `harness.plugin` when the suite is active (its options are declared in `harness.options`). It only
reads findings (and the item's stashed finding, to attach its HAR), so it works the same for every check family,
including ones added later. The report files themselves are written by the plugin from `harness.reports.formats`.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from harness import recorder
from harness.findings import FAILING, Finding
from harness.reports import baseline, formats, har, report
from harness.reports.progress import Progress
from harness.run import Run

FINDING_PROPERTY = "nextauth_conformance_finding"


class TeamReports:
    """pytest hooks for one active run (on the controller and on xdist workers)."""

    def __init__(self, config: pytest.Config, run: Run) -> None:
        opt = config.getoption
        self.config, self.run = config, run
        self.report_dir = Path(getattr(run.options, "report_dir", None) or opt("--report-dir") or "reports")
        self.redact = not opt("--no-redact")
        self.write_baseline = Path(opt("--write-baseline")) if opt("--write-baseline") else None
        self.baseline = baseline.load_baseline(opt("--baseline")) if opt("--baseline") else None
        self.comparison: baseline.Comparison | None = None
        self.other_failures = 0
        self.progress = Progress()
        self.pending: dict[str, list[Finding]] = {}

    @property
    def controller(self) -> bool:
        return not hasattr(self.config, "workerinput")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        """Record the exchanges of the check instance; keep them as a HAR file when it fails."""
        from harness.fixtures import FINDING_KEY

        with recorder.recording() as exchanges:
            try:
                return (yield)
            finally:
                finding = item.stash.get(FINDING_KEY, None)
                if finding is not None and finding.verdict in FAILING and exchanges:
                    secrets = [self.run.inputs.secret or "", *(self.run.inputs.credentials or ())[1:]]
                    path = har.write_har(
                        self.report_dir / "har", finding.key, exchanges, har.Redactor(self.redact, secrets)
                    )
                    finding.extra["har"] = str(path)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:
            self.progress.collect(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.progress.collect(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Progress per family; failures that carry no finding (a baseline never excuses those)."""
        if not self.controller:
            return
        findings = [Finding.from_json(str(v)) for k, v in report.user_properties if k == FINDING_PROPERTY]
        if report.failed and not findings:
            self.other_failures += 1
        self.pending.setdefault(report.nodeid, []).extend(findings)
        if report.when != "teardown":
            return
        line = self.progress.finished(report.nodeid, self.pending.pop(report.nodeid, []))
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if line and terminal is not None and self.config.get_verbosity() >= 0:
            terminal.ensure_newline()
            terminal.write_line(f"nextauth-conformance {line}")

    @pytest.hookimpl(tryfirst=True)  # before the plugin writes its reports, so they carry the baseline
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.controller or not self.run.target or not self.run.findings:
            return
        if self.baseline is not None:
            self.comparison = baseline.compare(self.run.findings, self.baseline)
            self.run.notes["baseline"] = self.comparison.summary()
            if exitstatus == pytest.ExitCode.TESTS_FAILED and not self.comparison.blocking and not self.other_failures:
                session.exitstatus = pytest.ExitCode.OK
        built = report.Report(self.run.header(), report.sort_findings(self.run.findings))
        if self.write_baseline is not None:
            self.write_baseline.parent.mkdir(parents=True, exist_ok=True)
            report.write_json(built, self.write_baseline)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.controller or not self.run.findings:
            return
        write = terminalreporter.write_line
        if self.comparison is not None:
            write(self.comparison.line())
            for kind in ("new", "worse", "fixed"):
                for key in getattr(self.comparison, kind):
                    write(f"  {kind:<6} {key}")
        if self.write_baseline is not None:
            write(f"baseline written: {self.write_baseline}")
        built = report.Report(self.run.final_header or self.run.header(), report.sort_findings(self.run.findings))
        for line in formats.stdout_lines(built, self.run.options.reports):
            write(line)

"""GitHub Actions output: `::error` annotations for failures and the Markdown report as the step summary.

Turned on by `--report-github`, or by itself when `GITHUB_STEP_SUMMARY` is set (a GitHub Actions step). The
summary is appended to `$GITHUB_STEP_SUMMARY` (or written to `<report-dir>/github-step-summary.md` outside
Actions); annotations go to stdout, where the runner turns them into inline errors on the run page.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from harness.findings import FAILING, Finding
from harness.reports import matrix
from harness.reports.matrix import Matrix
from harness.reports.report import Report, markdown
from harness.textsafe import printable

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, prefix: str = "") -> str:
    """`::error title=CSRF-001 ...::message` (workflow-command escaping for both parts)."""
    level = "error" if finding.verdict in FAILING else "warning"
    title = _escape_property(f"{prefix}{finding.key} {finding.title}")
    message = _escape_data(f"{finding.message} [{finding.clause}]" + (f"\n{finding.curl}" if finding.curl else ""))
    return f"::{level} title={title}::{message}"


def annotation_lines(
    findings: Iterable[Finding], *, blocking_only: Iterable[str] | None = None, prefix: str = ""
) -> list[str]:
    """One annotation per failing finding; with a baseline, only for the ones that fail the run."""
    wanted = set(blocking_only) if blocking_only is not None else None
    return [annotation(f, prefix) for f in findings if f.verdict in FAILING and (wanted is None or f.key in wanted)]


def write_summary(markdown: str, report_dir: Path) -> Path:
    """Append to `$GITHUB_STEP_SUMMARY`, or write `<report_dir>/github-step-summary.md`; the path used."""
    target = os.environ.get(SUMMARY_ENV)
    path = Path(target) if target else report_dir / "github-step-summary.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if target else "w", encoding="utf-8") as out:
        out.write(markdown)
    return path


def write_run_summary(report: Report, report_dir: Path) -> Path:
    """A run's Markdown report as the step summary (artifact links as recorded, not relative)."""
    return write_summary(markdown(report), report_dir)


def run_annotations(report: Report) -> list[str]:
    """A run's annotations; with a baseline, only for the failures that fail the run (new, worse, stale)."""
    summary = report.header.get("baseline")
    blocking = None
    if isinstance(summary, dict):
        blocking = [*summary.get("new", []), *summary.get("worse", []), *summary.get("stale_waivers", [])]
    return annotation_lines(report.findings, blocking_only=blocking)


def write_matrix_summary(built: Matrix, report_dir: Path) -> Path:
    """The matrix (and the comparison, in differential mode) as the step summary."""
    return write_summary(matrix.markdown(built.entries) + built.markdown_suffix, report_dir)


def matrix_annotations(built: Matrix) -> list[str]:
    """Every target's failures, each annotation naming its target."""
    lines = []
    for entry in built.entries:
        findings = [matrix.finding(f) for f in (entry.get("report") or {}).get("findings", [])]
        lines += annotation_lines(findings, prefix=f"{entry['name']}: ")
    return lines

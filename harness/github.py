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
from harness.textsafe import printable

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def enabled(flag: bool) -> bool:
    return flag or bool(os.environ.get(SUMMARY_ENV))


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

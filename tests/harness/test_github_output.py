"""GitHub Actions output and progress lines, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.findings import Finding
from harness.reports.github import annotation
from tests.harness.breakages import BREAKAGES
from tests.harness.cli_runs import PROVIDERS, run_cli
from tests.harness.conftest import Switchable

pytestmark = pytest.mark.timeout(3600)  # a CLI run; the machine may be shared


def test_annotation_escapes_workflow_command_characters() -> None:
    finding = Finding("SEC-001", "No open redirect, ever", "RFC-1", "high", "security", "fail", param="a,b")
    finding.message, finding.curl = "50% of\nredirects: bad", "curl -i x"
    line = annotation(finding)
    assert line.startswith("::error title=SEC-001[a%2Cb] No open redirect%2C ever::")
    assert line.endswith("50% of%0Aredirects: bad [RFC-1]%0Acurl -i x".replace("50%", "50%25"))


def test_step_summary_annotations_and_progress(tmp_path: Path, broken: tuple[str, Switchable]) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["PROV-003"])
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    done = run_cli(tmp_path, "check", "--target", url, *PROVIDERS, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1, done.text
    assert "::error title=PROV-003 " in done.out and "::error title=PROV-001" not in done.out
    assert "nextauth-conformance [1/1] family providers done: 3 items, 1 fail, 2 pass" in done.out
    text = summary.read_text()
    assert text.startswith("earlier step\n## nextauth-conformance") and "### fail: `PROV-003`" in text
    forced = run_cli(tmp_path, "check", "--target", url, *PROVIDERS, "--report-github", "-q")
    assert "::error title=PROV-003 " in forced.out and "family providers done" not in forced.out
    assert "### fail: `PROV-003`" in (tmp_path / "reports" / "github-step-summary.md").read_text()

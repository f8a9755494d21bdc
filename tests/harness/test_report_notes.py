"""A passing check's message (a pass note) reaches the terminal summary and the Markdown report."""

from __future__ import annotations

from harness.findings import Finding, Verdict
from harness.reports import report


def finding(verdict: Verdict, message: str) -> Finding:
    return Finding("POPUP-005", "t", "HTML-coop", "medium", "browser", verdict, param="error", message=message)


def test_pass_notes_are_listed_and_silent_passes_are_not() -> None:
    built = report.Report(
        {"target": "http://127.0.0.1:1"},
        [finding(Verdict.PASS, "fallback channel: BroadcastChannel 'oauth'"), finding(Verdict.PASS, "")],
    )
    notes = [line for line in report.terminal_lines(built) if line.startswith("NOTE")]
    assert notes == ["NOTE         POPUP-005[error] [HTML-coop] fallback channel: BroadcastChannel 'oauth'"]
    text = report.markdown(built)
    assert "### Notes on passing checks" in text
    assert "- `POPUP-005[error]` [`HTML-coop`]: fallback channel: BroadcastChannel 'oauth'" in text

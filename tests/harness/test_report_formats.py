"""The table of report formats is the one place a format is named: the options of `check`, `check --targets` and
`merge`, the write step of a run and of the matrix, and the terminal lines all come from it (no servers needed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import check_usage
from harness.findings import Finding, Severity, Verdict
from harness.fleet import commands
from harness.reports import formats, matrix, report


def _failing_report() -> report.Report:
    failure = Finding(
        check_id="CSRF-001", title="csrf answers a token", clause="AUTHJS-csrf", severity=Severity.HIGH,
        family="csrf", action="csrf", verdict=Verdict.FAIL, message="no token",
    )  # fmt: skip
    return report.Report({"target": "http://x", "profile": "documented", "wall_time": 1.0}, [failure])


def test_every_format_has_its_options_in_check_help_the_fleet_and_merge(tmp_path: Path) -> None:
    help_text = check_usage.help_text()
    fleet_args, _ = commands.parser().parse_known_args(
        [a for f in formats.FORMATS for a in ([f.option] if f.stdout else [f.option, str(tmp_path / f.name)])]
    )
    chosen = formats.chosen(vars(fleet_args), tmp_path)
    for fmt in formats.FORMATS:
        assert fmt.option in help_text and fmt.help.split(" (")[0] in " ".join(help_text.split())
        assert chosen[fmt.name] == (tmp_path if fmt.stdout else tmp_path / fmt.name)
    assert formats.FILE_FORMATS and all(not f.stdout for f in formats.FILE_FORMATS)


def test_a_run_is_written_in_every_chosen_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    built = _failing_report()
    paths = {f.name: tmp_path / "out" / f"r.{f.name}" for f in formats.FILE_FORMATS}
    destinations = {**paths, **{f.name: tmp_path / "dir" for f in formats.FORMATS if f.stdout}}
    formats.write_run(built, destinations)
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [f["key"] for f in document["findings"]] == ["CSRF-001"]
    assert ET.parse(paths["junit"]).getroot().get("failures") == "1"
    assert "### fail: `CSRF-001`" in paths["markdown"].read_text(encoding="utf-8")
    for fmt in formats.FORMATS:
        if fmt.stdout:  # written first, so the file formats' header says where its file went
            summary = Path(document["header"][f"{fmt.name}_summary"])
            assert summary.parent == tmp_path / "dir" and "CSRF-001" in summary.read_text(encoding="utf-8")
    lines = formats.file_lines(destinations) + formats.stdout_lines(built, destinations)
    assert f"JSON report: {paths['json']}" in lines
    assert any(line.startswith("::error title=CSRF-001") for line in lines)


def test_the_matrix_is_written_in_every_chosen_format(tmp_path: Path) -> None:
    entry = {"name": "a", "url": "http://x", "profile": "documented", "returncode": 1, "error": "",
             "report": report.json_document(_failing_report())}  # fmt: skip
    built = matrix.Matrix([entry], {"compare": {"breaking": 0}}, "\ncomparison follows\n")
    paths = {f.name: tmp_path / f"m.{f.name}" for f in formats.FILE_FORMATS}
    lines = formats.write_matrix(built, {**paths, **{f.name: tmp_path for f in formats.FORMATS if f.stdout}})
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["compare"] == {"breaking": 0}
    assert [s.get("name") for s in ET.parse(paths["junit"]).getroot()] == ["a"]
    assert paths["markdown"].read_text(encoding="utf-8").endswith("comparison follows\n")
    assert any(line.startswith("::error title=a%3A CSRF-001") for line in lines)

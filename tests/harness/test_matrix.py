"""The matrix report from target entries: generic rows, cells, exit codes, merge input (no servers needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import UsageError
from harness.reports import matrix


def _finding(check_id: str, verdict: str, action: str = "", param: str = "") -> dict[str, Any]:
    key = f"{check_id}[{param}]" if param else check_id
    return {"key": key, "check_id": check_id, "verdict": verdict, "action": action, "param": param,
            "title": "t", "clause": "c", "severity": "high", "family": "f"}  # fmt: skip


def _entry(name: str, findings: list[dict[str, Any]], code: int = 0) -> dict[str, Any]:
    summary: dict[str, int] = {}
    for f in findings:
        summary[f["verdict"]] = summary.get(f["verdict"], 0) + 1
    return {"name": name, "url": "http://x", "profile": "documented", "returncode": code,
            "report": {"header": {}, "summary": summary, "findings": findings}}  # fmt: skip


def test_cells_name_failing_ids_and_new_actions_get_their_own_row() -> None:
    entries = [
        _entry("a", [_finding("CB-003", "fail", "callback", "google"), _finding("CB-003", "fail", "callback", "x")], 1),
        _entry("b", [_finding("NEW-001", "pass", "brand-new-action"), _finding("CSRF-001", "pass", "csrf")]),
        {"name": "c", "url": "http://down", "profile": "documented", "returncode": 10, "error": "refused"},
    ]
    text = matrix.markdown(entries)
    assert "| callback/{oauth} | **fail** (CB-003×2) | n/a | unavailable |" in text
    assert "| brand-new-action | n/a | pass | unavailable |" in text
    assert "| csrf | n/a | pass | unavailable |" in text
    assert matrix.exit_code(entries) == 1
    assert matrix.exit_code(entries[1:]) == 10 and matrix.exit_code([entries[1]]) == 0


def test_merge_reads_matrix_and_single_reports_and_rejects_duplicates(tmp_path: Path) -> None:
    matrix.write_json(matrix.Matrix([_entry("a", [])]), tmp_path / "m.json")
    single = {"header": {"target": "http://y", "profile": "algapsa"}, "findings": [_finding("X-001", "fail")]}
    (tmp_path / "staging.json").write_text(json.dumps(single))
    entries = matrix.load_entries([tmp_path / "m.json", tmp_path / "staging.json"])
    assert [(e["name"], e["returncode"]) for e in entries] == [("a", 0), ("staging", 1)]
    with pytest.raises(UsageError, match="more than one report"):
        matrix.load_entries([tmp_path / "m.json", tmp_path / "m.json"])

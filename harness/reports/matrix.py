"""The matrix report of many targets: actions x targets with the failing ids (terminal, JSON, Markdown, JUnit).

The data is a list of target entries (`{"name", "url", "profile", "returncode", "error", "report"}`, the
report being that target's JSON report), so `nextauth-conformance merge` renders sharded runs the same way.
Rows are the `/api/auth/*` actions in the API page's order; an action no row names (a new family's) gets its
own row, so the matrix follows the registry without edits here.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness import textsafe
from harness.errors import UsageError
from harness.findings import FAILING, Finding
from harness.jsonfile import read_json
from harness.reports import report
from harness.textsafe import md_text, one_line

KIND = "nextauth-conformance-matrix"
RAN = ("pass", "warn", "waived")
ROWS = (
    "csrf",
    "providers",
    "session",
    "signin",
    "signout",
    "error",
    "verify-request",
    "webauthn-options",
    "callback/credentials",
    "callback/{oauth}",
    "callback/email",
    "unknown action",
    "cross-cutting",
)
#: A finding's `action` -> row (actions not listed get a row of their own).
BY_ACTION = {
    "signin-provider": "signin",
    "callback": "callback/{oauth}",
    "callback-credentials": "callback/credentials",
    "callback-email": "callback/email",
    "callback-unknown": "unknown action",
    "unknown-action": "unknown action",
    "": "cross-cutting",
}
#: Checks whose `callback` action is not an OAuth callback.
BY_CHECK = {"CB-001": "callback/credentials", "CB-002": "unknown action"}
TOTALS = ("pass", "fail", "not-applicable", "warn")


@dataclass
class Matrix:
    """What the matrix writers write: the target entries, extra top-level JSON fields (`compare`), and Markdown
    that follows the table (the comparison, in differential mode)."""

    entries: Sequence[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)
    markdown_suffix: str = ""


def row_of(finding: dict[str, Any]) -> str:
    action = finding.get("action") or ""
    return BY_CHECK.get(finding["check_id"]) or BY_ACTION.get(action, action)


def failing_ids(findings: Iterable[dict[str, Any]]) -> str:
    """`CB-003×3, POPUP-001` (×N: N instances of the check failed)."""
    counts = Counter(f["check_id"] for f in findings if f["verdict"] in FAILING)
    return ", ".join(f"{cid}×{n}" if n > 1 else cid for cid, n in sorted(counts.items()))


def cell(findings: Sequence[dict[str, Any]], *, bold: bool = True) -> str:
    ids = failing_ids(findings)
    if ids:
        return f"**fail** ({ids})" if bold else f"fail ({ids})"
    return "pass" if any(f["verdict"] in RAN for f in findings) else "n/a"


def column(entry: dict[str, Any]) -> str:
    return str(entry.get("title") or f"{entry['name']}<br>{entry.get('profile', '')}")


def rows(entries: Sequence[dict[str, Any]]) -> list[str]:
    seen = [row_of(f) for e in entries for f in (e.get("report") or {}).get("findings", [])]
    return [*ROWS, *sorted(set(seen) - set(ROWS))]


def _cells(entries: Sequence[dict[str, Any]], bold: bool) -> dict[str, list[str]]:
    by_cell: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        for finding in (entry.get("report") or {}).get("findings", []):
            by_cell[row_of(finding), entry["name"]].append(finding)
    table = {}
    for row in rows(entries):
        table[row] = [cell(by_cell[row, e["name"]], bold=bold) if e.get("report") else "unavailable" for e in entries]
    return table


def totals(entry: dict[str, Any]) -> str:
    if not entry.get("report"):
        return f"exit {entry.get('returncode')}: {entry.get('error') or 'no report'}"
    summary = entry["report"].get("summary", {})
    return ", ".join(f"{summary.get(v, 0)} {v}" for v in TOTALS)


def markdown(entries: Sequence[dict[str, Any]], title: str = "## nextauth-conformance matrix") -> str:
    lines = [
        title,
        "",
        "| action | " + " | ".join(md_text(column(e)).replace("\\<br\\>", "<br>") for e in entries) + " |",
        "|---|" + "---|" * len(entries),
    ]
    lines += [f"| {row} | " + " | ".join(cells) + " |" for row, cells in _cells(entries, bold=True).items()]
    lines.append("| *checks* | " + " | ".join(md_text(totals(e)) for e in entries) + " |")
    lines.append("| *exit* | " + " | ".join(str(e.get("returncode")) for e in entries) + " |")
    return "\n".join(lines) + "\n"


def terminal_lines(entries: Sequence[dict[str, Any]]) -> list[str]:
    width = max([len(r) for r in rows(entries)] + [8]) + 2
    names = [e["name"] for e in entries]
    colw = max([len(n) for n in names] + [11]) + 2
    lines = [f"{'action':<{width}}" + "".join(f"{n:<{colw}}" for n in names)]
    for row, cells in _cells(entries, bold=False).items():
        lines.append(f"{row:<{width}}" + "".join(f"{c.split(' ')[0]:<{colw}}" for c in cells))
    lines.append("")
    for entry in entries:
        failing = failing_ids((entry.get("report") or {}).get("findings", []))
        lines.append(
            one_line(
                f"{entry['name']} ({entry.get('url')}, {entry.get('profile')}): exit {entry.get('returncode')}; "
                f"{totals(entry)}" + (f"; failing: {failing}" if failing else "")
            )
        )
    return lines


def finding(data: dict[str, Any]) -> Finding:
    known = {f.name for f in fields(Finding)}
    return Finding(**{k: v for k, v in data.items() if k in known})


def write_junit(built: Matrix, path: Path) -> None:
    """<testsuites> with one <testsuite> per target (a target that could not be tested: one error case)."""
    suites = ET.Element("testsuites", name="nextauth-conformance matrix")
    for entry in built.entries:
        if entry.get("report"):
            one = report.Report(entry["report"].get("header", {}), [finding(f) for f in entry["report"]["findings"]])
            suites.append(report.junit_suite(one, entry["name"]))
            continue
        name = one_line(str(entry["name"]))
        suite = ET.SubElement(suites, "testsuite", name=name, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="conformance.target", name="preflight")
        ET.SubElement(case, "error", message=one_line(str(entry.get("error") or f"exit {entry.get('returncode')}")))
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def document(entries: Sequence[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"kind": KIND, "targets": list(entries), **extra}


def write_json(built: Matrix, path: Path) -> None:
    path.write_text(json.dumps(textsafe.data(document(built.entries, **built.extra)), indent=1), encoding="utf-8")


def write_markdown(built: Matrix, path: Path) -> None:
    path.write_text(markdown(built.entries) + built.markdown_suffix, encoding="utf-8")


def exit_code(entries: Sequence[dict[str, Any]]) -> int:
    """1 when a target failed; else the first other non-zero code (10 unavailable, 4 usage, 3, 2); 5 if none ran."""
    codes = [int(e.get("returncode") or 0) for e in entries]
    for code in (1, 10, 4, 3, 2):
        if code in codes:
            return code
    return 5 if codes and all(c == 5 for c in codes) else 0


def load_entries(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """Target entries from matrix JSON files or single-run JSON reports (named after the file); for `merge`."""
    entries: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        data = read_json(path, "report")
        if isinstance(data, dict) and data.get("kind") == KIND and isinstance(data.get("targets"), list):
            entries += data["targets"]
        elif isinstance(data, dict) and isinstance(data.get("findings"), list) and isinstance(data.get("header"), dict):
            head = data["header"]
            code = 1 if any(f.get("verdict") in FAILING for f in data["findings"]) else 0
            entries.append(
                {
                    "name": path.stem,
                    "url": head.get("target"),
                    "profile": head.get("profile"),
                    "returncode": code,
                    "error": "",
                    "report": data,
                }
            )
        else:
            raise UsageError(f"report {path} is neither a matrix nor a nextauth-conformance JSON report")
    names = [e.get("name") for e in entries]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UsageError(f"merge: the target name {duplicate!r} appears in more than one report")
    return entries

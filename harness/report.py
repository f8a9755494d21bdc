"""Reports from the collected findings: terminal tables, JSON, JUnit XML and Markdown (CI step summary).

Every format carries the header (target, profile and why, tool versions, wall time) and, per failure, the
clause, the expected and received values and a curl line to reproduce it. The terminal and Markdown also
list the notes of passing checks (what a pass did not prove, or what it saw: POPUP-005's fallback channel).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.findings import Finding, Verdict

COLUMNS = (Verdict.PASS, Verdict.FAIL, Verdict.WARN, Verdict.NOT_APPLICABLE, Verdict.WAIVED, Verdict.STALE_WAIVER)


@dataclass
class Report:
    """The findings of one run plus its header."""

    header: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(f.verdict for f in self.findings)

    def grouped(self, attribute: str) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for finding in self.findings:
            table[getattr(finding, attribute) or "-"][finding.verdict] += 1
        return dict(sorted(table.items()))

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict in (Verdict.FAIL, Verdict.STALE_WAIVER, Verdict.WARN)]

    def notes(self) -> list[Finding]:
        """Passes that say what the pass did not show or what was seen (POPUP-005's fallback channel)."""
        return [f for f in self.findings if f.verdict == Verdict.PASS and f.message]


def _table(title: str, rows: dict[str, Counter[str]]) -> list[str]:
    head = f"{title:<22}" + "".join(f"{c:>15}" for c in COLUMNS)
    lines = [head, "-" * len(head)]
    lines += [f"{name:<22}" + "".join(f"{counts.get(c, 0):>15}" for c in COLUMNS) for name, counts in rows.items()]
    return lines


def terminal_lines(report: Report) -> list[str]:
    """The summary printed at the end of a run."""
    lines = _table("family", report.grouped("family")) + [""] + _table("action", report.grouped("action"))
    counts = report.counts()
    lines += [
        "",
        "verdicts: "
        + ", ".join(f"{counts.get(c, 0)} {c}" for c in COLUMNS)
        + f"; wall time {report.header.get('wall_time', 0):.2f}s",
    ]
    for finding in report.problems():
        mark = f" ({finding.extra['baseline']} in baseline)" if finding.extra.get("baseline") else ""
        lines.append(f"{finding.verdict.upper():<12} {finding.key}{mark} [{finding.clause}] {finding.message}")
    lines += [f"{'NOTE':<12} {f.key} [{f.clause}] {f.message}" for f in report.notes()]
    return lines


def write_json(report: Report, path: Path) -> None:
    data = {
        "header": report.header,
        "summary": dict(report.counts()),
        "findings": [{"key": f.key, **asdict(f)} for f in report.findings],
    }
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")


def _failure_text(finding: Finding) -> str:
    return (
        f"{finding.message}\nClause: {finding.clause}\nExpected: {json.dumps(finding.expected, default=str)}\n"
        f"Received: {json.dumps(finding.received, default=str)}\nReproduce with:\n    {finding.curl}"
    )


def write_junit(report: Report, path: Path) -> None:
    """One <testcase> per check instance: fail/stale -> failure, N/A and waived -> skipped, warn -> system-out."""
    ET.ElementTree(junit_suite(report)).write(path, encoding="utf-8", xml_declaration=True)


def junit_suite(report: Report, name: str = "nextauth-conformance") -> ET.Element:
    """The <testsuite> of one run (the matrix report puts one per target under <testsuites>)."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(report.findings)),
        failures=str(counts[Verdict.FAIL] + counts[Verdict.STALE_WAIVER]),
        skipped=str(counts[Verdict.NOT_APPLICABLE] + counts[Verdict.WAIVED]),
        time=f"{report.header.get('wall_time', 0):.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in report.header.items():
        ET.SubElement(props, "property", name=key, value=str(value))
    for finding in report.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"conformance.{finding.family}",
            name=finding.key,
            time=f"{finding.duration:.3f}",
        )
        if finding.verdict in (Verdict.FAIL, Verdict.STALE_WAIVER):
            ET.SubElement(case, "failure", message=f"{finding.title}: {finding.message}").text = _failure_text(finding)
        elif finding.verdict == Verdict.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", message=f"not applicable: {finding.reason}")
        elif finding.verdict == Verdict.WAIVED:
            ET.SubElement(case, "skipped", message=f"waived: {finding.extra.get('waiver', '')}")
        elif finding.verdict == Verdict.WARN:
            ET.SubElement(case, "system-out").text = "WARNING (advisory)\n" + _failure_text(finding)
    return suite


def _link(path: str, folder: Path | None) -> str:
    """A Markdown link to an artifact, relative to the Markdown file's folder when known."""
    where = os.path.relpath(Path(path).resolve(), folder.resolve()) if folder else path
    return f"[{Path(path).name}]({Path(where).as_posix()})"


def _baseline_lines(summary: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{len(summary.get(k, []))} {k.replace('_', ' ')}" for k in ("new", "worse", "known", "fixed"))
    lines = ["", f"**Baseline**: {counts}."]
    for kind in ("new", "worse", "fixed"):
        if summary.get(kind):
            lines.append(f"- {kind}: " + ", ".join(f"`{key}`" for key in summary[kind]))
    return lines


def markdown(report: Report, folder: Path | None = None) -> str:
    """A Markdown summary for `$GITHUB_STEP_SUMMARY`; artifact links are relative to `folder`."""
    head = report.header
    counts = report.counts()
    out = [
        f"## nextauth-conformance: {head.get('target')}",
        "",
        f"Profile **{head.get('profile')}** ({head.get('profile_reason')}); {head.get('versions')}; "
        f"wall time {head.get('wall_time', 0):.2f}s" + (f"; {head['browser']}" if head.get("browser") else ""),
        "",
        "| " + " | ".join(str(c) for c in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        "| " + " | ".join(str(counts.get(c, 0)) for c in COLUMNS) + " |",
        "",
    ]
    out += ["| family | " + " | ".join(str(c) for c in COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    out += [
        f"| {name} | " + " | ".join(str(row.get(c, 0)) for c in COLUMNS) + " |"
        for name, row in report.grouped("family").items()
    ]
    if isinstance(head.get("baseline"), dict):
        out += _baseline_lines(head["baseline"])
    for finding in report.problems():
        mark = f" ({finding.extra['baseline']} in baseline)" if finding.extra.get("baseline") else ""
        out += [
            "",
            f"### {finding.verdict}: `{finding.key}` {finding.title}{mark}",
            "",
            f"- clause: `{finding.clause}`",
            f"- {finding.message}",
            *([f"- session from: {finding.extra['session']}"] if finding.extra.get("session") else []),
            *([f"- exchanges (HAR): {_link(finding.extra['har'], folder)}"] if finding.extra.get("har") else []),
            f"- expected: `{json.dumps(finding.expected, default=str)[:300]}`",
            f"- received: `{json.dumps(finding.received, default=str)[:300]}`",
            "",
            "```sh",
            finding.curl,
            "```",
        ]
    if report.notes():
        out += ["", "### Notes on passing checks", ""]
        out += [f"- `{f.key}` [`{f.clause}`]: {f.message}" for f in report.notes()]
    return "\n".join(out) + "\n"


def write_markdown(report: Report, path: Path) -> None:
    path.write_text(markdown(report, path.parent), encoding="utf-8")


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.family, f.check_id, f.param))

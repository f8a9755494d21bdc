"""Reports from the collected findings: terminal tables, JSON, JUnit XML and Markdown (CI step summary).

Every format carries the header (target, profile and why, tool versions, wall time) and, per failure, the
clause, the expected and received values and a curl line to reproduce it. The terminal and Markdown also
list the notes of passing checks (what a pass did not prove, or what it saw: POPUP-005's fallback channel).
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import textsafe
from harness.findings import Finding, Verdict
from harness.textsafe import md_code, md_fence, md_text, one_line

#: The JSON report's format version: bumped when a field changes meaning or goes away (new fields do not).
JSON_FORMAT = "nextauth-conformance-report/1"
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


_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")


@dataclass
class NotApplicableGroup:
    """Not-applicable instances that one input would enable (the options their reasons name), or one reason."""

    options: tuple[str, ...]
    reason: str
    keys: list[str] = field(default_factory=list)

    @property
    def enable(self) -> str:
        return " or ".join(self.options) if self.options else "(no option: the target decides)"

    def preview(self, count: int = 4) -> str:
        more = len(self.keys) - count
        return ", ".join(self.keys[:count]) + (f", +{more} more" if more > 0 else "")


def not_applicable_groups(report: Report) -> list[NotApplicableGroup]:
    """Not-applicable findings grouped by the options their reasons name (else by check, with its first
    reason: what the target itself does decides those), largest first."""
    groups: dict[tuple[str, ...] | str, NotApplicableGroup] = {}
    for finding in report.findings:
        if finding.verdict != Verdict.NOT_APPLICABLE:
            continue
        reason = one_line(finding.reason or finding.message or "no reason given")
        options = tuple(dict.fromkeys(_OPTION.findall(reason)))
        group = groups.setdefault(options or finding.check_id, NotApplicableGroup(options, reason))
        group.keys.append(finding.key)
    return sorted(groups.values(), key=lambda g: (-len(g.keys), g.enable, g.reason))


def not_applicable_lines(report: Report) -> list[str]:
    """The terminal's not-applicable section: one line per group, the option first."""
    groups = not_applicable_groups(report)
    if not groups:
        return []
    lines = ["", f"not applicable ({sum(len(g.keys) for g in groups)}), by what would enable them:"]
    for group in groups:
        lines.append(one_line(f"{len(group.keys):>5}  {group.enable}: {group.reason[:160]} [{group.preview()}]"))
    return lines


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
        line = f"{finding.verdict.upper():<12} {finding.key}{mark} [{finding.clause}] {finding.message}"
        lines.append(one_line(line))
    lines += [one_line(f"{'NOTE':<12} {f.key} [{f.clause}] {f.message}") for f in report.notes()]
    return lines + not_applicable_lines(report)


def write_json(report: Report, path: Path) -> None:
    path.write_text(json.dumps(json_document(report), indent=2), encoding="utf-8")


def json_document(report: Report) -> dict[str, Any]:
    """The JSON report: `format` names its version; every string is printable (no lone surrogates)."""
    data = {
        "format": JSON_FORMAT,
        "header": report.header,
        "summary": dict(report.counts()),
        "findings": [{"key": f.key, **asdict(f)} for f in report.findings],
    }
    cleaned: dict[str, Any] = textsafe.data(data)
    return cleaned


def _failure_text(finding: Finding) -> str:
    return textsafe.printable(
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
        name=one_line(name),
        tests=str(len(report.findings)),
        failures=str(counts[Verdict.FAIL] + counts[Verdict.STALE_WAIVER]),
        skipped=str(counts[Verdict.NOT_APPLICABLE] + counts[Verdict.WAIVED]),
        time=f"{report.header.get('wall_time', 0):.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in report.header.items():
        ET.SubElement(props, "property", name=one_line(key), value=one_line(str(value)))
    for finding in report.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=one_line(f"conformance.{finding.family}"),
            name=one_line(finding.key),
            time=f"{finding.duration:.3f}",
        )
        if finding.verdict in (Verdict.FAIL, Verdict.STALE_WAIVER):
            failure = ET.SubElement(case, "failure", message=one_line(f"{finding.title}: {finding.message}"))
            failure.text = _failure_text(finding)
        elif finding.verdict == Verdict.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", message=one_line(f"not applicable: {finding.reason}"))
        elif finding.verdict == Verdict.WAIVED:
            ET.SubElement(case, "skipped", message=one_line(f"waived: {finding.extra.get('waiver', '')}"))
        elif finding.verdict == Verdict.WARN:
            ET.SubElement(case, "system-out").text = "WARNING (advisory)\n" + _failure_text(finding)
    return suite


def _link(path: str, folder: Path | None) -> str:
    """A Markdown link to an artifact, relative to the Markdown file's folder when known."""
    where = os.path.relpath(Path(path).resolve(), folder.resolve()) if folder else path
    target = one_line(Path(where).as_posix())
    if re.search(r"[\s()<>]", target):  # CommonMark: such a destination needs the <...> form
        target = "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
    return f"[{md_text(Path(path).name)}]({target})"


def _baseline_lines(summary: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{len(summary.get(k, []))} {k.replace('_', ' ')}" for k in ("new", "worse", "known", "fixed"))
    lines = ["", f"**Baseline**: {counts}."]
    for kind in ("new", "worse", "fixed"):
        if summary.get(kind):
            lines.append(f"- {kind}: " + ", ".join(md_code(str(key)) for key in summary[kind]))
    return lines


def markdown(report: Report, folder: Path | None = None) -> str:
    """A Markdown summary for `$GITHUB_STEP_SUMMARY`; artifact links are relative to `folder`.

    What the target chose (keys, messages, values) goes through `textsafe`: escaped prose or code spans."""
    head = report.header
    counts = report.counts()
    browser = f"; {md_text(str(head['browser']))}" if head.get("browser") else ""
    out = [
        f"## nextauth-conformance: {md_text(str(head.get('target')))}",
        "",
        f"Profile **{md_text(str(head.get('profile')))}** ({md_text(str(head.get('profile_reason')))}); "
        f"{md_text(str(head.get('versions')))}; wall time {head.get('wall_time', 0):.2f}s{browser}",
        "",
        "| " + " | ".join(str(c) for c in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        "| " + " | ".join(str(counts.get(c, 0)) for c in COLUMNS) + " |",
        "",
    ]
    out += ["| family | " + " | ".join(str(c) for c in COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    out += [
        f"| {md_text(name)} | " + " | ".join(str(row.get(c, 0)) for c in COLUMNS) + " |"
        for name, row in report.grouped("family").items()
    ]
    if isinstance(head.get("baseline"), dict):
        out += _baseline_lines(head["baseline"])
    for finding in report.problems():
        mark = f" ({finding.extra['baseline']} in baseline)" if finding.extra.get("baseline") else ""
        out += [
            "",
            f"### {finding.verdict}: {md_code(finding.key)} {md_text(finding.title)}{md_text(mark)}",
            "",
            f"- clause: {md_code(finding.clause)}",
            f"- {md_text(finding.message)}",
            *([f"- session from: {md_text(str(finding.extra['session']))}"] if finding.extra.get("session") else []),
            *([f"- exchanges (HAR): {_link(finding.extra['har'], folder)}"] if finding.extra.get("har") else []),
            f"- expected: {md_code(json.dumps(finding.expected, default=str)[:300])}",
            f"- received: {md_code(json.dumps(finding.received, default=str)[:300])}",
            "",
            *md_fence(finding.curl, "sh"),
        ]
    groups = not_applicable_groups(report)
    if groups:
        out += ["", "### Not applicable, by what would enable them", ""]
        out += ["| checks | enable with | reason (first) | instances |", "|---|---|---|---|"]
        out += [
            f"| {len(g.keys)} | {md_text(g.enable)} | {md_text(g.reason)} | {md_text(g.preview())} |" for g in groups
        ]
    if report.notes():
        out += ["", "### Notes on passing checks", ""]
        out += [f"- {md_code(f.key)} [{md_code(f.clause)}]: {md_text(f.message)}" for f in report.notes()]
    return "\n".join(out) + "\n"


def write_markdown(report: Report, path: Path) -> None:
    path.write_text(markdown(report, path.parent), encoding="utf-8")


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.family, f.check_id, f.param))

"""Every report writer stays valid whatever a target answers: control bytes, invalid UTF-8, a 10 KB value.

The files are read back with the standard parsers a CI step uses: ElementTree for JUnit, markdown-it-py (a
CommonMark renderer) for Markdown, json for JSON, each decoded as strict UTF-8.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from markdown_it import MarkdownIt

from harness import textsafe
from harness.findings import Finding, Verdict
from harness.reports import formats, matrix, report

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f\x9b\x1b[31m"
INVALID_UTF8 = b"caf\xe9 \xff\xfe \xc3".decode("utf-8", "surrogateescape")
MARKDOWN_TRAPS = "`` ``` | <script>alert(1)</script> # heading\n- item\n1. one ]]> &amp; *em* [link](x)"
BIG = "A" * 10_240
EVIL = f"{CONTROL}|{INVALID_UTF8}|{MARKDOWN_TRAPS}"
FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def evil_findings() -> list[Finding]:
    """One finding per verdict, every free-text field carrying what a fuzzed target can send back."""
    base = {"title": f"title {EVIL}", "clause": f"clause {CONTROL}", "severity": "high", "family": "schema"}
    return [
        Finding(
            check_id="SCHEMA-002",
            param=f"GET /api/auth/csrf?q={EVIL}{BIG}",
            verdict=Verdict.FAIL,
            action="csrf",
            message=f"answered 500 for {EVIL}\n{BIG}",
            expected={"status": "< 500", EVIL: [EVIL]},
            received={"body": EVIL + BIG, "raw": INVALID_UTF8.encode("utf-8", "surrogateescape")},
            curl=f"curl 'http://127.0.0.1/api/auth/csrf?q={EVIL}' ```",
            extra={"note": EVIL},
            **base,
        ),
        Finding(check_id="SCHEMA-003", param=EVIL, verdict=Verdict.WARN, message=EVIL, curl=EVIL, **base),
        Finding(
            check_id="RP-001", param=BIG, verdict=Verdict.NOT_APPLICABLE, reason=f"needs --mock-idp {EVIL}", **base
        ),
        Finding(check_id="RP-002", param="x", verdict=Verdict.NOT_APPLICABLE, reason=EVIL + BIG, **base),
        Finding(check_id="CSRF-001", verdict=Verdict.PASS, message=f"note {EVIL}", **base),
        Finding(check_id="CSRF-002", param=EVIL, verdict=Verdict.WAIVED, extra={"waiver": EVIL}, **base),
        Finding(check_id="CSRF-003", verdict=Verdict.STALE_WAIVER, message=EVIL, **base),
    ]


def evil_report() -> report.Report:
    header = {"target": f"http://127.0.0.1:1/{CONTROL}", "profile": "documented", "profile_reason": EVIL}
    return report.Report({**header, "versions": EVIL, "wall_time": 1.5, "browser": EVIL}, evil_findings())


def strict_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # strict: raises on anything that is not UTF-8


def assert_no_forbidden(text: str) -> None:
    assert not FORBIDDEN_IN_XML.search(text), FORBIDDEN_IN_XML.search(text)
    assert "\x1b" not in text and "\x9b" not in text and "\x7f" not in text


def test_instance_names_are_bounded_and_stable() -> None:
    findings = evil_findings()
    assert all(len(f.key) <= textsafe.KEY_LIMIT for f in findings)
    assert findings[0].key == evil_findings()[0].key and findings[0].key.startswith("SCHEMA-002[GET /api/auth/csrf")
    assert findings[0].key.endswith("]") and findings[0].key != findings[2].key


def test_json_report_parses_and_keeps_the_bytes_visible(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    report.write_json(evil_report(), path)
    text = strict_text(path)
    data = json.loads(text)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # no lone surrogates survive the round trip
    assert data["format"] == report.JSON_FORMAT
    first = data["findings"][0]
    assert "caf\\xe9 \\xff\\xfe \\xc3" in first["message"] and "\\x01" in first["message"]
    assert BIG in first["message"] and len(first["key"]) <= textsafe.KEY_LIMIT
    assert not FORBIDDEN_IN_XML.search(json.dumps(data, ensure_ascii=False))


def test_junit_report_parses_with_elementtree(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    report.write_junit(evil_report(), path)
    assert_no_forbidden(strict_text(path))
    suite = ET.parse(path).getroot()
    cases = suite.findall("testcase")
    assert len(cases) == len(evil_findings())
    assert [c.get("name") for c in cases] == [textsafe.one_line(f.key) for f in evil_findings()]
    failure = cases[0].find("failure")
    assert failure is not None and failure.text is not None and BIG in failure.text
    assert "\\x01" in str(failure.get("message"))
    assert suite.get("failures") == "2" and suite.get("skipped") == "3"


def test_markdown_report_renders_one_heading_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    built = evil_report()
    report.write_markdown(built, path)
    text = strict_text(path)
    assert_no_forbidden(text)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h3"]
    problems = [f.key for f in built.problems()]
    assert len(headings) == len(problems) + 2  # plus "Not applicable" and "Notes on passing checks"
    for heading, key in zip(headings, problems, strict=False):
        assert key.split("[")[0] in heading
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in html and "&lt;script&gt;" in html
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == len(problems) and "curl 'http://127.0.0.1/api/auth/csrf" in fences[0].content
    assert sum(1 for t in tokens if t.type == "table_open") == 3  # verdicts, families, not applicable


def test_terminal_lines_are_single_printable_lines() -> None:
    lines = report.terminal_lines(evil_report())
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert_no_forbidden("\n".join(lines))
    assert any(line.startswith("FAIL") and "SCHEMA-002[" in line for line in lines)
    assert any("--mock-idp" in line and "RP-001[" in line for line in lines)


def test_matrix_writers_stay_valid(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    report.write_json(evil_report(), single)
    entries = matrix.load_entries([single])
    entries.append({"name": f"down {CONTROL}", "url": "http://x", "returncode": 10, "error": EVIL, "report": None})
    paths = {kind: tmp_path / f"m.{kind}" for kind in ("json", "xml", "md")}
    formats.write_matrix(
        matrix.Matrix(entries), {"json": paths["json"], "junit": paths["xml"], "markdown": paths["md"]}
    )
    assert json.loads(strict_text(paths["json"]))["kind"] == matrix.KIND
    assert_no_forbidden(strict_text(paths["xml"]))
    assert len(ET.parse(paths["xml"]).getroot().findall("testsuite")) == 2
    MarkdownIt("commonmark").enable("table").parse(strict_text(paths["md"]))

"""Compatibility matrix: the conformance harness over library version x profile, as a Markdown table.

    .venv/bin/python tests/interop/compat_matrix.py > tests/interop/COMPATIBILITY.md
    .venv/bin/python tests/interop/compat_matrix.py --save DIR      # also keep the JSON reports in DIR
    .venv/bin/python tests/interop/compat_matrix.py --reports DIR   # only render reports saved earlier

It starts the mock IdPs and the two interop apps (tests/interop/apps) and runs ``nextauth-conformance check``
(browser checks included) against: the reference server (embedded, ``documented``), the next-auth v4 app
(``documented``, ``nextauth-v4``) and the Auth.js v5 app (``documented``, ``authjs-v5``), exactly as
``test_conformance.py`` does. Rows are actions, columns are target x profile; a cell is ``pass``, ``fail``
with the failing check ids, or ``n/a`` when nothing ran there. Progress goes to stderr, the table to stdout.
Takes about three minutes on a 2-core machine (builds cached).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]  # the repository (harness, mock_providers) and this directory

from harness_runs import interop_app, interop_mocks, run_harness  # noqa: E402


@dataclass(frozen=True)
class Column:
    key: str  #: file stem of the saved report
    title: str
    app: str | None  #: interop app name; None = the embedded reference server
    profile: str


def _version(app: str, package: str) -> str:
    data = json.loads((HERE / "apps" / app / "package.json").read_text(encoding="utf-8"))
    return str(data.get("dependencies", {}).get(package, "?"))


V4, V5 = _version("nextauth-v4", "next-auth"), _version("authjs-v5", "next-auth")
COLUMNS = (
    Column("reference-documented", "reference server<br>documented", None, "documented"),
    Column("v4-documented", f"next-auth {V4}<br>documented", "nextauth-v4", "documented"),
    Column("v4-nextauth-v4", f"next-auth {V4}<br>nextauth-v4", "nextauth-v4", "nextauth-v4"),
    Column("v5-documented", f"next-auth {V5}<br>documented", "authjs-v5", "documented"),
    Column("v5-authjs-v5", f"next-auth {V5}<br>authjs-v5", "authjs-v5", "authjs-v5"),
)

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
    "unknown action",
    "cross-cutting",
)
#: A finding's `action` -> row; findings whose action is "callback" are placed by check id (BY_CHECK).
BY_ACTION = {
    "csrf": "csrf",
    "providers": "providers",
    "session": "session",
    "signin": "signin",
    "signin-provider": "signin",
    "signout": "signout",
    "error": "error",
    "verify-request": "verify-request",
    "webauthn-options": "webauthn-options",
    "callback-credentials": "callback/credentials",
    "callback-unknown": "unknown action",
    "unknown-action": "unknown action",
    "": "cross-cutting",
}
BY_CHECK = {"CB-001": "callback/credentials", "CB-002": "unknown action"}
FAILING = ("fail", "stale-waiver")

LEGEND = """\
Rows are the `/api/auth/*` actions, columns target × profile. **pass**: every check that ran there passed
(advisory warnings, e.g. SCHEMA-002, are not shown); **fail**: the failing check ids (×N = N instances, e.g.
one per OAuth provider); **n/a**: no check applied. Placement: `callback/{oauth}` holds the OAuth callback,
popup and full browser sign-in checks (CB-003..006, BROWSER-003/004, POPUP-00x) and the schema run over
`GET callback/{provider}` (schemathesis also generates `provider=credentials`, which is v4's 500);
`unknown action` also holds callbacks for an unknown provider (CB-002); `cross-cutting` holds the callbackUrl,
CORS, cookie-attribute, TRACE, stack-trace and escaping checks (SEC-00x, PAGE-005). Under `documented` the
libraries fail only their known deviations (listed with reasons in `tests/interop/test_conformance.py`)."""


def row_of(finding: dict[str, Any]) -> str:
    return BY_CHECK.get(finding["check_id"]) or BY_ACTION.get(finding.get("action") or "", "callback/{oauth}")


def cell(findings: Iterable[dict[str, Any]]) -> str:
    findings = list(findings)
    failing = Counter(f["check_id"] for f in findings if f["verdict"] in FAILING)
    if failing:
        ids = ", ".join(f"{cid}×{n}" if n > 1 else cid for cid, n in sorted(failing.items()))
        return f"**fail** ({ids})"
    if any(f["verdict"] in ("pass", "warn", "waived") for f in findings):
        return "pass"
    return "n/a"


def render(reports: dict[str, dict[str, Any]]) -> str:
    by_cell: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for key, report in reports.items():
        for finding in report["findings"]:
            by_cell[row_of(finding), key].append(finding)
    lines = [
        "# Compatibility matrix",
        "",
        "Generated by `.venv/bin/python tests/interop/compat_matrix.py > tests/interop/COMPATIBILITY.md`: the",
        "conformance harness (browser checks included) against the reference server and the real interop",
        "apps in `tests/interop/apps`, signed in through the mock Google, Entra ID and Keycloak.",
        "",
        "| action | " + " | ".join(c.title for c in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for row in ROWS:
        lines.append(f"| {row} | " + " | ".join(cell(by_cell[row, c.key]) for c in COLUMNS) + " |")
    totals = []
    for column in COLUMNS:
        summary = reports[column.key].get("summary", {})
        totals.append(", ".join(f"{summary.get(v, 0)} {v}" for v in ("pass", "fail", "not-applicable", "warn")))
    lines.append("| *checks* | " + " | ".join(totals) + " |")
    return "\n".join([*lines, "", LEGEND, ""])


def _progress(message: str) -> None:
    print(f"[compat_matrix] {message}", file=sys.stderr, flush=True)


def collect(save: Path) -> dict[str, dict[str, Any]]:
    """Run the harness for every column; the JSON reports, also written to `save/<column>.json`."""
    save.mkdir(parents=True, exist_ok=True)
    reports: dict[str, dict[str, Any]] = {}

    def keep(column: Column, report: dict[str, Any], returncode: int) -> None:
        _progress(f"{column.key}: exit {returncode}, {report.get('summary')}")
        (save / f"{column.key}.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        reports[column.key] = report

    work = save / "runs"
    for column in (c for c in COLUMNS if c.app is None):
        run = run_harness(None, column.profile, mock_idp=None, report_dir=work, secret=None, credentials=None)
        keep(column, run.report, run.returncode)
    with interop_mocks() as mocks:
        for app_name in dict.fromkeys(c.app for c in COLUMNS if c.app):
            with interop_app(app_name, mocks) as app:
                for column in (c for c in COLUMNS if c.app == app_name):
                    run = run_harness(app.public_url, column.profile, mock_idp=mocks.http_url, report_dir=work)
                    keep(column, run.report, run.returncode)
    return reports


def load(folder: Path) -> dict[str, dict[str, Any]]:
    return {c.key: json.loads((folder / f"{c.key}.json").read_text(encoding="utf-8")) for c in COLUMNS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, help="render the JSON reports saved in this folder, run nothing")
    parser.add_argument("--save", type=Path, help="keep the JSON reports (<column>.json) in this folder")
    args = parser.parse_args(argv)
    if args.reports:
        reports = load(args.reports)
    else:
        with contextlib.ExitStack() as stack:
            folder = args.save or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="compat-matrix-")))
            reports = collect(folder)
    sys.stdout.write(render(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The one table of report formats: for each, the option that asks for it, its help, and its two writers.

`harness.options` declares the `--report-<name>` options from it, `check --help` lists them from there, the
plugin's write step writes a run's report with `write` and `check --targets` / `merge` write the matrix with
`write_matrix`. A new format is a row here plus its writer module; nothing else names the formats.

A file format's option takes a PATH. A stdout format's option is a flag (also on when its `env` variable is
set): its writers get the report directory, write their file there (or where the CI says) and return the path;
its `lines` are printed at the end of the run (annotations a CI reads from stdout).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.reports import github, matrix, report
from harness.reports.matrix import Matrix
from harness.reports.report import Report


@dataclass(frozen=True)
class Format:
    """One report format."""

    name: str
    label: str
    """How the terminal names the file: `JSON report: r.json`."""
    help: str
    write: Callable[[Report, Path], Path | None]
    write_matrix: Callable[[Matrix, Path], Path | None]
    stdout: bool = False
    """A flag, not a PATH: the writers get the report directory; `lines` go to stdout."""
    env: str | None = None
    """Environment variable that turns a stdout format on by itself (the CI it is for)."""
    lines: Callable[[Report], list[str]] | None = None
    matrix_lines: Callable[[Matrix], list[str]] | None = None

    @property
    def option(self) -> str:
        return f"--report-{self.name}"

    @property
    def dest(self) -> str:
        return f"report_{self.name}"

    def wanted(self, value: object) -> bool:
        """Whether the parsed option value (a path, or the flag) asks for this format."""
        return bool(value) or bool(self.stdout and self.env and os.environ.get(self.env))


FORMATS: tuple[Format, ...] = (
    Format("json", "JSON", "write the JSON report here", report.write_json, matrix.write_json),
    Format("junit", "JUnit", "write the JUnit XML report (one case per check)", report.write_junit, matrix.write_junit),
    Format(
        "markdown",
        "Markdown",
        "write a Markdown summary (CI step summary)",
        report.write_markdown,
        matrix.write_markdown,
    ),
    Format(
        "github",
        "GitHub step summary",
        "::error annotations and a step summary (automatic when GITHUB_STEP_SUMMARY is set)",
        github.write_run_summary,
        github.write_matrix_summary,
        stdout=True,
        env=github.SUMMARY_ENV,
        lines=github.run_annotations,
        matrix_lines=github.matrix_annotations,
    ),
)
BY_NAME = {f.name: f for f in FORMATS}
FILE_FORMATS = tuple(f for f in FORMATS if not f.stdout)


def chosen(values: Mapping[str, object], report_dir: Path, among: tuple[Format, ...] = FORMATS) -> dict[str, Path]:
    """`{format name: destination}` from parsed option values keyed by `Format.dest`: the PATH of a file format,
    the report directory of a stdout format that is on."""
    wanted: dict[str, Path] = {}
    for fmt in among:
        value = values.get(fmt.dest)
        if fmt.wanted(value):
            wanted[fmt.name] = report_dir if fmt.stdout else Path(str(value))
    return wanted


def write_run(built: Report, destinations: Mapping[str, Path]) -> None:
    """Write a run's report in every chosen format. A stdout format goes first (when the run has findings) and the
    header records where its file went (`<name>_summary`), so the file formats carry it."""
    ordered = sorted(destinations.items(), key=lambda item: not BY_NAME[item[0]].stdout)
    for name, path in ordered:
        fmt = BY_NAME[name]
        if fmt.stdout and not built.findings:  # nothing to annotate or summarise (no check ran)
            continue
        if not fmt.stdout:
            path.parent.mkdir(parents=True, exist_ok=True)
        written = fmt.write(built, path)
        if fmt.stdout and written is not None:
            built.header[f"{name}_summary"] = str(written)


def write_matrix(built: Matrix, destinations: Mapping[str, Path]) -> list[str]:
    """Write the matrix in every chosen format; the lines the stdout formats print."""
    lines: list[str] = []
    for name, path in destinations.items():
        fmt = BY_NAME[name]
        if not fmt.stdout:
            path.parent.mkdir(parents=True, exist_ok=True)
        fmt.write_matrix(built, path)
        if fmt.matrix_lines is not None:
            lines += fmt.matrix_lines(built)
    return lines


def file_lines(destinations: Mapping[str, Path]) -> list[str]:
    """Where each file format went: `JSON report: r.json`."""
    return [f"{BY_NAME[n].label} report: {p}" for n, p in destinations.items() if not BY_NAME[n].stdout]


def stdout_lines(built: Report, destinations: Mapping[str, Path]) -> list[str]:
    """What the chosen stdout formats print at the end of a run (after every other line of the summary)."""
    lines: list[str] = []
    for name in destinations:
        fmt = BY_NAME[name]
        if fmt.lines is not None:
            lines += fmt.lines(built)
    return lines

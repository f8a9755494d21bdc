"""Reports: what a run (or a fleet of runs) leaves behind, apart from the checks that produce the findings.

- `formats`: the one table of report formats (`--report-<name>` option, help, writer of a run, writer of the
  matrix); the options, the write step and `check --help` are generated from it;
- `report`: a run's report (terminal summary, JSON, JUnit XML, Markdown); `matrix`: many targets' report;
  `github`: GitHub Actions step summary and annotations;
- `team`: the plugin's "reports for teams" hooks: `baseline` (fail only on new or worse), `har` (the exchanges of
  a failure as a HAR file), `progress` (a line per finished family);
- `replay`: `nextauth-conformance replay`, which re-sends a HAR file.
"""

"""Multi-target commands: `check --targets FILE` (a matrix of deployments, `--shard`, `--jobs`), differential
mode (`check --compare`) and `merge`.

- `commands`: the entry points `harness.cli` calls (`wanted`, `main`, `merge_main`);
- `run`: one `check` subprocess per target, into matrix entries;
- `targets`: the targets file and `--shard`;
- `compare`: what differs between two targets, by verdict and on the wire.
The matrix report itself is a report format (`harness.reports.matrix`).
"""

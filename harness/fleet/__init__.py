"""Multi-target commands: `check --targets FILE` (a matrix of deployments, `--shard`, `--jobs`), differential
mode (`check --compare`) and `merge`: `run` (the commands, one `check` subprocess per target), `targets` (the
targets file and `--shard`), `compare` (what differs between two targets). The matrix report itself is a report
format (`harness.reports.matrix`)."""

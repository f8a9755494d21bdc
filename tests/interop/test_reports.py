"""Reports for teams against the real apps: the reference server compared with the Auth.js v5 app.

`check --targets FILE --compare reference,v5` as a user runs it: both deployments are checked under
`documented`, and the real v5 differences show check by check (SESS-001: the empty session is null) and on
the wire (the session body shape), with exit 1 because they break the profile. Only the session family runs: the
assertions are on it and on the wire comparison (its own requests); the full runs against the apps are
test_conformance.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    from tests.interop.harness_runs import CREDENTIALS, interop_app, interop_mocks
    from tests.interop.nextapps import DEFAULT_SECRET
except ImportError:  # tests/interop is on sys.path
    from harness_runs import CREDENTIALS, interop_app, interop_mocks
    from nextapps import DEFAULT_SECRET

from tests.harness.cli_runs import SESSION, run_cli

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1500)]


def test_reference_server_vs_v5_app_shows_the_real_differences(tmp_path: Path) -> None:
    with interop_mocks() as mocks, interop_app("authjs-v5", mocks) as app:
        (tmp_path / "targets.yaml").write_text(
            "targets:\n"
            "  - {name: reference, url: embedded}\n"
            f"  - {{name: v5, url: '{app.public_url}', credentials: '{CREDENTIALS}', secret: '{DEFAULT_SECRET}',"
            f" mock-idp: '{mocks.http_url}'}}\n"
        )
        done = run_cli(
            tmp_path, "check", "--targets", "targets.yaml", "--compare", "reference,v5", *SESSION,
            "--report-json", "c.json", "--report-markdown", "c.md", timeout=1200,
        )  # fmt: skip
    assert done.returncode == 1, done.text
    data = json.loads((tmp_path / "c.json").read_text())["compare"]
    breaking = {row["key"]: (row["a"], row["b"]) for row in data["checks"] if row["breaking"]}
    assert breaking["SESS-001"] == ("pass", "fail"), data["checks"]
    wire = {(row["request"], row["aspect"]): (row["a"], row["b"]) for row in data["wire"]}
    assert wire[("session", "body shape")] == ({}, "null"), data["wire"]
    assert "BREAKING check SESS-001: pass -> fail" in done.out

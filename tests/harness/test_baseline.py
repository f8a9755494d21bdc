"""Baseline runs through the command line: a baseline made on a broken target, a seeded fault, a fix, waivers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.findings import Finding
from harness.reports.baseline import classify, compare
from reference_server.testing import RunningReferenceServer
from tests.harness.breakages import BREAKAGES
from tests.harness.cli_runs import PROVIDERS, run_cli
from tests.harness.conftest import Switchable

pytestmark = pytest.mark.timeout(3600)  # several CLI runs each; the machine may be shared


@pytest.mark.parametrize(
    ("now", "before", "kind"),
    [
        ("fail", None, "new"),
        ("fail", "not-applicable", "new"),
        ("fail", "pass", "worse"),
        ("fail", "warn", "worse"),
        ("fail", "fail", "known"),
        ("fail", "waived", "known"),
        ("warn", "pass", "worse"),
        ("pass", "fail", "fixed"),
        ("warn", "fail", "fixed"),
        ("pass", "pass", ""),
        ("not-applicable", "fail", ""),
        ("waived", "pass", ""),
    ],
)
def test_worse_is_defined_by_rank(now: str, before: str | None, kind: str) -> None:
    assert classify(now, before) == kind


def test_stale_waivers_always_block() -> None:
    stale = Finding("PROV-001", "t", "c", "high", "providers", "stale-waiver")
    assert compare([stale], {"PROV-001": "fail"}).blocking == ["PROV-001"]


def _break(switch: Switchable, check_id: str) -> None:
    suffix, mutation, *method = BREAKAGES[check_id]
    switch.use(suffix, mutation, *method)


def test_baseline_fails_only_on_new_or_worse(
    tmp_path: Path, broken: tuple[str, Switchable], reference: RunningReferenceServer
) -> None:
    url, switch = broken
    _break(switch, "PROV-003")
    first = run_cli(tmp_path, "check", "--target", url, *PROVIDERS, "--write-baseline", "base.json")
    assert first.returncode == 1, first.text
    recorded = {f["key"]: f["verdict"] for f in json.loads((tmp_path / "base.json").read_text())["findings"]}
    assert recorded == {"PROV-001": "pass", "PROV-002": "pass", "PROV-003": "fail"}

    again = run_cli(
        tmp_path, "check", "--target", url, *PROVIDERS, "--baseline", "base.json", "--report-json", "r.json"
    )
    assert again.returncode == 0, again.text
    assert "baseline: 0 new, 0 worse, 1 known" in again.out
    assert json.loads((tmp_path / "r.json").read_text())["header"]["baseline"]["known"] == ["PROV-003"]

    _break(switch, "PROV-002")  # a seeded fault the baseline does not know: PROV-002 passes in it
    worse = run_cli(
        tmp_path, "check", "--target", url, *PROVIDERS, "--baseline", "base.json", "--report-markdown", "r.md"
    )
    assert worse.returncode == 1, worse.text
    assert "worse  PROV-002" in worse.out and "fixed  PROV-003" in worse.out
    assert "worse: `PROV-002`" in (tmp_path / "r.md").read_text()

    fixed = run_cli(tmp_path, "check", "--target", reference.url, *PROVIDERS, "--baseline", "base.json")
    assert fixed.returncode == 0 and "fixed  PROV-003" in fixed.out, fixed.text


def test_waivers_still_win_and_stale_waivers_still_fail(
    tmp_path: Path, broken: tuple[str, Switchable], reference: RunningReferenceServer
) -> None:
    url, switch = broken
    (tmp_path / "waivers.yaml").write_text("PROV-003: the edge adds a session cookie; tracked\n")
    (tmp_path / "empty.json").write_text('{"findings": []}')
    _break(switch, "PROV-003")
    waived = run_cli(
        tmp_path, "check", "--target", url, *PROVIDERS, "--baseline", "empty.json", "--waivers", "waivers.yaml"
    )
    assert waived.returncode == 0, waived.text
    stale = run_cli(
        tmp_path,
        "check",
        "--target",
        reference.url,
        *PROVIDERS,
        "--baseline",
        "empty.json",
        "--waivers",
        "waivers.yaml",
    )
    assert stale.returncode == 1 and "1 stale waivers" in stale.out, stale.text


@pytest.mark.parametrize(
    ("content", "phrase"),
    [(None, "cannot read baseline"), ("{not json", "is not JSON"), ('{"findings": [{"key": 1}]}', "needs a key")],
)
def test_bad_baseline_is_one_line_and_exit_4(tmp_path: Path, content: str | None, phrase: str) -> None:
    if content is not None:
        (tmp_path / "base.json").write_text(content)
    done = run_cli(tmp_path, "check", "--baseline", "base.json", *PROVIDERS)
    assert done.returncode == 4 and phrase in done.err and "Traceback" not in done.text, done.text
    assert len(done.err.strip().splitlines()) == 1, done.err

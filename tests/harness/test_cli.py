"""The `nextauth-conformance` command: the check catalogue and its usage errors."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.cli import _CheckProg, main
from harness.registry import REGISTRY


def test_checks_lists_every_registered_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [c.id for c in REGISTRY]


def test_checks_markdown_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| id | family | severity | clause | title |" and len(lines) == len(REGISTRY) + 2


def test_unknown_command_and_option_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bogus"]) == 4
    assert main(["checks", "--bogus"]) == 4
    err = capsys.readouterr().err
    assert "usage: nextauth-conformance" in err and "unknown option --bogus" in err


def test_check_freezes_what_its_collection_made_out_of_the_garbage_collector() -> None:
    """`check`'s own plugin (not the harness plugin: a test process lives on) freezes once collection is done."""
    gc.unfreeze()
    try:
        _CheckProg.pytest_collection_finish(cast(pytest.Session, None))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_checkouts_root_conftest_loads_no_server() -> None:
    """`check` from a checkout collects its suite under the repository, so pytest loads the root conftest.py: the
    reference server it starts for the project's tests is imported only when that fixture is used."""
    root = Path(__file__).resolve().parents[2]
    servers = "('reference_server', 'uvicorn')"
    probe = f"import sys, conftest; print(sorted(m for m in sys.modules if m.split('.')[0] in {servers}))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"

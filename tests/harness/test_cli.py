"""The `nextauth-conformance` command: the check catalogue and its usage errors."""

from __future__ import annotations

import gc
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

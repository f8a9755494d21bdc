"""schemathesis's invalid-enum candidates from the user's cache: the very values schemathesis draws, drawn once."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from schemathesis.specs.openapi.coverage import _schema

from harness.checks import enum_candidates
from harness.checks.schema import from_the_spec_only

ORIGINAL = _schema._invalid_enum_candidates


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache dir, and schemathesis's own function back after the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(_schema, "_invalid_enum_candidates", ORIGINAL)
    return tmp_path / "nextauth-conformance"


@functools.cache
def drawn_by_schemathesis() -> tuple[Any, ...]:
    """schemathesis's own draw (a third of a second: once per test process)."""
    with from_the_spec_only():
        return tuple(ORIGINAL.__wrapped__())


def test_a_miss_draws_schemathesis_values_and_keeps_them(cache: Path) -> None:
    assert enum_candidates.reuse()
    values = _schema._invalid_enum_candidates()
    assert values == drawn_by_schemathesis() and len(values) > 100
    kept = enum_candidates.cache_file()
    assert kept.parent == cache
    assert tuple(json.loads(kept.read_text())) == values
    assert not list(cache.glob("*.tmp"))


def test_a_hit_reads_the_file_without_drawing(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enum_candidates.reuse()
    values = _schema._invalid_enum_candidates()
    monkeypatch.setattr(_schema, "_invalid_enum_candidates", ORIGINAL)  # a new process
    monkeypatch.setattr(ORIGINAL, "__wrapped__", _never_drawn)
    enum_candidates.reuse()
    assert _schema._invalid_enum_candidates() == values


def _never_drawn() -> tuple[Any, ...]:
    raise AssertionError("drawn although the cache holds the values")


@pytest.mark.parametrize("content", ["not json", "[]", '{"a": 1}', '[["nested"]]', '["ok", {"x": 1}]'], ids=str.strip)
def test_a_file_that_is_not_such_a_list_is_drawn_again(cache: Path, content: str) -> None:
    path = enum_candidates.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text(content)
    enum_candidates.reuse()
    assert _schema._invalid_enum_candidates() == drawn_by_schemathesis()
    assert tuple(json.loads(path.read_text())) == drawn_by_schemathesis(), "rewritten"


def test_a_cache_that_cannot_be_written_still_gives_the_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # its nextauth-conformance/ cannot be made
    monkeypatch.setattr(_schema, "_invalid_enum_candidates", ORIGINAL)
    enum_candidates.reuse()
    assert _schema._invalid_enum_candidates() == drawn_by_schemathesis()


def test_the_file_is_named_after_the_versions_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    name = enum_candidates.cache_file().name
    versions = {"schemathesis": "4.0.0", "hypothesis": "6.100.0"}
    monkeypatch.setattr(enum_candidates.metadata, "version", versions.__getitem__)
    assert enum_candidates.cache_file().name != name


def test_without_the_function_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_schema, "_invalid_enum_candidates")
    assert not enum_candidates.reuse()
    assert not hasattr(_schema, "_invalid_enum_candidates")


def test_loading_the_schema_installs_it(cache: Path) -> None:
    from harness.checks.schema import load

    load("negative")
    assert getattr(_schema._invalid_enum_candidates, "reused", False)

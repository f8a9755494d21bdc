"""Conformance checks of the `action` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("action"))
def test_action(instance: str, conformance) -> None:
    conformance.check(instance)

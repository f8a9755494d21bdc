"""Conformance checks of the `flow` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("flow"))
def test_flow(instance: str, conformance) -> None:
    conformance.check(instance)

"""Conformance checks of the `callback` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("callback"))
def test_callback(instance: str, conformance) -> None:
    conformance.check(instance)

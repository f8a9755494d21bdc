"""Conformance checks of the `advisory` family (ids and clauses: harness/checks/advisories.py)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("advisory"))
def test_advisory(instance: str, conformance) -> None:
    conformance.check(instance)

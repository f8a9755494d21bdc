"""Conformance checks of the `csrf` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("csrf"))
def test_csrf(instance: str, conformance) -> None:
    conformance.check(instance)

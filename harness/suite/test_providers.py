"""Conformance checks of the `providers` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("providers"))
def test_providers(instance: str, conformance) -> None:
    conformance.check(instance)

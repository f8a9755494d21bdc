"""Conformance checks of the `security` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("security"))
def test_security(instance: str, conformance) -> None:
    conformance.check(instance)

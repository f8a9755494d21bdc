"""Conformance checks of the `session` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("session"))
def test_session(instance: str, conformance) -> None:
    conformance.check(instance)

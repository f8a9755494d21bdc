"""Conformance checks of the `pages` family (ids and clauses: harness/checks/)."""

import pytest

from harness.suite._instances import family


@pytest.mark.parametrize("instance", family("pages"))
def test_pages(instance: str, conformance) -> None:
    conformance.check(instance)

"""Conformance checks of the `browser` family (Playwright + Chromium; ids and clauses: harness/checks/popup.py)."""

import pytest

import harness.checks.popup  # noqa: F401 - registers the browser checks even before harness.checks imports them
from harness.suite._instances import family

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("instance", family("browser"))
def test_browser(instance: str, conformance) -> None:
    conformance.check(instance)

"""Conformance checks of the `browser` family (Playwright + Chromium).

Ids and clauses: harness/checks/popup.py and harness/checks/browser_pages.py.
"""

import pytest

import harness.checks  # noqa: F401 - registers the checks
from harness.suite._instances import family

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("instance", family("browser"))
def test_browser(instance: str, conformance) -> None:
    conformance.check(instance)

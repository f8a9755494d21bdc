"""Every registered check: one test function per family (`test_<family>`), one item per check instance.

Generated from the registry, so a new check module needs no suite file: registering its checks is enough.
Schema-driven generation (schemathesis) has its own module, `test_schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import harness.checks  # noqa: F401 - registers every check
from harness.browser import BROWSER_FAMILIES
from harness.fixtures import CheckRunner
from harness.registry import REGISTRY


def _instances(family: str) -> list[object]:
    """One param per instance, marked with its family (`-m flow`, `-m "not rp"`) and `browser` when it drives one."""
    marks = [getattr(pytest.mark, family)] + ([pytest.mark.browser] if family in BROWSER_FAMILIES else [])
    return [pytest.param(instance, id=instance, marks=marks) for instance in REGISTRY.instances(family)]


def _family_test(family: str, instances: list[object]) -> Callable[[str, CheckRunner], None]:
    @pytest.mark.parametrize("instance", instances)
    def test(instance: str, conformance: CheckRunner) -> None:
        conformance.check(instance)

    test.__name__ = test.__qualname__ = f"test_{family.replace('-', '_')}"
    test.__doc__ = f"Conformance checks of the `{family}` family (ids and clauses: harness/checks/)."
    return test


for _family in REGISTRY.families():
    if _instances(_family):
        _test = _family_test(_family, _instances(_family))
        globals()[_test.__name__] = _test

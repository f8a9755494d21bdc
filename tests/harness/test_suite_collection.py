"""The packaged suite is generated from the registry: every runnable check instance is collected exactly once."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from harness.plugin import SCHEMA_SUITE
from harness.registry import REGISTRY
from harness.suite.test_checks import BROWSER_FAMILIES


def test_every_instance_is_collected_once(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "--collect-only", "-q", "-p", "no:randomly")
    collected = Counter(
        match.group(1) for line in result.outlines if (match := re.search(r"::test_\w+\[([A-Z]+-\d{3}.*)\]$", line))
    )
    expected = {instance for family in REGISTRY.families() for instance in REGISTRY.instances(family)}
    assert set(collected) == expected
    assert [instance for instance, count in collected.items() if count > 1] == []


def test_browser_families_are_marked(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance", "--collect-only", "-q", "-m", "not browser", "-p", "no:randomly")
    browser_ids = {i for family in BROWSER_FAMILIES for i in REGISTRY.instances(family)}
    assert browser_ids and not any(instance in line for line in result.outlines for instance in browser_ids)


@pytest.mark.parametrize(
    ("markexpr", "collected"), [("pages", False), ("flow or rp", False), ("schema", True), ("not browser", True)]
)
def test_the_schema_module_is_collected_only_when_m_can_select_it(
    pytester: pytest.Pytester, markexpr: str, collected: bool
) -> None:
    """Collecting it costs schemathesis's coverage cases (about a second); a `-m` that cannot select its items
    leaves it out, so they are not even deselected."""
    result = pytester.runpytest("--conformance", "--collect-only", "-q", "-m", markexpr, "-p", "no:randomly")
    summary = result.outlines[-1].split(" in ")[0]  # "13/247 tests collected (234 deselected)"
    assert ("test_schema.py" in result.stdout.str()) is collected, summary  # -q lists the selected items
    ignored = pytester.runpytest(
        "--conformance", "--collect-only", "-q", "-m", markexpr, "-p", "no:randomly", f"--ignore={SCHEMA_SUITE}"
    )
    assert (summary != ignored.outlines[-1].split(" in ")[0]) is collected, (summary, ignored.outlines[-1])

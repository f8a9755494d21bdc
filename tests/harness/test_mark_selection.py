"""`can_select`: what a `-m` expression can select before collection, erring towards "can"."""

from __future__ import annotations

import pytest

from harness.mark_selection import MAX_OPEN_NAMES, can_select

FAMILIES = frozenset({"schema", "browser", "flow", "rp", "pages"})
SCHEMA = (frozenset({"schema"}), FAMILIES - {"schema"})


@pytest.mark.parametrize(
    ("markexpr", "expected"),
    [
        ("", True),
        ("schema", True),
        ("not browser", True),
        ("schema and not browser", True),
        ("schema or flow", True),
        ("slow", True),  # a marker the item may carry (a user's conftest may add it)
        ("not slow", True),
        ("schema and (slow or not slow)", True),
        ("not schema", False),
        ("flow", False),
        ("browser or pages", False),
        ("not browser and not schema", False),
        ("schema and slow and not slow", False),  # no way for `slow` makes it true
        ("schema(mode=1)", False),  # the item's marker has no arguments
        ("slow(mode=1) or schema", True),
        ("schema and (", True),  # pytest's own parser reports it at collection
    ],
)
def test_what_m_can_select(markexpr: str, expected: bool) -> None:
    assert can_select(markexpr, *SCHEMA) is expected


def test_beyond_the_budget_of_open_names_the_answer_is_can() -> None:
    names = [f"m{i}" for i in range(MAX_OPEN_NAMES + 1)]
    assert can_select(" and ".join(["flow", *names[:MAX_OPEN_NAMES]]), *SCHEMA) is False  # tried: `flow` decides
    assert can_select(" and ".join(["flow", *names]), *SCHEMA) is True  # one name more: not tried

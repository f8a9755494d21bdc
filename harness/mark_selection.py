"""What a `-m` expression can select, known before collection: the plugin skips work for items it cannot select
(the schema module's collection, the browser lanes' early start).

The answer errs towards "can": an item is described by the marker names it carries and those it never carries;
every other name in the expression may go either way, and each way is tried."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from _pytest.mark.expression import Expression

NAME = re.compile(r"(?:\w|:|\+|-|\.|\[|\]|\\|/)+")  # pytest's `ident` (_pytest/mark/expression.py)
KEYWORDS = frozenset({"and", "or", "not", "True", "False", "None"})
MAX_OPEN_NAMES = 8
"""Beyond this many names that may go either way, the answer is "can" without trying (2**8 evaluations)."""


def can_select(markexpr: str, carried: frozenset[str], never: frozenset[str]) -> bool:
    """Whether `markexpr` can be true of an item carrying the markers `carried` (without arguments) and none of
    `never`. An expression pytest cannot parse counts as "can": pytest reports it at collection."""
    if not markexpr.strip():
        return True
    try:
        expression = Expression.compile(markexpr)
    except Exception:  # noqa: BLE001 - pytest's ParseError (private), raised again by pytest itself
        return True
    open_names = sorted({n for n in NAME.findall(markexpr) if n not in KEYWORDS} - carried - never)
    if len(open_names) > MAX_OPEN_NAMES:
        return True
    return any(
        expression.evaluate(_matcher(carried, dict(zip(open_names, values, strict=True))))
        for values in itertools.product((False, True), repeat=len(open_names))
    )


def _matcher(carried: frozenset[str], assumed: dict[str, bool]) -> Callable[..., bool]:
    """Names carried are true (without arguments: the item's markers have none), assumed ones as assumed, the
    rest (never carried) false."""

    def matcher(name: str, /, **kwargs: object) -> bool:
        if name in carried:
            return not kwargs
        return assumed.get(name, False)

    return matcher

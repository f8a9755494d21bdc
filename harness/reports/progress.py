"""One terminal line per family when its last check instance finishes, so a long run shows it is moving.

Totals come from the collected node ids (the controller sees them from xdist workers too): the family of an
item is its check's family when the id names a registered check (`test_csrf[CSRF-001]`), else the suite
module's name (`test_schema.py` -> `schema`), so a new family needs no change here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from harness.findings import Finding
from harness.registry import REGISTRY

_BRACKET = re.compile(r"\[([A-Z]+-\d{3})")
_MODULE = re.compile(r"test_(\w+)\.py::")


def family_of(nodeid: str) -> str | None:
    match = _BRACKET.search(nodeid)
    if match and match.group(1) in REGISTRY:
        return REGISTRY.get(match.group(1)).family
    module = _MODULE.search(nodeid)
    return module.group(1) if module else None


class Progress:
    """Counts finished items per family; `finished()` returns the line to print when a family completes."""

    def __init__(self) -> None:
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.verdicts: dict[str, Counter[str]] = {}
        self.collected = False

    def collect(self, nodeids: Iterable[str]) -> None:
        if self.collected:  # every xdist worker reports the same collection
            return
        self.collected = True
        for nodeid in nodeids:
            family = family_of(nodeid)
            if family:
                self.total[family] += 1

    def finished(self, nodeid: str, findings: Iterable[Finding]) -> str | None:
        family = family_of(nodeid)
        if not family or family not in self.total:
            return None
        counts = self.verdicts.setdefault(family, Counter())
        for finding in findings:
            counts[finding.verdict] += 1
        self.done[family] += 1
        if self.done[family] != self.total[family]:
            return None
        families_done = sum(1 for f in self.total if self.done[f] == self.total[f])
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "no findings"
        return f"[{families_done}/{len(self.total)}] family {family} done: {self.total[family]} items, {verdicts}"

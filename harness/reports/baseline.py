"""Baseline runs: fail only on findings that are new or worse than an earlier run's JSON report.

A baseline is any JSON report (`--report-json` or `--write-baseline`). Findings are compared per check
instance key (`SEC-001[protocol-relative]`), by rank: pass = 0 < warn = 1 < fail = 2. A baseline instance
that was waived counts as fail (it was failing then); not-applicable and stale-waiver count as not failing.

- **new**: fails now; the instance is absent from the baseline or was not-applicable there;
- **worse**: fails now and was pass or warn in the baseline, or warns now and passed then (a worse warning
  is listed, but warnings never fail a run);
- **known**: fails now and failed (or was waived) in the baseline: listed, does not fail the run;
- **fixed**: failed (or was waived) in the baseline and passes or warns now.

Waivers are applied first and win: a waived finding never fails, and a stale waiver always fails the run,
whatever the baseline says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.findings import Finding, Verdict
from harness.jsonfile import read_json

RANK = {
    Verdict.PASS: 0,
    Verdict.NOT_APPLICABLE: 0,
    Verdict.STALE_WAIVER: 0,
    Verdict.WARN: 1,
    Verdict.FAIL: 2,
    Verdict.WAIVED: 2,
}
JUDGED = frozenset({Verdict.PASS, Verdict.WARN, Verdict.FAIL, Verdict.WAIVED})


def load_baseline(path: str | Path) -> dict[str, str]:
    """`{instance key: verdict}` from a JSON report; `UsageError` with one line when it is not one."""
    file = Path(path)
    data = read_json(file, "baseline")
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise UsageError(f"baseline {file} is not a nextauth-conformance JSON report (no findings list)")
    verdicts: dict[str, str] = {}
    known = {str(v) for v in Verdict}
    for item in findings:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or item.get("verdict") not in known:
            raise UsageError(f"baseline {file}: every finding needs a key and a verdict ({str(item)[:80]})")
        verdicts[item["key"]] = item["verdict"]
    return verdicts


@dataclass
class Comparison:
    """Instance keys by class; `blocking` is what fails the run."""

    new: list[str] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    worse_warnings: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[str]:
        return [*self.new, *self.worse, *self.stale]

    def summary(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "worse": self.worse,
            "known": self.known,
            "fixed": self.fixed,
            "stale_waivers": self.stale,
            "worse_warnings": self.worse_warnings,
        }

    def line(self) -> str:
        return (
            f"baseline: {len(self.new)} new, {len(self.worse)} worse, {len(self.known)} known (not failing the run), "
            f"{len(self.fixed)} fixed, {len(self.stale)} stale waivers"
        )


def classify(verdict: str, before: str | None) -> str:
    """new / worse / known / fixed / "" (nothing to say) for one instance."""
    now_rank = RANK.get(Verdict(verdict), 0)
    then_rank = RANK.get(Verdict(before), 0) if before else None
    if verdict == Verdict.FAIL:
        if before is None or before not in JUDGED:
            return "new"
        return "known" if then_rank == 2 else "worse"
    if verdict == Verdict.WARN and before == Verdict.PASS:
        return "worse"
    if then_rank == 2 and verdict in JUDGED and now_rank < 2:
        return "fixed"
    return ""


def compare(findings: Iterable[Finding], baseline: dict[str, str]) -> Comparison:
    """Classify every finding against the baseline and mark it (`finding.extra["baseline"]`)."""
    result = Comparison()
    for finding in findings:
        if finding.verdict == Verdict.STALE_WAIVER:
            result.stale.append(finding.key)
            continue
        kind = classify(finding.verdict, baseline.get(finding.key))
        if not kind:
            continue
        finding.extra["baseline"] = kind
        if kind == "worse" and finding.verdict == Verdict.WARN:
            result.worse_warnings.append(finding.key)
        else:
            getattr(result, kind).append(finding.key)
    return result

"""Run one check instance and turn its outcome into a `Finding` (pass, fail, warn, N/A, waived, stale)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from harness.browser import BROWSER_FAMILIES, in_driver_thread
from harness.context import CheckContext
from harness.errors import TargetError
from harness.findings import CheckFailure, Finding, NotApplicable, Severity, Verdict
from harness.registry import Check
from harness.waivers import waiver_for


def new_finding(check: Check, param: str = "", **fields: Any) -> Finding:
    return Finding(
        check.id,
        check.title,
        check.clause,
        str(check.severity),
        check.family,
        "",
        param=param,
        action=check.action or (param if check.family == "action" else ""),
        **fields,
    )


def run_check(check: Check, ctx: CheckContext, param: str = "") -> Finding:
    """Execute `check` (with `param` when parametrized) and judge the outcome for the context's profile."""
    instance = f"{check.id}[{param}]" if param else check.id
    severity = ctx.profile.severity_for(check.id, instance, check.severity)
    finding = new_finding(check, param)
    finding.severity = str(severity)
    reason = ctx.profile.not_applicable_reason(check.id, instance)
    started = time.perf_counter()
    if reason:
        finding.verdict, finding.reason = Verdict.NOT_APPLICABLE, f"profile {ctx.profile.name}: {reason}"
        return finding
    own = ctx.for_instance(instance)
    try:
        assert check.func is not None, f"{check.id} is run by its own suite test"
        func = check.func

        def body() -> object:
            return func(own, param) if check.params else func(own)

        note = in_driver_thread(body) if check.family in BROWSER_FAMILIES else body()
        finding.verdict = Verdict.PASS
        if isinstance(note, str):
            finding.message = note  # what a pass does not show (e.g. a variant that only proves part of the clause)
    except CheckFailure as failure:
        record_failure(finding, failure, failure.severity or severity)
    except NotApplicable as na:
        finding.verdict, finding.reason = Verdict.NOT_APPLICABLE, na.reason
    except TargetError as exc:
        record_failure(finding, CheckFailure(str(exc), expected="a complete HTTP answer", received=str(exc)), severity)
    if own.sessions_used:
        finding.extra["session"] = "; ".join(own.sessions_used)  # which input the judged session came from
    finding.duration = round(time.perf_counter() - started, 4)
    return finding


def record_failure(finding: Finding, failure: CheckFailure, severity: Severity) -> None:
    finding.verdict = Verdict.WARN if severity == Severity.ADVISORY else Verdict.FAIL
    finding.message, finding.expected, finding.received = failure.message, failure.expected, failure.received
    finding.curl = failure.curl


def apply_waiver(finding: Finding, waivers: Mapping[str, str]) -> Finding:
    """A waived failure becomes `waived`; a waived pass becomes `stale-waiver` (which fails the run)."""
    reason = waiver_for(waivers, finding.check_id, finding.key)
    if reason is None:
        return finding
    finding.extra["waiver"] = reason
    if finding.verdict in (Verdict.FAIL, Verdict.WARN):
        finding.verdict = Verdict.WAIVED
    elif finding.verdict == Verdict.PASS:
        finding.verdict = Verdict.STALE_WAIVER
        finding.message = f"waived check passes; remove the stale waiver ({reason})"
    return finding

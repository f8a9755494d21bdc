"""Running schemathesis cases as SCHEMA-001/002 instances and turning their outcome into one `Finding` per item.

The suite's `test_schema_*` items hand each generated case here; the plugin never sees schemathesis. Hypothesis
calls an item once per example: the item's finding is kept across calls. A positive-mode failure fails SCHEMA-001
and is re-raised, so Hypothesis shrinks it and the finding holds the minimal example; a negative-mode failure is a
SCHEMA-002 warning (advisory) holding the first failing example.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import requests
from jsonschema import Draft202012Validator

import spec
from harness import tls
from harness.checks.schema import NEGATIVE_ID, POSITIVE_ID, excluded_checks
from harness.findings import Finding, Verdict
from harness.registry import REGISTRY
from harness.runner import apply_waiver, new_finding
from harness.waivers import waiver_for

if TYPE_CHECKING:
    from harness.fixtures import CheckRunner
    from harness.run import Run

EXPECTED = "documented status, Content-Type, headers and body"


def run_case(case: Any, runner: CheckRunner, *, advisory: bool = False) -> None:
    """Call and validate one generated case against the target; the item's finding keeps the verdict."""
    finding = runner.finding or first_finding(runner, NEGATIVE_ID if advisory else POSITIVE_ID)
    if finding.verdict == Verdict.NOT_APPLICABLE:
        runner.record(finding)
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        call_and_validate(case, runner.run, "negative" if advisory else "positive")
    except (AssertionError, BaseExceptionGroup) as failure:  # noqa: B030 - FailureGroup is an ExceptionGroup
        if not advisory or finding.verdict == Verdict.PASS:
            record_failure(finding, str(failure), Verdict.WARN if advisory else Verdict.FAIL)
        waived = waiver_for(runner.run.waivers, finding.check_id, finding.key) is not None
        error = None if advisory or waived else failure
    except Exception as failure:  # noqa: BLE001 - a transport error fails the instance, advisory or not
        record_failure(finding, f"{type(failure).__name__}: {failure}", Verdict.FAIL)
        error = failure
    finding.duration = round((finding.duration or 0) + time.perf_counter() - started, 4)
    runner.finding = finding
    if error is not None:
        raise error


def first_finding(runner: CheckRunner, check_id: str) -> Finding:
    label = runner.label
    finding = new_finding(REGISTRY.get(check_id), label)
    finding.action = label.split("/api/auth/")[-1].split("/")[0]
    finding.verdict = Verdict.PASS
    reason = not_applicable_reason(runner.run, check_id, label)
    if reason:
        finding.verdict, finding.reason = Verdict.NOT_APPLICABLE, reason
    return finding


def not_applicable_reason(run: Run, check_id: str, label: str) -> str:
    profile = run.context().profile
    reason = profile.not_applicable_reason(check_id, f"{check_id}[{label}]")
    if reason:
        return f"profile {profile.name}: {reason}"
    base = run.options.base_path.rstrip("/")
    if not base.endswith("/api/auth"):
        return f"the spec's paths are /api/auth/*, the target's base path is {base}"
    return ""


def call_kwargs(run: Run, mode: str) -> dict[str, Any]:
    base = run.options.base_path.rstrip("/")
    return {
        "base_url": run.target + base.removesuffix("/api/auth"),
        "session": keep_alive_session(run),
        "excluded_checks": excluded_checks(mode),
        "timeout": run.options.timeout,
        **({"headers": dict(run.options.headers)} if run.options.headers else {}),
        "verify": tls.requests_verify(not run.options.verify_tls, run.options.ca_bundle),
    }


def keep_alive_session(run: Run) -> requests.Session:
    """The run's one session for its schema cases, closed with the run: schemathesis otherwise makes a session per
    case, so a new connection (0.7 ms more CPU per case here, and the server's accept). Its jar keeps no cookie, so a
    case still starts as with a fresh session, and cookies a case sends are the case's own. Like the run's own
    client it ignores environment proxies and .netrc (read per request otherwise; --ca-bundle already took
    REQUESTS_CA_BUNDLE / SSL_CERT_FILE into `verify`)."""
    return run.context().once("schema-session", lambda: _new_session(run))


def _new_session(run: Run) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    run.stack.callback(session.close)
    return session


def call_and_validate(case: Any, run: Run, mode: str) -> None:
    """Positive mode: schemathesis's own call and checks. Negative mode: an answer the spec documents for an
    invalid parameter value (`x-invalid-answer`, e.g. Auth.js's Configuration 500) is not a finding."""
    kwargs = call_kwargs(run, mode)
    if mode == "positive":
        case.call_and_validate(**kwargs)
        return
    excluded = kwargs.pop("excluded_checks")
    response = case.call(**kwargs)
    if documented_invalid_answer(case.query or {}, response.status_code):
        return
    case.validate_response(response, excluded_checks=excluded, transport_kwargs=kwargs)


def documented_invalid_answer(query: dict[str, Any], status: int) -> bool:
    """True when a query parameter holds a value its schema rejects and the spec documents `status` for that."""
    for name, (answer, schema) in invalid_answers().items():
        if name in query and status == answer and not Draft202012Validator(schema).is_valid(query[name]):
            return True
    return False


@functools.cache
def invalid_answers() -> dict[str, tuple[int, dict[str, Any]]]:
    """Query parameter name -> (documented status for an invalid value, its schema), from spec/openapi.yaml."""
    parameters = spec.load_openapi()["components"]["parameters"]
    return {
        p["name"]: (int(p["x-invalid-answer"]["status"]), p["schema"])
        for p in parameters.values()
        if p.get("in") == "query" and "x-invalid-answer" in p
    }


def record_failure(finding: Finding, text: str, verdict: Verdict) -> None:
    curl = re.search(r"curl [^\n]+", text)
    finding.verdict = verdict
    finding.message = summary(text)
    finding.received, finding.curl = text[-1500:], curl.group(0) if curl else ""
    finding.expected = EXPECTED


def summary(text: str) -> str:
    """ "ST103 Undocumented status code (Received: 500); ST101 Server error" instead of "found 2 failures"."""
    titles = list(dict.fromkeys(re.findall(r"^\s*- (ST\d+ [^\n]+)", text, re.M)))
    received = re.search(r"Received: ([^\n]+)", text)
    if not titles:
        return (text.strip().splitlines() or ["schemathesis failure"])[0][:300]
    detail = f" (Received: {received.group(1).strip()[:60]})" if received else ""
    return ("; ".join(titles[:3]) + detail)[:300]


def group_advisories(findings: list[Finding]) -> list[Finding]:
    """SCHEMA-002 warnings with one cause become one warning that names the cause, the operations it affects
    and one reproducing request (an invalid callbackUrl gets the same 500 from every action)."""
    groups: dict[str, list[Finding]] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding.check_id == NEGATIVE_ID and finding.verdict == Verdict.WARN:
            groups.setdefault(cause(finding), []).append(finding)
        else:
            kept.append(finding)
    for label, members in groups.items():
        first = members[0]
        operations = [m.param for m in members]
        first.message = f"{label}: {first.message}; affects {len(operations)} operation(s): {', '.join(operations)}"
        first.param, first.extra["operations"] = label, operations
        first.action = first.action if len(operations) == 1 else ""
        kept.append(first)
    return kept


def apply_waivers(findings: list[Finding], waivers: Mapping[str, str]) -> bool:
    """Waivers of schema instances, applied once their keys are final (a SCHEMA-002 key names its grouped cause);
    a waived SCHEMA-001 failure was not raised (`run_case`). True when a waived instance passed (a stale waiver,
    which fails the run)."""
    stale = False
    for finding in findings:
        if finding.check_id in (POSITIVE_ID, NEGATIVE_ID) and finding.verdict in (
            Verdict.PASS,
            Verdict.FAIL,
            Verdict.WARN,
        ):
            stale |= apply_waiver(finding, waivers).verdict == Verdict.STALE_WAIVER
    return stale


def cause(finding: Finding) -> str:
    """What the failing requests share: the answer's status and the documented query parameters whose values
    their schema rejects. Never generated data (a fuzzed parameter name or value), so the instance id is the same
    in every run: names the spec does not document, and valid values, are left out."""
    status = re.search(r"^\[(\d{3})\]", finding.received, re.M)
    url = re.search(r"'(https?://[^']+)'", finding.curl)
    query = parse_qs(urlsplit(url.group(1)).query, keep_blank_values=True) if url else {}
    schemas = query_schemas()
    names = sorted(
        name
        for name, values in query.items()
        if name in schemas and not all(Draft202012Validator(schemas[name]).is_valid(v) for v in values)
    )
    answer = f"{status.group(1)} answer" if status else "failure"
    return f"{answer} to an invalid {', '.join(names)} query" if names else f"{answer} to an invalid request"


@functools.cache
def query_schemas() -> dict[str, dict[str, Any]]:
    """Documented query parameter name -> its schema, from spec/openapi.yaml."""
    parameters = spec.load_openapi()["components"]["parameters"]
    return {p["name"]: p["schema"] for p in parameters.values() if p.get("in") == "query"}

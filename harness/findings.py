"""What a check says about a target: verdicts, severities, failures and the finding that carries them.

A check returns on a pass, raises `CheckFailure` when the target is wrong and `NotApplicable` when it cannot
judge this target. The runner turns either outcome into a `Finding`, the one record every report reads.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.textsafe import bounded, one_line


class Verdict(enum.StrEnum):
    """The outcome of one check on one target."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not-applicable"
    WAIVED = "waived"
    STALE_WAIVER = "stale-waiver"


FAILING = frozenset({Verdict.FAIL, Verdict.STALE_WAIVER})
"""The verdicts that fail a run (and a report's exit code); a Verdict compares equal to its JSON string."""


class Severity(enum.StrEnum):
    """How much a failure matters; `advisory` failures are reported as warnings and never fail the run."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    ADVISORY = "advisory"


class CheckFailure(AssertionError):
    """The target answered something the clause forbids; carries what was expected and what came back."""

    def __init__(
        self, message: str, *, expected: Any, received: Any, curl: str = "", severity: Severity | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.received = received
        self.curl = curl
        self.severity = severity
        """Set when what the target showed decides how much the failure matters (FLOW-031: a JWT-cookie target
        under a profile that allows it is advisory); None keeps the check's and profile's severity."""

    def __str__(self) -> str:
        lines = [self.message, f"Expected: {_short(self.expected)}", f"Received: {_short(self.received)}"]
        if self.curl:
            lines += ["Reproduce with:", f"    {self.curl}"]
        return "\n".join(lines)


class NotApplicable(Exception):  # noqa: N818 - it is an outcome, not an error
    """The check cannot judge this target (no session, no OAuth provider, no mock IdP); the reason is reported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _short(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


@dataclass
class Finding:
    """One check's verdict on one target, with everything a reader needs to reproduce and judge it."""

    check_id: str
    title: str
    clause: str
    severity: str
    family: str
    verdict: str
    param: str = ""
    action: str = ""
    message: str = ""
    expected: Any = None
    received: Any = None
    curl: str = ""
    reason: str = ""
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The instance id: `CSRF-001` or `SEC-001[protocol-relative]`, bounded (a target may choose the param)."""
        return bounded(one_line(f"{self.check_id}[{self.param}]")) if self.param else self.check_id

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Finding:
        return cls(**json.loads(text))

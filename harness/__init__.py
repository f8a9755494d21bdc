"""nextauth-conformance harness: checks with stable ids run by a pytest plugin against a target.

Public surface: `check` (register a check), `REGISTRY`, `CheckFailure`, `NotApplicable`, `Severity`,
`Verdict`, `Finding`. Everything else is internal.
"""

from harness.findings import CheckFailure, Finding, NotApplicable, Severity, Verdict
from harness.registry import REGISTRY, Check, check

__all__ = ["REGISTRY", "Check", "CheckFailure", "Finding", "NotApplicable", "Severity", "Verdict", "check"]

"""ADV-001 fails with its own id on a target that leaves a malformed callbackUrl hanging (GHSA-g5fm-jp9v-2432)."""

from __future__ import annotations

import harness.checks  # noqa: F401 - registers the checks
from harness.client import TargetClient
from harness.context import CheckContext
from harness.findings import Verdict
from harness.profiles import PROFILES
from harness.registry import REGISTRY
from harness.runner import run_check


def test_adv001_fails_when_a_malformed_callback_url_hangs(broken) -> None:
    url, switch = broken
    switch.use_flaws("callback-url-hangs")
    ctx = CheckContext(TargetClient(url, timeout=1.0), PROFILES["documented"])
    finding = run_check(REGISTRY.get("ADV-001"), ctx, "unclosed-ipv6")
    assert finding.check_id == "ADV-001" and finding.verdict == Verdict.FAIL
    assert "timed out" in finding.message

"""Profiles compose: a deployment layer (algapsa) inherits every library fact of its library (authjs-v5) and
adds only its own configuration facts, each with a source."""

from __future__ import annotations

import pytest

from harness.findings import Severity
from harness.profiles import AUTHJS_V5, DEPLOYMENTS, LIBRARY_FACTS, PROFILES, Fact, deploy


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda p: p.name)
def test_every_deployment_carries_its_librarys_facts(deployment) -> None:
    library = PROFILES[deployment.library]
    assert library.library == library.name and deployment.library != deployment.name
    for name in LIBRARY_FACTS:
        assert getattr(deployment, name) == getattr(library, name), name
    for check, severity in library.severity.items():
        assert deployment.severity[check] == severity, check
    for check, reason in library.not_applicable.items():
        assert deployment.not_applicable.get(check) == reason or check in deployment.sources, check


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda p: p.name)
def test_every_deployment_fact_has_a_source(deployment) -> None:
    library = PROFILES[deployment.library]
    changed = [
        name
        for name in deployment.__dataclass_fields__
        if name not in {"name", "description", "library", "sources", "severity", "not_applicable"}
        and getattr(deployment, name) != getattr(library, name)
    ]
    assert changed and all(deployment.sources.get(name) for name in changed), changed
    added = set(deployment.severity) - set(library.severity)
    assert all(deployment.sources.get(check) for check in added), added


def test_algapsa_reports_the_v5_rp_gaps_as_warnings() -> None:
    algapsa = PROFILES["algapsa"]
    for check in ("RP-001", "RP-003", "RP-004"):
        assert algapsa.severity_for(check, check, Severity.HIGH) == Severity.ADVISORY
    assert algapsa.cookie_prefix == "authjs" and algapsa.empty_session == {}
    assert algapsa.not_applicable_reason("RP-018", "RP-018") == AUTHJS_V5.not_applicable_reason("RP-018", "RP-018")
    assert algapsa.not_applicable_reason("SESS-003", "SESS-003") is None


def test_a_deployment_cannot_set_a_library_fact() -> None:
    with pytest.raises(ValueError, match="cookie_prefix are library facts of authjs-v5"):
        deploy(AUTHJS_V5, "x", "x", facts={"cookie_prefix": Fact("next-auth", "a guess")})

"""Deliberate flaws a test can switch on, one validation at a time, to prove a check fails on the real flaw.

The harness's fail tests need relying parties that are wrong in exactly one way (skip the CSRF check on sign-out,
accept an ID token with a foreign `aud`, ...). A response mutator cannot fake those: the flaw is in what the server
*accepts*. Each name here disables one rule; `Settings.flaws` holds the names switched on. Never exposed by the
CLI: a reference server with flaws is a test fixture, not a deployment.
"""

from __future__ import annotations

__all__ = ["KNOWN_FLAWS", "UnknownFlawError", "validate_flaws"]

KNOWN_FLAWS: dict[str, str] = {
    # name: the rule it disables (add one entry per flaw, next to the code that honours it)
}


class UnknownFlawError(ValueError):
    """A flaw name that no code honours: a typo would make a fail test pass for the wrong reason."""


def validate_flaws(names: frozenset[str]) -> frozenset[str]:
    unknown = sorted(names - KNOWN_FLAWS.keys())
    if unknown:
        raise UnknownFlawError(f"unknown flaws {unknown}; known: {sorted(KNOWN_FLAWS)}")
    return names

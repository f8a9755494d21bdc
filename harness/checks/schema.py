"""Schema-driven generation with schemathesis over spec/openapi.yaml: positive blocking, negative advisory.

The spec is loaded from the file at import (deterministic collection, one pytest item per operation) with a
pinned `Config`, so a `schemathesis.toml` in the target's repository cannot change the release gate. The
target is injected per call. Undeclared methods (`unsupported_method`) are out of scope: the contract is GET.
The cases come from the spec and the seed only (`from_the_spec_only`), not from the code that happens to be loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

import spec
from harness import env_numbers
from harness.findings import Severity
from harness.registry import declare

POSITIVE_ID, NEGATIVE_ID = "SCHEMA-001", "SCHEMA-002"
declare(
    POSITIVE_ID,
    title="Generated valid requests get documented statuses, types, headers and bodies",
    clause="DOC-responses",
    severity=Severity.HIGH,
    family="schema",
)
declare(
    NEGATIVE_ID,
    title="Generated invalid requests are handled without errors (advisory)",
    clause="DOC-responses",
    severity=Severity.ADVISORY,
    family="schema",
)

EXCLUDED_CHECKS = ("unsupported_method", "allow_header_conformance", "missing_required_header")
NEGATIVE_EXCLUDED = (*EXCLUDED_CHECKS, "negative_data_rejection")
MAX_EXAMPLES = env_numbers.read(env_numbers.MAX_EXAMPLES)
"""Examples per operation in positive mode (half as many, at least 3, in negative mode)."""


def pinned_config(mode: str, max_examples: int = MAX_EXAMPLES) -> SchemathesisConfig:
    """Every setting that decides the gate, fixed here rather than read from a discovered toml."""
    return SchemathesisConfig.from_dict(
        {
            "seed": 20240601,
            "request-timeout": 5,
            "max-redirects": 0,
            "suppress-health-check": ["all"],
            "generation": {"mode": mode, "max-examples": max_examples, "database": "none"},
            "phases": {"coverage": {"unexpected-methods": []}, "stateful": {"enabled": False}},
            "checks": {name: {"enabled": False} for name in EXCLUDED_CHECKS},
            "output": {"sanitization": {"enabled": False}},
        }
    )


def load(mode: str) -> Any:
    """The per-action spec as a schemathesis schema for `mode` ("positive" or "negative")."""
    from harness.checks import enum_candidates  # it imports this module

    enum_candidates.reuse()
    document = spec.load_openapi()
    examples = MAX_EXAMPLES if mode == "positive" else max(3, MAX_EXAMPLES // 2)
    return schemathesis.openapi.from_dict(document, config=pinned_config(mode, examples))


def excluded_checks(mode: str) -> list[Any]:
    from schemathesis.checks import CHECKS

    names = NEGATIVE_EXCLUDED if mode == "negative" else EXCLUDED_CHECKS
    return CHECKS.get_by_names([n for n in names if n in CHECKS.get_all_names()])


@contextlib.contextmanager
def from_the_spec_only() -> Iterator[None]:
    """Generation that ignores Hypothesis's local constants: while the schema module is collected (schemathesis
    draws its coverage cases then) and while its items run (harness/plugin.py applies it to both).

    Hypothesis (6.131 and later) mixes the literals of every loaded *local* module (one outside site-packages that
    is not a test file) into what it draws. So the same seed generated other cases from a checkout than from an
    installed package, or with a project's own plugins loaded, and which modules were loaded when a case was drawn
    varied with the background pools' timing: a SCHEMA-002 warning came and went with where the run started.
    Without this hook (older Hypothesis) there are no local constants to ignore."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - Hypothesis without local constants
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    constants_type = getattr(providers, "Constants", None)
    if original is None or constants_type is None:  # pragma: no cover - as above
        yield
        return
    none, cache = constants_type(), getattr(providers, "CONSTANTS_CACHE", None)
    forget = cache.cache.clear if cache is not None else lambda: None  # permitted constants, local ones included
    forget()
    providers._get_local_constants = lambda: none
    try:
        yield
    finally:
        providers._get_local_constants = original
        forget()

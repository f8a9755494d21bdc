"""Schema-driven generation over spec/openapi.yaml: one pytest item (one JUnit case) per operation and mode.

The plugin has Hypothesis draw this module's cases, at collection and when its items run, from the spec and the seed
only (`harness.plugin`, `from_the_spec_only`)."""

from typing import Any

import pytest

from harness.checks.schema import NEGATIVE_ID, POSITIVE_ID, load
from harness.checks.schema_cases import run_case
from harness.fixtures import CheckRunner

POSITIVE = load("positive")
NEGATIVE = load("negative")


@pytest.mark.schema
@pytest.mark.conformance_check(POSITIVE_ID)
@POSITIVE.parametrize()
def test_schema_positive(case: Any, conformance: CheckRunner) -> None:
    run_case(case, conformance)


@pytest.mark.schema
@pytest.mark.conformance_check(NEGATIVE_ID)
@NEGATIVE.parametrize()
def test_schema_negative(case: Any, conformance: CheckRunner) -> None:
    run_case(case, conformance, advisory=True)

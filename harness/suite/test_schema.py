"""Schema-driven generation over spec/openapi.yaml: one pytest item (one JUnit case) per operation and mode."""

from typing import Any

import pytest

from harness.checks.schema import NEGATIVE_ID, POSITIVE_ID, load
from harness.fixtures import CheckRunner

POSITIVE = load("positive")
NEGATIVE = load("negative")


@pytest.mark.conformance_check(POSITIVE_ID)
@POSITIVE.parametrize()
def test_schema_positive(case: Any, conformance: CheckRunner) -> None:
    conformance.schemathesis(case)


@pytest.mark.conformance_check(NEGATIVE_ID)
@NEGATIVE.parametrize()
def test_schema_negative(case: Any, conformance: CheckRunner) -> None:
    conformance.schemathesis(case, advisory=True)

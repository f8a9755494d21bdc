"""Schema-driven generation over spec/openapi.yaml: one pytest item (one JUnit case) per operation and mode."""

from collections.abc import Iterator
from typing import Any

import pytest

from harness.checks.schema import NEGATIVE_ID, POSITIVE_ID, from_the_spec_only, load
from harness.checks.schema_cases import run_case
from harness.fixtures import CheckRunner

POSITIVE = load("positive")
NEGATIVE = load("negative")


@pytest.fixture(autouse=True)
def _cases_from_the_spec_only() -> Iterator[None]:
    with from_the_spec_only():
        yield


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

"""Parametrization helpers: the check instances of a family, in registry order, with stable ids."""

from __future__ import annotations

import pytest

import harness.checks  # noqa: F401 - registers every check
from harness.registry import REGISTRY


def family(name: str) -> list[pytest.param]:
    return [
        pytest.param(instance, id=instance)
        for check in REGISTRY.family(name)
        if check.func
        for instance in check.instances()
    ]

"""Each package's public surface is pinned: adding or removing a name from `__all__` is a deliberate change."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "harness": ["REGISTRY", "Check", "CheckFailure", "Finding", "NotApplicable", "Severity", "Verdict", "check"],
    "reference_server": ["OAuthProviderConfig", "Pages", "Settings", "create_app"],
    "reference_server.testing": ["RunningReferenceServer", "running_reference_server"],
    "mock_providers": ["MockOptions"],
    "mock_providers.testing": ["RunningMocks", "running_mocks"],
    "spec": ["SCHEMA_NAMES", "SPEC_DIR", "clauses", "load_openapi", "load_published", "schema", "validator"],
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_public_names_are_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} declares no __all__"
    expected = PUBLIC[module_name]
    if expected is not None:
        assert sorted(exported) == sorted(expected)
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ names what it does not define"

"""The mocks' import graph is one-way: endpoint modules depend on the provider's state and the claim helpers,
routing depends on the endpoints, vendors on the core; nothing imports back, and no import hides in a function."""

from __future__ import annotations

import pytest

from tests.import_graph import find_cycle, function_local_imports, import_graph

ENDPOINT_MODULES = ("authorize", "discovery", "token", "userinfo", "logout")


@pytest.mark.parametrize("package", ["mock_providers.oidc", "mock_providers"])
def test_the_import_graph_has_no_cycle(package: str) -> None:
    graph = import_graph(package)
    assert "mock_providers.oidc.provider" in graph  # the parse found the package's modules
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_provider_imports_no_endpoint_and_the_endpoints_no_routing() -> None:
    graph = import_graph("mock_providers.oidc")
    endpoints = {f"mock_providers.oidc.{name}" for name in ENDPOINT_MODULES}
    assert graph["mock_providers.oidc.provider"] & (endpoints | {"mock_providers.oidc.routing"}) == set()
    assert endpoints <= graph["mock_providers.oidc.routing"]
    assert [e for e in sorted(endpoints) if "mock_providers.oidc.routing" in graph[e]] == []


def test_no_import_is_hidden_in_a_function() -> None:
    assert function_local_imports("mock_providers") == []


def test_a_cycle_is_found_with_its_path() -> None:
    """The detector itself: a two-module loop and a hidden back edge are reported, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None

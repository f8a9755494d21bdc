"""The reference server's modules import one another one way: no cycle (the store's package and its PostgreSQL
back end share `store/urls.py` instead of importing each other)."""

from __future__ import annotations

from tests.import_graph import find_cycle, import_graph


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph("reference_server")
    assert "reference_server.store.postgres" in graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])

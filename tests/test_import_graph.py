"""Our packages import one way: the mocks' OIDC core (endpoint modules depend on the provider's state and the claim
helpers, routing on the endpoints, vendors on the core; nothing imports back), the whole of mock_providers and the
reference server have no import cycle, and no import hides in a function of mock_providers.

The graph is read with ast (nothing is imported): every `import` counts, at module level, under `if TYPE_CHECKING:`
or inside a function, since an import hidden in a function still closes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for `package` (e.g. ``mock_providers.oidc``) and everything under it."""
    base = ROOT.joinpath(*package.split("."))
    found = {}
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports (``from . import x`` is module ``x`` when there is one)."""
    mods = modules(package)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                candidates = [[alias.name] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                anchor = here
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                source = node.module or "" if not node.level else ".".join(p for p in (anchor, node.module) if p)
                candidates = [[f"{source}.{alias.name}", source] for alias in node.names]
            else:
                continue
            for names in candidates:
                target = next((n for n in names if n in mods), None)
                if target is not None and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (``a -> b -> a``), or None when the graph is acyclic."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        for target in sorted(graph[node]):
            if target in path:
                return [*path[path.index(target) :], target]
            if target not in done:
                cycle = visit(target, [*path, target])
                if cycle:
                    return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start, [start])):
            return cycle
    return None


def _optional(tree: ast.AST) -> set[ast.AST]:
    """Imports under `try: ... except ImportError`: an optional dependency (uvloop, httptools), not a hidden cycle."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            guarded.update(n for stmt in node.body for n in ast.walk(stmt))
    return guarded


def function_local_imports(package: str) -> list[str]:
    """``path:line`` of every import inside a function body of `package`, optional dependencies aside."""
    found = []
    for path in modules(package).values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = _optional(tree)
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom) and node not in optional
                ]
    return sorted(set(found))


ENDPOINT_MODULES = ("authorize", "discovery", "token", "userinfo", "logout")


@pytest.mark.parametrize("package", ["mock_providers.oidc", "mock_providers", "reference_server"])
def test_the_import_graph_has_no_cycle(package: str) -> None:
    graph = import_graph(package)
    assert len(graph) > 10  # the parse found the package's modules
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_provider_imports_no_endpoint_and_the_endpoints_no_routing() -> None:
    graph = import_graph("mock_providers.oidc")
    endpoints = {f"mock_providers.oidc.{name}" for name in ENDPOINT_MODULES}
    assert graph["mock_providers.oidc.provider"] & (endpoints | {"mock_providers.oidc.routing"}) == set()
    assert endpoints <= graph["mock_providers.oidc.routing"]
    assert [e for e in sorted(endpoints) if "mock_providers.oidc.routing" in graph[e]] == []


def test_the_store_and_its_postgres_back_end_share_a_module_instead_of_importing_each_other() -> None:
    graph = import_graph("reference_server")
    assert "reference_server.store" not in graph["reference_server.store.postgres"]
    assert "reference_server.store.urls" in graph["reference_server.store.postgres"]


def test_no_import_is_hidden_in_a_function_of_the_mocks() -> None:
    assert function_local_imports("mock_providers") == []


def test_a_cycle_is_found_with_its_path() -> None:
    """The detector itself: a two-module loop and a loop further down are reported, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None

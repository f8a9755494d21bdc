"""The documented contract of `GET /api/auth/{nextauth}` as OpenAPI 3.1 and JSON Schemas.

`openapi.yaml` is the single source: its `components.schemas` are JSON Schema 2020-12. `schema(name)` returns
one of them as a standalone schema (its references bundled under `$defs`), which is what `schemas/*.json`
holds for tools that want plain files (`python -m spec` rewrites them; a test keeps them in sync).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

__all__ = [
    "SCHEMA_NAMES",
    "SPEC_DIR",
    "clauses",
    "load_openapi",
    "load_published",
    "schema",
    "validator",
]

SPEC_DIR = Path(__file__).resolve().parent
_COMPONENT_REF = "#/components/schemas/"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the same documents, ~10x faster (openapi.yaml is read at import)."""


@functools.cache
def _read_yaml(name: str) -> dict[str, Any]:
    with (SPEC_DIR / name).open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_LOADER)  # noqa: S506 - a safe loader
    return document


def load_openapi() -> dict[str, Any]:
    """The per-action OpenAPI document (a fresh copy: callers such as schemathesis may mutate it)."""
    return copy.deepcopy(_read_yaml("openapi.yaml"))


def load_published() -> dict[str, Any]:
    """The page's single-path form, with the component schemas of `openapi.yaml` spliced in."""
    document = copy.deepcopy(_read_yaml("published.yaml"))
    document["components"] = {"schemas": load_openapi()["components"]["schemas"]}
    text = json.dumps(document).replace('"openapi.yaml#/components/', '"#/components/')
    published: dict[str, Any] = json.loads(text)
    return published


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = _read_yaml("openapi.yaml")["components"]["schemas"]
    return schemas


SCHEMA_NAMES: tuple[str, ...] = tuple(sorted(_components()))


def _referenced_names(node: Any) -> set[str]:
    """Names of the component schemas a schema fragment refers to, directly."""
    if isinstance(node, dict):
        found = set()
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENT_REF):
            found.add(ref.removeprefix(_COMPONENT_REF))
        for value in node.values():
            found |= _referenced_names(value)
        return found
    if isinstance(node, list):
        return set().union(*(_referenced_names(item) for item in node)) if node else set()
    return set()


@functools.cache
def _standalone(name: str) -> str:
    components = _components()
    if name not in components:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    needed, queue = set(), [name]
    while queue:
        for ref in _referenced_names(components[queue.pop()]):
            if ref not in needed and ref != name:
                needed.add(ref)
                queue.append(ref)
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://nextauth-conformance.invalid/schemas/{name}.json",
        "title": name,
        **components[name],
    }
    if needed:
        document["$defs"] = {ref: components[ref] for ref in sorted(needed)}
    return json.dumps(document, indent=2, sort_keys=False).replace(f'"{_COMPONENT_REF}', '"#/$defs/')


def schema(name: str) -> dict[str, Any]:
    """One component schema as a standalone JSON Schema 2020-12 document."""
    document: dict[str, Any] = json.loads(_standalone(name))
    return document


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one schema that also checks `format` (email, uuid)."""
    return Draft202012Validator(schema(name), format_checker=FormatChecker())


def clauses() -> dict[str, str]:
    """Clause id -> the text it stands for."""
    return dict(_read_yaml("clauses.yaml")["clauses"])

"""The control API's one validation mechanism: every body is checked against its schema in control_openapi.yaml.

The HTTP face validates each request body against its operation's ``requestBody`` schema, the Python face
(:class:`~mock_providers.oidc.control.ControlPlane`) validates its arguments against the same component
schemas, and both refuse with :class:`ControlInputError`, whose message starts with the offending field.
The fault schema's ``endpoint``/``kind`` enums and parameters come from the registry in ``faults.py``, so a
new fault kind or parameter is validated (and fuzzed) without touching this module.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from . import faults

DOCUMENT_PATH = Path(__file__).with_name("control_openapi.yaml")
MOUNT = "/_mock"
MAX_MESSAGE = 300


class ControlInputError(ValueError):
    """A control-API body or argument that does not fit its schema; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI description with the fault registry filled in (served at ``/_mock/openapi.json``)."""
    doc: dict[str, Any] = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    schemas = doc["components"]["schemas"]
    schemas["Fault"] = fault_schema(schemas["Fault"])
    return doc


def fault_schema(base: dict[str, Any]) -> dict[str, Any]:
    """The yaml's Fault schema plus the registry: endpoint and kind enums, and per kind (``if kind == k``) the
    parameters it reads, at the top level or under ``params``, and the one endpoint a tampering kind fits."""
    schema = copy.deepcopy(base)
    properties = schema["properties"]
    properties["endpoint"]["enum"] = list(faults.ENDPOINTS)
    properties["kind"]["enum"] = list(faults.KINDS)
    names = sorted({name for params in faults.FAULT_PARAMS.values() for name in params})
    properties.update(dict.fromkeys(names, True))  # typed per kind below
    rules = []
    for kind in faults.KINDS:
        params = copy.deepcopy(faults.FAULT_PARAMS.get(kind, {}))
        then: dict[str, Any] = {
            "properties": {
                **params,
                "params": {"type": "object", "properties": params, "propertyNames": {"enum": list(params)}},
            },
            "propertyNames": {"enum": ["endpoint", "kind", "times", "params", "scope", *params]},
        }
        if kind in faults.FAULT_ENDPOINTS:
            endpoint = faults.FAULT_ENDPOINTS[kind]
            then["properties"]["endpoint"] = {
                "const": endpoint,
                "description": f"{kind} applies to the {endpoint} endpoint only",
            }
        rules.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    schema["allOf"] = rules
    return schema


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": document()["components"]}
    return Draft202012Validator(root)


def validate(schema_name: str, value: Any) -> None:
    """Raise :class:`ControlInputError` unless ``value`` fits ``components/schemas/<schema_name>``."""
    error = best_match(_validator(schema_name).iter_errors(value))
    if error is not None:
        raise as_input_error(error)


def body_schema(route_path: str, method: str) -> str:
    """The component schema of an operation's JSON body (``Empty`` for operations that take none)."""
    path = MOUNT if route_path == "/" else MOUNT + route_path
    body = document()["paths"][path][method.lower()].get("requestBody")
    if body is None:
        return "Empty"
    ref: str = resolve(body)["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) in the document."""
    target: Any = node
    if "$ref" in node:
        target = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
    return dict(target)


def as_input_error(error: ValidationError) -> ControlInputError:
    """Word a schema violation as ``<field>: <what is wrong>``, the field found from the error's path."""
    path = [str(p) for p in error.absolute_path]
    instance: Any = error.instance
    expected: Any = error.validator_value
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    about_name = "propertyNames" in error.schema_path  # the instance is a field name, not a value
    if error.validator == "required":
        missing = [name for name in expected if name not in instance]
        return ControlInputError(".".join([*path, missing[0]]), "is required")
    if error.validator == "additionalProperties" and expected is False:
        known = schema.get("properties", {})
        extra = sorted(name for name in instance if name not in known)
        accepted = f"accepted: {', '.join(known)}" if known else "this operation takes no fields"
        return ControlInputError(".".join([*path, extra[0]]), f"unknown field; {accepted}")
    field = ".".join([*path, str(instance)] if about_name else path)
    if error.validator == "enum" and about_name:
        return ControlInputError(field, f"unknown field; accepted: {', '.join(expected)}")
    if error.validator in ("not", "const") and "description" in schema:  # the schema says why
        return ControlInputError(field, str(schema["description"]))
    if error.validator == "enum":
        return ControlInputError(field, f"must be one of {', '.join(map(str, expected))}; got {instance!r}")
    return ControlInputError(field, error.message[:MAX_MESSAGE])

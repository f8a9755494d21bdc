"""Schemathesis (positive mode) over spec/openapi.yaml against the reference server: no server errors, every
response conforms (status, content type, headers, schema)."""

from __future__ import annotations

import schemathesis
from schemathesis import GenerationMode

import spec

schema = schemathesis.openapi.from_dict(spec.load_openapi())
schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=25)


@schema.parametrize()
def test_reference_server_conforms_to_its_spec(case, reference) -> None:
    case.call_and_validate(base_url=reference.url, timeout=10)

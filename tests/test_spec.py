"""The spec is valid OpenAPI 3.1, represents every schema and field of the API page, and stays in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

import spec

PAGE_SCHEMAS = {
    "AuthSessionAuthenticatedResponse",
    "AuthSessionUser",
    "EmptyObjectResponse",
    "CsrfTokenResponse",
    "AuthProvidersResponse",
    "ProviderInfo",
    "OAuthCallbackHtmlResponse",
    "NextAuthGetResponse",
}
PAGE_USER_FIELDS = {
    "id": "string",
    "email": "string",
    "name": "string",
    "username": "string",
    "image": "string",
    "proToken": "string",
    "tenant": "string",
    "tenantSlug": "string",
    "user_type": "string",
    "clientId": "string",
    "contactId": "string",
    "plan": "string",
    "addons": "array",
    "trial_end": ["string", "null"],
    "subscription_status": ["string", "null"],
    "solo_pro_trial_end": ["string", "null"],
    "premium_trial_end": ["string", "null"],
    "premium_trial_confirmed": "boolean",
    "premium_trial_effective_date": ["string", "null"],
}
ACTIONS = [
    "csrf",
    "providers",
    "session",
    "signin",
    "signout",
    "error",
    "verify-request",
    "webauthn-options",
    "callback/{provider}",
]


def test_openapi_documents_are_valid() -> None:
    validate(spec.load_openapi())
    validate(spec.load_published())


def test_every_schema_of_the_page_is_a_component() -> None:
    assert set(spec.SCHEMA_NAMES) >= PAGE_SCHEMAS


def test_every_user_field_of_the_page_has_its_type_and_required_flag() -> None:
    user = spec.schema("AuthSessionUser")
    assert {name: field["type"] for name, field in user["properties"].items()} == PAGE_USER_FIELDS
    assert set(user["required"]) == {"id", "email", "name", "username"}
    assert user["properties"]["user_type"]["enum"] == ["client", "internal"]
    assert user["properties"]["subscription_status"]["enum"] == ["active", "trialing", "past_due", "unpaid", None]
    assert user["properties"]["clientId"]["format"] == user["properties"]["contactId"]["format"] == "uuid"


def test_empty_object_is_strict_so_a_session_cannot_pass_as_empty() -> None:
    assert not list(spec.validator("EmptyObjectResponse").iter_errors({}))
    assert list(spec.validator("EmptyObjectResponse").iter_errors({"user": {}}))
    assert list(spec.validator("SessionResponse").iter_errors({"user": {"id": "x"}}))


def test_formats_are_checked() -> None:
    user = {"id": "1", "email": "not-an-email", "name": "n", "username": "u", "clientId": "nope"}
    messages = " ".join(e.message for e in spec.validator("AuthSessionUser").iter_errors(user))
    assert "email" in messages and "uuid" in messages


def test_one_path_per_action_with_the_page_query_parameters() -> None:
    paths = spec.load_openapi()["paths"]
    for action in ACTIONS:
        assert f"/api/auth/{action}" in paths, action
    names = {p["$ref"].rsplit("/", 1)[1] for p in paths["/api/auth/csrf"]["get"]["parameters"]}
    assert names == {"callbackUrl", "error", "code", "state", "error_description"}
    assert set(paths["/api/auth/callback/{provider}"]["get"]["responses"]) == {"200", "302"}


def test_published_form_keeps_the_single_path_and_documented_codes() -> None:
    published = spec.load_published()
    operation = published["paths"]["/api/auth/{nextauth}"]["get"]
    assert set(operation["responses"]) == {"200", "302", "404"}


def test_generated_json_schemas_are_in_sync() -> None:
    folder = Path(spec.__file__).parent / "schemas"
    on_disk = {path.stem for path in folder.glob("*.json")}
    assert on_disk == set(spec.SCHEMA_NAMES), "run: python -m spec"
    for name in spec.SCHEMA_NAMES:
        assert json.loads((folder / f"{name}.json").read_text()) == spec.schema(name), f"{name}: run python -m spec"


def test_every_cited_clause_exists() -> None:
    text = (Path(spec.__file__).parent / "openapi.yaml").read_text()
    cited = set(re.findall(r"x-clause: ([A-Za-z0-9.-]+)", text))
    assert cited and cited <= set(spec.clauses())


def test_unknown_schema_name_says_which_exist() -> None:
    with pytest.raises(KeyError, match="CsrfTokenResponse"):
        spec.schema("Nope")


@pytest.mark.parametrize("name", sorted(p.name for p in spec.SPEC_DIR.glob("*.yaml")))
def test_the_spec_files_read_as_the_pure_python_safe_loader_reads_them(name: str) -> None:
    pure = yaml.load((spec.SPEC_DIR / name).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)  # noqa: S506
    assert spec._read_yaml(name) == pure

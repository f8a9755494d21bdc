"""The session schema judgement shared by SESS-002 and CB-006: a user field the profile knows to be null
(AlgaPSA's contactId of internal users) is tolerated, any other departure is reported with its path."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from harness.checks._common import session_schema_errors
from harness.profiles import PROFILES

USER = {"id": "u1", "email": "a@example.com", "name": "A", "username": "a", "user_type": "internal"}


def _errors(profile: str, user: dict[str, Any]) -> list[str]:
    ctx: Any = SimpleNamespace(profile=PROFILES[profile])
    return session_schema_errors(ctx, {"user": user, "session_id": "00000000-0000-4000-8000-0000000000c3"})


def test_a_tolerated_null_passes_under_the_profile_that_knows_it() -> None:
    assert _errors("algapsa", {**USER, "contactId": None}) == []


def test_the_same_null_fails_where_the_profile_does_not_tolerate_it() -> None:
    assert _errors("documented", {**USER, "contactId": None}) == ["user/contactId: None is not of type 'string'"]


def test_other_departures_still_fail_under_the_tolerant_profile() -> None:
    errors = _errors("algapsa", {**USER, "contactId": "not-a-uuid", "user_type": "guest"})
    assert sorted(errors) == [
        "user/contactId: 'not-a-uuid' is not a 'uuid'",
        "user/user_type: 'guest' is not one of ['client', 'internal']",
    ]

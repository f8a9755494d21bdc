"""Claim helpers every endpoint and vendor shares: which claims a granted scope releases, and the clock."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

EMAIL_CLAIMS = frozenset({"email", "email_verified"})
PROFILE_CLAIMS = frozenset({"name", "given_name", "family_name", "picture", "locale", "preferred_username"})


def released(claims: Mapping[str, Any], scope: str) -> dict[str, Any]:
    """`claims` minus the email/profile ones whose scope was not granted (OIDC Core 5.4), ``None`` values dropped."""
    scopes = set(scope.split())
    return {
        k: v
        for k, v in claims.items()
        if v is not None
        and not (k in EMAIL_CLAIMS and "email" not in scopes)
        and not (k in PROFILE_CLAIMS and "profile" not in scopes)
    }


def now() -> int:
    return int(time.time())

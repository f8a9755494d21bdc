"""Issued access and refresh tokens, so userinfo, introspection, revocation and refresh can look them up."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from .users import User


@dataclass
class Grant:
    """What a token stands for: who, for which client, with which scope, until when."""

    user: User
    client_id: str
    scope: str
    tenant: str
    session_id: str
    expires_at: float
    nonce: str | None = None
    offline: bool = False
    flow: dict[str, str] = field(default_factory=dict)
    """What the authorization request that issued it is known by (faults.SCOPE_KEYS), for scoped faults."""


class TokenStore:
    def __init__(self) -> None:
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    @staticmethod
    def opaque(prefix: str = "") -> str:
        return prefix + secrets.token_urlsafe(48)

    def remember_access(self, token: str, grant: Grant) -> None:
        self._access[token] = grant

    def remember_refresh(self, token: str, grant: Grant) -> None:
        self._refresh[token] = grant

    def access(self, token: str) -> Grant | None:
        grant = self._access.get(token)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant

    def refresh(self, token: str) -> Grant | None:
        return self._refresh.get(token)

    def revoke(self, token: str) -> bool:
        found = self._access.pop(token, None) or self._refresh.pop(token, None)
        return found is not None

    def clear(self) -> None:
        self._access.clear()
        self._refresh.clear()

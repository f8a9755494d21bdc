"""Authorization codes (RFC 6749 4.1.2): single use, short lived, bound to client, redirect_uri and tenant."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from .errors import Reason
from .users import User


@dataclass
class AuthorizationRequest:
    """What the client asked for at /authorize; kept while the user picks an account."""

    client_id: str
    redirect_uri: str
    scope: str
    tenant: str = ""
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    response_mode: str = "query"
    login_hint: str | None = None
    prompt: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def request_flow(request: AuthorizationRequest) -> dict[str, str]:
    """What an authorization request is known by at every endpoint of its flow (faults.SCOPE_KEYS)."""
    known = {
        "login_hint": request.login_hint,
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": request.code_challenge,
    }
    return {"client_id": request.client_id} | {key: value for key, value in known.items() if value}


@dataclass
class AuthorizationCode:
    value: str
    request: AuthorizationRequest
    user: User
    issued_at: float
    session_id: str
    used: bool = False


class CodeStore:
    """Redeeming twice, late, or with another client fails with a :class:`Reason` the vendor words."""

    def __init__(self, ttl_seconds: float = 60.0, code_prefix: str = "") -> None:
        self.ttl_seconds = self.initial_ttl_seconds = ttl_seconds
        self.code_prefix = code_prefix
        self._codes: dict[str, AuthorizationCode] = {}

    def issue(self, request: AuthorizationRequest, user: User) -> AuthorizationCode:
        value = self.code_prefix + secrets.token_urlsafe(32)
        code = AuthorizationCode(value, request, user, time.monotonic(), secrets.token_hex(16))
        self._codes[value] = code
        return code

    def peek(self, value: str) -> AuthorizationCode | None:
        """The code's record without redeeming it (which flow a token request belongs to)."""
        return self._codes.get(value)

    def redeem(self, value: str, client_id: str, tenant: str) -> AuthorizationCode:
        code = self._codes.get(value)
        if code is None or code.request.tenant != tenant:
            raise Reason("code_invalid")
        if code.used:
            raise Reason("code_reused")
        code.used = True
        if time.monotonic() - code.issued_at > self.ttl_seconds:
            raise Reason("code_expired")
        if code.request.client_id != client_id:
            raise Reason("code_client_mismatch")
        return code

    def clear(self) -> None:
        self._codes.clear()
        self.ttl_seconds = self.initial_ttl_seconds

"""Fault injection: make the next N calls of an endpoint fail in a chosen way.

Kinds: ``error`` (vendor error body / authorize redirect; params ``error``, ``error_description``,
``status``), ``access_denied`` (authorize), ``status`` (plain 5xx; param ``status``), ``delay`` (param
``seconds``, then the normal answer), ``malformed_json``, and ID-token tampering at the token endpoint:
``wrong_issuer``, ``wrong_audience``, ``wrong_nonce``, ``bad_signature``, ``expired_id_token``, ``alg_none``,
``unknown_key``, ``kid_absent``, ``untrusted_azp``, ``iat_future``, ``missing_iat``, ``missing_sub``,
``missing_nonce``; ``wrong_sub`` at userinfo and ``wrong_discovery_issuer`` at discovery. `FAULT_ENDPOINTS`
names the one endpoint where each tampering kind means something (the relying-party checks, harness/checks/rp.py,
inject one of them per sign-in).

A fault with a ``scope`` (any of ``login_hint``, ``state``, ``nonce``, ``client_id``, ``code_challenge``)
applies only to calls that belong to that authorization request: /authorize by its own parameters, /token and
/userinfo by the code or access token it issued. So several sign-ins (parallel checks, several CI jobs) can share
one mock, each with its own fault; a fault without a scope is global (the form for manual use).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENDPOINTS = (
    "discovery",
    "authorize",
    "token",
    "userinfo",
    "jwks",
    "revoke",
    "logout",
    "introspect",
    "graph_me",
    "graph_photo",
)
ID_TOKEN_FAULTS = (
    "wrong_issuer",
    "wrong_audience",
    "wrong_nonce",
    "bad_signature",
    "expired_id_token",
    "alg_none",
    "unknown_key",
    "kid_absent",
    "untrusted_azp",
    "iat_future",
    "missing_iat",
    "missing_sub",
    "missing_nonce",
)
USERINFO_FAULTS = ("wrong_sub",)
DISCOVERY_FAULTS = ("wrong_discovery_issuer",)
KINDS = (
    "error",
    "access_denied",
    "status",
    "delay",
    "malformed_json",
    *ID_TOKEN_FAULTS,
    *USERINFO_FAULTS,
    *DISCOVERY_FAULTS,
)
#: Tampering kinds and the only endpoint whose answer they change; elsewhere they would silently do nothing.
FAULT_ENDPOINTS: dict[str, str] = {
    **dict.fromkeys(ID_TOKEN_FAULTS, "token"),
    **dict.fromkeys(USERINFO_FAULTS, "userinfo"),
    **dict.fromkeys(DISCOVERY_FAULTS, "discovery"),
}
SCOPE_KEYS = ("login_hint", "state", "nonce", "client_id", "code_challenge")
"""What an authorization request is known by at every endpoint of its flow (`Fault.scope`)."""
MAX_DELAY_SECONDS = 60.0
MAX_CLOCK_SKEW_SECONDS = 10 * 365 * 86400
#: RFC 6749 A.7/A.8: ``error`` and ``error_description`` are NQSCHAR (printable ASCII except ``"`` and ``\\``).
NQSCHAR = "^[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]*$"
ERROR_CODE = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NQSCHAR}
DESCRIPTION = {"type": "string", "maxLength": 1000, "pattern": NQSCHAR}
HTTP_ERROR = {"type": "integer", "minimum": 400, "maximum": 599, "description": "an HTTP error status"}
TEXT = {"type": "string", "maxLength": 2000}
#: The parameters each kind reads, as JSON Schemas (a kind not listed takes none). The control API validates
#: every fault body against them (control_schema.py): a new kind or parameter is added here and nowhere else.
FAULT_PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "error": {"error": ERROR_CODE, "error_description": DESCRIPTION, "status": HTTP_ERROR},
    "access_denied": {"error": ERROR_CODE, "error_description": DESCRIPTION},
    "status": {"status": HTTP_ERROR},
    "delay": {"seconds": {"type": "number", "minimum": 0, "maximum": MAX_DELAY_SECONDS}},
    "wrong_issuer": {"issuer": TEXT},
    "wrong_audience": {"audience": TEXT},
    "wrong_nonce": {"nonce": TEXT},
    "untrusted_azp": {"azp": TEXT},
    "iat_future": {"seconds": {"type": "number", "minimum": 0, "maximum": MAX_CLOCK_SKEW_SECONDS}},
    "wrong_sub": {"sub": TEXT},
    "wrong_discovery_issuer": {"issuer": TEXT},
}


@dataclass
class Fault:
    endpoint: str
    kind: str
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)

    def applies_to(self, endpoint: str, flow: Mapping[str, str]) -> bool:
        """This endpoint, and (when scoped) a call of the authorization request the scope names."""
        return self.endpoint == endpoint and all(flow.get(key) == value for key, value in self.scope.items())


def fault_from_mapping(data: dict[str, Any]) -> Fault:
    """A fault from a control-API body already validated against the ``Fault`` schema (control_schema)."""
    params = {k: v for k, v in data.items() if k not in ("endpoint", "kind", "times", "params", "scope")}
    params.update(data.get("params") or {})
    scope = {str(k): str(v) for k, v in (data.get("scope") or {}).items()}
    return Fault(data["endpoint"], data["kind"], int(data.get("times", 1)), params, scope)


class FaultPlan:
    """Thread-safe queue of faults per endpoint; each call consumes one use of the oldest fault."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, endpoint: str, flow: Mapping[str, str] | None = None) -> Fault | None:
        """The oldest fault for this call: `flow` is what the call's authorization request is known by."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(endpoint, flow or {}):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def waiting(self, endpoint: str, flow: Mapping[str, str]) -> bool:
        """Whether a call of this flow would take a fault now (`take` without using it up)."""
        with self._lock:
            return any(fault.applies_to(endpoint, flow) for fault in self._faults)

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{k: v for k, v in vars(f).items() if k != "scope" or v} for f in self._faults]

    def clear(self, scope: Mapping[str, str] | None = None) -> None:
        """Every fault, or (with `scope`) only those scoped to exactly these values."""
        with self._lock:
            if scope:
                self._faults = [f for f in self._faults if f.scope != dict(scope)]
            else:
                self._faults.clear()

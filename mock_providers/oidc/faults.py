"""Fault injection: make the next N calls of an endpoint fail in a chosen way.

Kinds: ``error`` (vendor error body / authorize redirect; params ``error``, ``error_description``,
``status``), ``access_denied`` (authorize), ``status`` (plain 5xx; param ``status``), ``delay`` (param
``seconds``, then the normal answer), ``malformed_json``, and ID-token tampering at the token endpoint:
``wrong_issuer``, ``wrong_audience``, ``wrong_nonce``, ``bad_signature``, ``expired_id_token``, ``alg_none``,
``unknown_key``, ``kid_absent``, ``untrusted_azp``, ``iat_future``, ``missing_iat``, ``missing_sub``,
``missing_nonce``; ``wrong_sub`` at userinfo and ``wrong_discovery_issuer`` at discovery. `FAULT_ENDPOINTS`
names the one endpoint where each tampering kind means something (the relying-party checks, harness/checks/rp.py,
inject one of them per sign-in).
"""

from __future__ import annotations

import threading
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
#: The parameters each kind reads and their JSON types (a kind not listed takes none), for body validation.
FAULT_PARAMS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "error": {"error": str, "error_description": str, "status": int},
    "status": {"status": int},
    "delay": {"seconds": (int, float)},
    "wrong_issuer": {"issuer": str},
    "wrong_audience": {"audience": str},
    "wrong_nonce": {"nonce": str},
    "untrusted_azp": {"azp": str},
    "iat_future": {"seconds": (int, float)},
    "wrong_sub": {"sub": str},
    "wrong_discovery_issuer": {"issuer": str},
}
MAX_DELAY_SECONDS = 60.0


@dataclass
class Fault:
    endpoint: str
    kind: str
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)


def fault_from_mapping(data: dict[str, Any]) -> Fault:
    """Validate a control-API fault; errors say which values are accepted."""
    endpoint, kind = data.get("endpoint"), data.get("kind")
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}; got {endpoint!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if FAULT_ENDPOINTS.get(kind, endpoint) != endpoint:
        raise ValueError(f"kind {kind} applies to the {FAULT_ENDPOINTS[kind]} endpoint only; got {endpoint!r}")
    times = data.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 10_000:
        raise ValueError("times must be an integer from 1 to 10000")
    params = {k: v for k, v in data.items() if k not in ("endpoint", "kind", "times", "vendor")}
    params.update(data.get("params") or {})
    if kind == "delay":
        seconds = params.get("seconds", 1)
        if not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay seconds must be a number from 0 to {MAX_DELAY_SECONDS:g}")
    if kind == "status" and params.get("status", 503) not in range(400, 600):
        raise ValueError("status must be an HTTP error status (400-599)")
    for name, expected in FAULT_PARAMS.get(kind, {}).items():
        value = params.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, expected)):
            raise ValueError(f"{kind} parameter {name} has the wrong type: {type(value).__name__}")
    return Fault(endpoint=endpoint, kind=kind, times=times, params=params)


class FaultPlan:
    """Thread-safe queue of faults per endpoint; each call consumes one use of the oldest fault."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.endpoint == endpoint:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(f).copy() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

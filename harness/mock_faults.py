"""The mock IdP's control API as the relying-party checks use it: inject a fault, see whether it was used, clear.

Over HTTP (`--mock-idp URL` + `/_mock/...`), so the checks work against mocks in another process. Every call
has a timeout; a control API that does not answer is `SignInFailed`, which the checks turn into a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from harness.mock_idp import MockIdp
from harness.signin import SignInFailed

__all__ = ["FaultSpec", "MockControl", "flow_scope"]

SCOPE_KEYS = ("state", "code_challenge", "nonce")
"""What one authorization request is known by at the mock, most specific first (mock_providers/oidc/faults.py)."""


def flow_scope(authorize_url: str) -> dict[str, str]:
    """The scope that confines a fault to the sign-in whose authorization request is `authorize_url`: its
    `state`, else its PKCE challenge, else its nonce (empty when it carries none of them)."""
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    return next(({key: query[key]} for key in SCOPE_KEYS if query.get(key)), {})


@dataclass(frozen=True)
class FaultSpec:
    """One fault as the control API takes it: the endpoint, the kind, how many calls, the kind's parameters."""

    endpoint: str
    kind: str
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    """Only calls of the authorization request with these values (`flow_scope`); empty: every call (global)."""

    def body(self) -> dict[str, Any]:
        scope = {"scope": self.scope} if self.scope else {}
        return {"endpoint": self.endpoint, "kind": self.kind, "times": self.times, **self.params, **scope}

    def scoped(self, scope: dict[str, str]) -> FaultSpec:
        return replace(self, scope=dict(scope))


class MockControl:
    """`/_mock/{vendor}/faults` and `/keys/rotate` of one running mock, through the run's mock-IdP client."""

    def __init__(self, idp: MockIdp) -> None:
        self.base = idp.url + "/_mock"
        self._http = idp.client()

    def __enter__(self) -> MockControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base}/{path}"
        try:
            response = self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise SignInFailed(f"the mock IdP's control API at {url} did not answer: {exc}") from None
        if response.status_code >= 400:
            raise SignInFailed(f"the mock IdP refused {method} {url}: {response.status_code} {response.text[:160]}")
        return response.json()

    def inject(self, vendor: str, fault: FaultSpec) -> None:
        self._call("POST", f"{vendor}/faults", fault.body())

    def pending(self, vendor: str) -> list[dict[str, Any]]:
        result = self._call("GET", f"{vendor}/faults")
        return result if isinstance(result, list) else []

    def used(self, vendor: str, fault: FaultSpec) -> bool:
        """True when the target made at least one call that consumed `fault` (call before `clear`)."""
        for left in self.pending(vendor):
            same = (left.get("endpoint"), left.get("kind"), left.get("scope") or {})
            if same == (fault.endpoint, fault.kind, fault.scope):
                return int(left.get("times", fault.times)) < fault.times
        return True

    def clear(self, vendor: str, scope: dict[str, str] | None = None) -> None:
        """Every fault of the vendor, or only those scoped to exactly `scope` (leaves other runs' faults alone)."""
        self._call("DELETE", f"{vendor}/faults" + (f"?{urlencode(scope)}" if scope else ""))

    def rotate_keys(self, vendor: str) -> dict[str, Any]:
        result = self._call("POST", f"{vendor}/keys/rotate", {})
        return result if isinstance(result, dict) else {}

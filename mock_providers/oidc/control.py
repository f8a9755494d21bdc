"""Control API: change users, inject faults, rotate keys, read the request log, reset.

The same operations exist as Python methods (:class:`ControlPlane`) and as JSON over HTTP under ``/_mock``:

    GET    /_mock                         vendors, issuers and clients
    GET    /_mock/openapi.json            the OpenAPI description (control_openapi.yaml + the fault registry)
    GET    /_mock/health
    GET    /_mock/requests?vendor=&endpoint=
    POST   /_mock/reset
    GET    /_mock/{vendor}/users          POST to add, PATCH /_mock/{vendor}/users/{sub-or-email}
    POST   /_mock/{vendor}/faults         {"endpoint": "token", "kind": "error", "times": 1, ...}
    DELETE /_mock/{vendor}/faults
    POST   /_mock/{vendor}/keys/rotate
    POST   /_mock/{vendor}/auto-login     {"enabled": true}

Every body and every Python argument is validated against its schema (control_schema.py) before anything
changes, so a bad value is a 400 / :class:`ControlInputError` naming the field, never corrupted state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .control_schema import ControlInputError, body_schema, document, validate
from .faults import SCOPE_KEYS, fault_from_mapping
from .provider import Provider
from .requestlog import RequestLog


class ControlPlane:
    """Python control API over the running providers (thread-safe enough for tests: small atomic updates)."""

    def __init__(self, providers: Mapping[str, Provider], log: RequestLog, resolve: Callable[[str], str]) -> None:
        self.providers = dict(providers)
        self.log = log
        self._resolve = resolve

    def provider(self, vendor: str) -> Provider:
        return self.providers[self._resolve(vendor)]

    def add_user(self, vendor: str, /, **user: Any) -> dict[str, Any]:
        return self.provider(vendor).users.add(user).public_dict()

    def patch_user(self, vendor: str, key: str, /, **changes: Any) -> dict[str, Any]:
        return self.provider(vendor).users.patch(key, changes).public_dict()

    def users(self, vendor: str) -> list[dict[str, Any]]:
        return [u.public_dict() for u in self.provider(vendor).users.users]

    def inject_fault(self, vendor: str, endpoint: str, kind: str, times: int = 1, /, **params: Any) -> None:
        self.add_fault(vendor, {"endpoint": endpoint, "kind": kind, "times": times, **params})

    def add_fault(self, vendor: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Queue a fault given as the control API's JSON body; returns the vendor's pending faults."""
        validate("Fault", body)
        faults = self.provider(vendor).faults
        faults.add(fault_from_mapping(dict(body)))
        return faults.pending()

    def clear_faults(self, vendor: str, scope: Mapping[str, str] | None = None) -> None:
        """All of the vendor's faults, or only those scoped to exactly `scope`."""
        self.provider(vendor).faults.clear(scope)

    def rotate_keys(self, vendor: str) -> dict[str, Any]:
        ring = self.provider(vendor).keys
        ring.rotate()
        return {"kid": ring.active.kid, "kids": [k.kid for k in ring.keys]}

    def set_auto_login(self, enabled: bool, vendor: str | None = None) -> None:
        validate("AutoLogin", {"enabled": enabled})
        for name in [self._resolve(vendor)] if vendor else self.providers:
            self.providers[name].auto_login = enabled

    def requests(self, vendor: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self.log.entries(self._resolve(vendor) if vendor else None, endpoint)

    def reset(self) -> None:
        for provider in self.providers.values():
            provider.reset()
        self.log.clear()


def control_routes(control: ControlPlane, summary: Callable[[Request], dict[str, Any]]) -> list[Route]:
    """HTTP face of :class:`ControlPlane`; each body is validated against its operation's schema first."""

    def route(path: str, method: str, action: Callable[[Request, dict[str, Any]], Any], status: int = 200) -> Route:
        schema = body_schema(path, method)

        async def handle(request: Request) -> Response:
            try:
                body = await json_body(request)
                validate(schema, body)
                result = action(request, body)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            except KeyError as exc:
                return JSONResponse({"error": f"not found: {exc.args[0]}"}, status_code=404)
            return JSONResponse(result if result is not None else {"ok": True}, status_code=status)

        return Route(path, handle, methods=[method])

    def vendor(request: Request) -> str:
        return str(request.path_params["vendor"])

    return [
        route("/", "GET", lambda r, b: summary(r)),
        route("/openapi.json", "GET", lambda r, b: document()),
        route("/health", "GET", lambda r, b: {"ok": True}),
        route(
            "/requests",
            "GET",
            lambda r, b: control.requests(r.query_params.get("vendor"), r.query_params.get("endpoint")),
        ),
        route("/reset", "POST", lambda r, b: control.reset()),
        route("/{vendor}/users", "GET", lambda r, b: control.users(vendor(r))),
        route("/{vendor}/users", "POST", lambda r, b: control.add_user(vendor(r), **b), 201),
        route("/{vendor}/users/{key}", "PATCH", lambda r, b: control.patch_user(vendor(r), r.path_params["key"], **b)),
        route("/{vendor}/faults", "POST", lambda r, b: {"pending": control.add_fault(vendor(r), b)}, 201),
        route("/{vendor}/faults", "GET", lambda r, b: control.provider(vendor(r)).faults.pending()),
        route("/{vendor}/faults", "DELETE", lambda r, b: control.clear_faults(vendor(r), _scope_query(r))),
        route("/{vendor}/keys/rotate", "POST", lambda r, b: control.rotate_keys(vendor(r))),
        route("/{vendor}/auto-login", "POST", lambda r, b: control.set_auto_login(b.get("enabled", True), vendor(r))),
    ]


def _scope_query(request: Request) -> dict[str, str]:
    """The fault scope named in a query (`?state=...`): the scope keys only, other parameters ignored."""
    return {key: value for key, value in request.query_params.items() if key in SCOPE_KEYS and value}


MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object: bounded in size and nesting, UTF-8 all through (no lone surrogates)."""
    if request.method in ("GET", "DELETE"):
        return {}
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ControlInputError("", "request body too large")
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ControlInputError("", f"body is not JSON: {exc}") from exc
    except RecursionError:
        data, too_deep = None, True
    else:
        too_deep = depth(data) > MAX_DEPTH
    if too_deep:
        raise ControlInputError("", f"body is nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise ControlInputError("", "body must be a JSON object")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ControlInputError("", "body has a string that is not valid Unicode (a lone surrogate)") from exc
    return data


def depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion (a hostile body cannot exhaust the stack here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest

"""Control API: change users, inject faults, rotate keys, read the request log, reset.

The same operations exist as Python methods (:class:`ControlPlane`) and as JSON over HTTP under ``/_mock``:

    GET    /_mock                         vendors, issuers and clients
    GET    /_mock/health
    GET    /_mock/requests?vendor=&endpoint=
    POST   /_mock/reset
    GET    /_mock/{vendor}/users          POST to add, PATCH /_mock/{vendor}/users/{sub-or-email}
    POST   /_mock/{vendor}/faults         {"endpoint": "token", "kind": "error", "times": 1, ...}
    DELETE /_mock/{vendor}/faults
    POST   /_mock/{vendor}/keys/rotate
    POST   /_mock/{vendor}/auto-login     {"enabled": true}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import fault_from_mapping
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

    def add_user(self, vendor: str, **user: Any) -> dict[str, Any]:
        return self.provider(vendor).users.add(user).public_dict()

    def patch_user(self, vendor: str, key: str, **changes: Any) -> dict[str, Any]:
        return self.provider(vendor).users.patch(key, changes).public_dict()

    def users(self, vendor: str) -> list[dict[str, Any]]:
        return [u.public_dict() for u in self.provider(vendor).users.users]

    def inject_fault(self, vendor: str, endpoint: str, kind: str, times: int = 1, **params: Any) -> None:
        fault = fault_from_mapping({"endpoint": endpoint, "kind": kind, "times": times, **params})
        self.provider(vendor).faults.add(fault)

    def clear_faults(self, vendor: str) -> None:
        self.provider(vendor).faults.clear()

    def rotate_keys(self, vendor: str) -> dict[str, Any]:
        ring = self.provider(vendor).keys
        ring.rotate()
        return {"kid": ring.active.kid, "kids": [k.kid for k in ring.keys]}

    def set_auto_login(self, enabled: bool, vendor: str | None = None) -> None:
        for name in [self._resolve(vendor)] if vendor else self.providers:
            self.providers[name].auto_login = enabled

    def requests(self, vendor: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self.log.entries(self._resolve(vendor) if vendor else None, endpoint)

    def reset(self) -> None:
        for provider in self.providers.values():
            provider.reset()
        self.log.clear()


def control_routes(control: ControlPlane, summary: Callable[[Request], dict[str, Any]]) -> list[Route]:
    """HTTP face of :class:`ControlPlane`; bad input is a 400 with a one-line ``error``."""

    def endpoint(action: Callable[[Request, dict[str, Any]], Any], status: int = 200) -> Callable[..., Any]:
        async def handle(request: Request) -> Response:
            try:
                body = await json_body(request)
                result = action(request, body)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            except KeyError as exc:
                return JSONResponse({"error": f"not found: {exc.args[0]}"}, status_code=404)
            return JSONResponse(result if result is not None else {"ok": True}, status_code=status)

        return handle

    def vendor(request: Request) -> str:
        return str(request.path_params["vendor"])

    def fault(r: Request, b: dict[str, Any]) -> dict[str, Any]:
        control.provider(vendor(r)).faults.add(fault_from_mapping(b))
        return {"pending": control.provider(vendor(r)).faults.pending()}

    def auto_login(r: Request, b: dict[str, Any]) -> None:
        control.set_auto_login(bool(b.get("enabled", True)), vendor(r))

    return [
        Route("/", endpoint(lambda r, b: summary(r)), methods=["GET"]),
        Route("/health", endpoint(lambda r, b: {"ok": True}), methods=["GET"]),
        Route(
            "/requests",
            endpoint(lambda r, b: control.requests(r.query_params.get("vendor"), r.query_params.get("endpoint"))),
            methods=["GET"],
        ),
        Route("/reset", endpoint(lambda r, b: control.reset()), methods=["POST"]),
        Route("/{vendor}/users", endpoint(lambda r, b: control.users(vendor(r))), methods=["GET"]),
        Route("/{vendor}/users", endpoint(lambda r, b: control.add_user(vendor(r), **b), 201), methods=["POST"]),
        Route(
            "/{vendor}/users/{key}",
            endpoint(lambda r, b: control.patch_user(vendor(r), r.path_params["key"], **b)),
            methods=["PATCH"],
        ),
        Route("/{vendor}/faults", endpoint(fault, 201), methods=["POST"]),
        Route(
            "/{vendor}/faults",
            endpoint(lambda r, b: control.provider(vendor(r)).faults.pending()),
            methods=["GET"],
        ),
        Route("/{vendor}/faults", endpoint(lambda r, b: control.clear_faults(vendor(r))), methods=["DELETE"]),
        Route("/{vendor}/keys/rotate", endpoint(lambda r, b: control.rotate_keys(vendor(r))), methods=["POST"]),
        Route("/{vendor}/auto-login", endpoint(auto_login), methods=["POST"]),
    ]


async def json_body(request: Request) -> dict[str, Any]:
    if request.method in ("GET", "DELETE"):
        return {}
    raw = await request.body()
    if len(raw) > 256 * 1024:
        raise ValueError("request body too large")
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data

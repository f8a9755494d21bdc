"""A bounded log of the requests the mocks received, so tests can assert what a client sent."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

SECRET_PARAMS = ("client_secret", "password")


@dataclass
class LoggedRequest:
    vendor: str
    endpoint: str
    method: str
    url: str
    params: dict[str, str]
    authorization: str | None
    status: int = 0
    fault: str | None = None
    at: float = field(default_factory=time.time)


class RequestLog:
    def __init__(self, limit: int = 2000) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> LoggedRequest:
        entry.params = {k: ("***" if k in SECRET_PARAMS else v) for k, v in entry.params.items()}
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self, vendor: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._entries)
        return [
            asdict(e)
            for e in items
            if (vendor is None or e.vendor == vendor) and (endpoint is None or e.endpoint == endpoint)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

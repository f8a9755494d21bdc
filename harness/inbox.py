"""Reading the mail a target sent: the mock inbox's HTTP API (`GET {inbox}?to=ADDRESS`, mock_providers/inbox_api.py).

The harness speaks only HTTP to it (the judge does not import the mocks), so any inbox with the same shape works:
`{"messages": [{"to": [...], "links": [...], "text": ..., "html": ...}]}`, oldest first.
"""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["Inbox", "InboxUnavailable", "Mail"]

POLL_SECONDS = 0.1


class InboxUnavailable(RuntimeError):
    """The inbox API did not answer as expected; the message says what to fix."""


@dataclass(frozen=True)
class Mail:
    id: int
    links: tuple[str, ...]
    text: str
    html: str

    def link_to(self, path_suffix: str) -> str | None:
        """The first link whose path ends with `path_suffix` (`/callback/email`), else the first that carries a
        `token` parameter (an app's own verification page), else None."""
        return next((link for link in self.links if urlsplit(link).path.endswith(path_suffix)), None) or next(
            (link for link in self.links if "token=" in urlsplit(link).query), None
        )


@functools.cache
def _tls() -> ssl.SSLContext:
    """What `verify=True` builds (certifi's roots), built once: a context per poll cost ~20 ms of CPU, and the
    default run polls ~20 times from the pool's threads."""
    return httpx.create_ssl_context(trust_env=False)


class Inbox:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def mails(self, to: str) -> list[Mail]:
        try:
            response = httpx.get(self.url, params={"to": to}, timeout=self.timeout, verify=_tls(), trust_env=False)
            body: Any = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InboxUnavailable(f"the mail inbox {self.url} did not answer: {exc}") from None
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise InboxUnavailable(f"{self.url} is not a mock inbox API (GET ?to= answered {response.status_code})")
        return [
            Mail(int(m.get("id", 0)), tuple(m.get("links") or ()), str(m.get("text", "")), str(m.get("html", "")))
            for m in body["messages"]
            if isinstance(m, dict)
        ]

    def wait_for(self, to: str, count: int = 1, seconds: float = 5.0) -> list[Mail]:
        """The mails to `to` once there are `count` (Auth.js sends before it answers, so at once; an app that queues
        its mail gets `seconds`), or what arrived by then."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.mails(to)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_SECONDS)

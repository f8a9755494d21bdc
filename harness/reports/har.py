"""HAR 1.2 files of the exchanges a check made, so a failure can be read in any HAR viewer and replayed.

The exchanges of a check instance are collected by `harness.recorder`; a failing instance's exchanges are
written with `write_har()` (by `harness.reports.team`). Cookies, Authorization, CSRF tokens,
passwords and the `--secret` are redacted by default: a HAR attached to a CI run must not leak a session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.errors import UsageError
from harness.jsonfile import read_json

if TYPE_CHECKING:
    from harness.client import Exchange

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
SECRET_FIELDS = frozenset({"csrftoken", "password", "client_secret", "code", "code_verifier", "token"})
_CSRF_IN_TEXT = re.compile(r'("csrfToken"\s*:\s*"|name="csrfToken"\s+value=")[^"]*')


class Redactor:
    """Replaces credentials in headers, forms, query strings and bodies; `enabled=False` keeps everything."""

    def __init__(self, enabled: bool = True, secrets: Sequence[str] = ()) -> None:
        self.enabled = enabled
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def header(self, name: str, value: str) -> str:
        if not self.enabled:
            return value
        if name.lower() == "set-cookie":
            cookie, _, attributes = value.partition(";")
            return f"{cookie.partition('=')[0]}={REDACTED}" + (f";{attributes}" if attributes else "")
        if name.lower() == "cookie":
            pairs = [part.strip().partition("=")[0] for part in value.split(";") if part.strip()]
            return "; ".join(f"{pair}={REDACTED}" for pair in pairs)
        return REDACTED if name.lower() in SECRET_HEADERS else self.text(value)

    def field(self, name: str, value: str) -> str:
        return REDACTED if self.enabled and name.lower() in SECRET_FIELDS else self.text(value)

    def text(self, value: str) -> str:
        if not self.enabled:
            return value
        value = _CSRF_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, value)
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value

    def url(self, url: str) -> str:
        if not self.enabled or "?" not in url:
            return url
        base, _, query = url.partition("?")
        return base + "?" + urlencode([(k, self.field(k, v)) for k, v in parse_qsl(query, keep_blank_values=True)])


def _pairs(items: Any, redact: Any) -> list[dict[str, str]]:
    return [{"name": k, "value": redact(k, v)} for k, v in items]


def entry(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """One HAR entry: request (headers, query, form) and response (status, headers, cookies, body text)."""
    url = redactor.url(exchange.url)
    query = parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "headers": _pairs(exchange.request_headers.items(), redactor.header),
        "queryString": _pairs(query, redactor.field),
        "cookies": [],
        "headersSize": -1,
        "bodySize": -1,
    }
    if exchange.form:
        request["postData"] = {
            "mimeType": "application/x-www-form-urlencoded",
            "params": _pairs(exchange.form.items(), redactor.field),
            "text": urlencode([(k, redactor.field(k, v)) for k, v in exchange.form.items()]),
        }
    cookies = [
        {"name": c.name, "value": REDACTED if redactor.enabled else c.value, "path": c.get("path") or "/"}
        for c in exchange.set_cookies
    ]
    response = {
        "status": exchange.status,
        "statusText": "",
        "httpVersion": "HTTP/1.1",
        "headers": _pairs(exchange.headers.multi_items(), redactor.header),
        "cookies": cookies,
        "content": {
            "size": len(exchange.body),
            "mimeType": exchange.headers.get("content-type", ""),
            "text": redactor.text(exchange.text),
        },
        "redirectURL": exchange.location or "",
        "headersSize": -1,
        "bodySize": len(exchange.body),
    }
    elapsed = round(exchange.elapsed * 1000, 3)
    return {
        "startedDateTime": datetime.now(UTC).isoformat(),
        "time": elapsed,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
    }


def har_document(exchanges: Sequence[Exchange], redactor: Redactor, comment: str = "") -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "nextauth-conformance", "version": "0.1"},
            "comment": comment,
            "entries": [entry(e, redactor) for e in exchanges],
        }
    }


def file_name(instance: str) -> str:
    """`SEC-001[protocol-relative]` -> `SEC-001_protocol-relative_.har` (safe on every file system)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", instance) + ".har"


def write_har(folder: Path, instance: str, exchanges: Sequence[Exchange], redactor: Redactor) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(instance)
    document = har_document(exchanges, redactor, comment=f"exchanges of the failing check {instance}")
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def load_har(path: Path) -> list[dict[str, Any]]:
    """The entries of a HAR file; `UsageError` with one line for a missing, non-JSON or non-HAR file."""
    data = read_json(path, "HAR file")
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("request"), dict) and "url" in e["request"] for e in entries
    ):
        raise UsageError(f"HAR file {path} has no log.entries[].request.url (not a HAR 1.2 file)")
    return entries

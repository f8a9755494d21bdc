"""`nextauth-conformance replay HAR --target URL`: re-send a failure's recorded exchanges to a target.

Each entry's path and query are sent to the target's origin with the recorded method, headers and form;
redacted headers (cookies, Authorization) are left out. One line per entry compares the recorded status
with today's, so a fix (or a regression) shows without rerunning the suite. Exit 0 when every status
matches the recording, 1 when one differs, 4 for a bad file or option, 10 when the target does not answer.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness import tls
from harness.client import TargetClient
from harness.errors import OneLineParser, TargetError, UsageError
from harness.reports.har import REDACTED, load_har

SKIPPED_HEADERS = frozenset({"host", "content-length", "connection", "user-agent", "accept-encoding"})


def _request_parts(request: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str] | None]:
    parts = urlsplit(str(request["url"]))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        str(h["name"]): str(h["value"])
        for h in request.get("headers", [])
        if str(h.get("name", "")).lower() not in SKIPPED_HEADERS and REDACTED not in str(h.get("value", ""))
    }
    post = request.get("postData") or {}
    form = {str(p["name"]): str(p.get("value", "")) for p in post.get("params", [])} or None
    return path, headers, form


def replay(
    har_path: Path, target: str, *, timeout: float = 10.0, verify: bool | ssl.SSLContext = True
) -> tuple[int, list[str]]:
    """(exit code, one line per entry)."""
    entries = load_har(har_path)
    client = TargetClient(target.rstrip("/"), "", timeout=timeout, verify=verify)
    lines, differ = [], 0
    try:
        for number, item in enumerate(entries, 1):
            request = item["request"]
            path, headers, form = _request_parts(request)
            method = str(request.get("method", "GET")).upper()
            recorded = (item.get("response") or {}).get("status")
            now = client.request(method, client.origin + path, headers=headers, form=form)
            same = recorded == now.status
            differ += not same
            verdict = "same" if same else "DIFFERENT"
            lines.append(f"{number:>3} {method:<6} {path}  recorded {recorded}  now {now.status}  {verdict}")
    finally:
        client.close()
    lines.append(f"{len(entries)} entries replayed against {target}: {len(entries) - differ} same, {differ} different")
    return (1 if differ else 0), lines


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="nextauth-conformance replay", description=__doc__.splitlines()[0])
    parser.add_argument("har", type=Path, help="a HAR file written for a failing check")
    parser.add_argument("--target", required=True, metavar="URL", help="origin to send the requests to")
    parser.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    parser.add_argument("--insecure", action="store_true", help="do not verify the target's TLS certificate")
    parser.add_argument("--ca-bundle", metavar="FILE", help="PEM file of CA certificates to trust (private CA)")
    try:
        args = parser.parse_args(list(argv))
    except UsageError as exc:
        print(f"nextauth-conformance replay: {exc}", file=sys.stderr)
        return 4
    if not args.target.startswith(("http://", "https://")):
        print(f"nextauth-conformance replay: --target must be an http(s) origin, got {args.target!r}", file=sys.stderr)
        return 4
    try:
        verify = tls.verify(args.insecure, tls.ca_bundle(args.ca_bundle))
        code, lines = replay(args.har, args.target, timeout=args.request_timeout, verify=verify)
    except UsageError as exc:
        print(f"nextauth-conformance replay: {exc}", file=sys.stderr)
        return 4
    except TargetError as exc:
        print(f"nextauth-conformance replay: cannot reach {args.target}: {exc}", file=sys.stderr)
        return 10
    print("\n".join(lines))
    return code

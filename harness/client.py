"""The one seam between checks and a target: an httpx client with timeouts, a body size cap and curl lines.

A check never knows whether it talks to a deployment, the embedded reference server or a broken test app;
it gets a `TargetClient` and reads `Exchange` records. Redirects are never followed and cookies never
persist between requests, so every exchange is reproducible from its curl line alone.
"""

from __future__ import annotations

import json
import shlex
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from harness import recorder, tls
from harness.cookies import SetCookie, parse_set_cookie
from harness.errors import ResponseTooLarge, TargetNotAuthjs, TargetUnreachable
from harness.transport import DeadlineBackend, deadline_transport

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BODY = 1024 * 1024
DEADLINE_FACTOR = 3  # a whole exchange may take three read timeouts (slow CI machines), never forever
USER_AGENT = "nextauth-conformance/0.1"


@dataclass
class Exchange:
    """One request and its response, body capped; enough to judge and to reproduce."""

    method: str
    url: str
    request_headers: dict[str, str]
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed: float
    form: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    @property
    def location(self) -> str | None:
        location: str | None = self.headers.get("location")
        return location

    @property
    def set_cookies(self) -> list[SetCookie]:
        return [parse_set_cookie(v) for v in self.headers.get_list("set-cookie")]

    def cookie(self, base: str) -> SetCookie | None:
        """The last Set-Cookie whose name (prefix stripped) starts with `<prefix>.<base>`-ish `base`."""
        found = [c for c in self.set_cookies if _matches(c.name, base)]
        return found[-1] if found else None

    def json(self) -> Any:
        """The JSON body; `TargetNotAuthjs` when the body is not JSON (HTML where JSON was promised)."""
        try:
            return json.loads(self.body)
        except ValueError:
            kind = self.content_type or "no content type"
            raise TargetNotAuthjs(
                f"{self.method} {self.url} answered {self.status} {kind}, not JSON: {self.text[:80]!r}", url=self.url
            ) from None

    @property
    def curl(self) -> str:
        parts = ["curl", "-i", "-sS"]
        if self.method != "GET":
            parts += ["-X", self.method]
        for name, value in self.request_headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.form:
            parts += ["--data", urlencode(self.form)]
        return " ".join(shlex.quote(p) for p in [*parts, self.url])

    def summary(self) -> dict[str, Any]:
        """Status, key headers and the start of the body, for a finding's `received`."""
        keep = ("content-type", "location", "cache-control", "access-control-allow-origin")
        return {
            "status": self.status,
            "headers": {k: self.headers[k] for k in keep if k in self.headers},
            "set-cookie": self.headers.get_list("set-cookie"),
            "body": self.text[:300],
        }


def _matches(name: str, base: str) -> bool:
    """`csrf-token` matches `authjs.csrf-token`, `__Host-next-auth.csrf-token` and `authjs.csrf-token.3000`."""
    bare = name.removeprefix("__Host-").removeprefix("__Secure-")
    return f".{base}." in f".{bare}."


def _no_cookie_jar() -> CookieJar:
    """A jar that never stores or sends a cookie: a client shared by threads (FLOW-030's parallel reads) must not
    hand one request's Set-Cookie to another request that carries no Cookie header of its own."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))


class TargetClient:
    """GETs (and the few POSTs a sign-in needs) against `origin` + `base_path`, one exchange at a time."""

    def __init__(
        self,
        origin: str,
        base_path: str = "/api/auth",
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        verify: bool | ssl.SSLContext = True,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.origin = origin.rstrip("/")
        self.extra_headers = tuple(headers)
        """Sent on every request (`-H`); the browser checks send them too."""
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.max_body = max_body
        self.timeout = timeout
        self.verify = verify
        """The run's TLS setting (`harness/tls.py`), for the other clients of the run (the mock IdP's)."""
        self._settings = {"timeout": timeout, "max_body": max_body, "verify": verify, "headers": self.extra_headers}
        self._deadline: DeadlineBackend | None = None
        if http is None:
            transport, self._deadline = deadline_transport(verify=verify)
            http = httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                follow_redirects=False,
                verify=verify,
                transport=transport,
                headers=[("user-agent", USER_AGENT), *self.extra_headers],
                cookies=_no_cookie_jar(),
            )
        self._http = http

    def fork(self) -> TargetClient:
        """A client with the same target and limits but its own connection pool and cookie jar, for a thread."""
        return TargetClient(self.origin, self.base_path, **self._settings)  # type: ignore[arg-type]

    @property
    def secure(self) -> bool:
        return urlsplit(self.origin).scheme == "https"

    def url(self, action: str) -> str:
        return f"{self.origin}{self.base_path}/{action.lstrip('/')}"

    def action(self, action: str, **kwargs: Any) -> Exchange:
        """Request `<base_path>/<action>` (e.g. `csrf`, `callback/google`)."""
        return self.request(kwargs.pop("method", "GET"), self.url(action), **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Exchange:
        """One exchange; `timeout` overrides the client's for this request (a check that waits on purpose).

        A POST carries the target's own `Origin`, as a browser's form post does (frameworks that guard POSTs by
        Origin, such as SvelteKit, refuse one without it); `headers={"Origin": ""}` sends none."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        sent = dict(headers or {})
        if method == "POST" and not any(name.lower() == "origin" for name in sent):
            sent["Origin"] = self.origin
        sent = {name: value for name, value in sent.items() if not (name.lower() == "origin" and not value)}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        started = time.perf_counter()
        if self._deadline is not None:
            self._deadline.arm(self.timeout * DEADLINE_FACTOR)  # the whole exchange, not only each read
        try:
            extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
            with self._http.stream(method, url, headers=sent, data=dict(form) if form else None, **extra) as response:
                body = self._read_capped(response, url)
        except httpx.TimeoutException as exc:
            detail = f": {exc}" if "deadline" in str(exc) else f" timed out ({type(exc).__name__})"
            raise TargetUnreachable(f"{method} {url}{detail}", url=url) from None
        except httpx.HTTPError as exc:
            raise TargetUnreachable(f"{method} {url}: {describe_transport_error(exc)}", url=url) from None
        finally:
            if self._deadline is not None:
                self._deadline.disarm()
            self._http.cookies.clear()
        exchange = Exchange(
            method,
            url,
            sent,
            response.status_code,
            response.headers,
            body,
            time.perf_counter() - started,
            dict(form or {}),
        )
        recorder.note(exchange)  # kept for the HAR file if the running check fails
        return exchange

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_body:
                raise ResponseTooLarge(
                    f"GET {url} sent more than {self.max_body // 1024} KiB; stopped reading", url=url
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._http.close()


def describe_transport_error(exc: Exception) -> str:
    """One short phrase for a connection-level failure (refused, DNS, TLS)."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS failure ({text.splitlines()[0][:120]}); {tls.HINT}"
    if "refused" in lowered or "errno 111" in lowered:
        return "connection refused"
    if "name or service" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
        return "host name does not resolve"
    return text.splitlines()[0][:160]

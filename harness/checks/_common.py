"""Small shared pieces for checks: raise a structured failure, judge URLs against the target's origin, and the
precondition decorators.

Writing a check (see any module beside this one):

    @check("ABC-001", title=..., clause=..., severity=Severity.HIGH, family="abc", params=OAUTH_PROVIDERS)
    @requires_mock_idp            # N/A with the reason when no --mock-idp is known
    @requires_oauth_provider      # N/A when the target does not configure the provider named by the param
    def abc(ctx: CheckContext, provider: str) -> None:
        expect(ok, "what went wrong", expected=..., exchange=exchange)

`ctx.instance` is the instance being run (`ABC-001[google]`); browser checks open `with Probe(ctx) as probe:`.
`requires_secret`, `requires_credentials` and `requires(predicate, reason)` work the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from jsonschema import Draft202012Validator, FormatChecker

import spec
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import CheckFailure, NotApplicable, Severity


def expect(
    ok: object,
    message: str,
    *,
    expected: Any,
    exchange: Exchange | None = None,
    received: Any = None,
    severity: Severity | None = None,
) -> None:
    """Return when `ok` is truthy; otherwise raise `CheckFailure` with the exchange's summary and curl line
    (`severity` when the failure's weight depends on what the target showed)."""
    if ok:
        return
    if received is None and exchange is not None:
        received = exchange.summary()
    curl = exchange.curl if exchange else ""
    raise CheckFailure(message, expected=expected, received=received, curl=curl, severity=severity)


def browser_resolve(value: str, base: str) -> str:
    """Resolve a URL roughly as a browser would: strip C0/space, drop tabs/newlines, `\\` means `/`."""
    cleaned = value.strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"
        "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urljoin(base.rstrip("/") + "/", cleaned)


LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|::1)$")


def _origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port); loopback names are one host (Next.js rewrites 127.0.0.1 to localhost)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = -1
    host = (parts.hostname or "").lower()
    return parts.scheme.lower(), "localhost" if LOOPBACK.match(host) else host, port


def same_url(left: str, right: str) -> bool:
    """Equal URLs once loopback host names are unified."""
    return _origin_of(left) == _origin_of(right) and urlsplit(left).path == urlsplit(right).path


def same_origin(value: str, origin: str) -> bool:
    """True when `value` (absolute or relative) resolves onto `origin`."""
    return _origin_of(browser_resolve(value, origin)) == _origin_of(origin)


def same_host(left: str, right: str) -> bool:
    """True when two absolute URLs name the same host (loopback names unified), whatever their scheme or port."""
    return _origin_of(left)[1] == _origin_of(right)[1]


def query_value(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


CheckFn = Callable[..., object]


def requires(predicate: Callable[[CheckContext], object], reason: str) -> Callable[[CheckFn], CheckFn]:
    """Precondition decorator: the check is not applicable (with `reason`) unless `predicate(ctx)` holds."""

    def decorate(func: CheckFn) -> CheckFn:
        @functools.wraps(func)
        def wrapper(ctx: CheckContext, *args: Any) -> object:
            if not predicate(ctx):
                raise NotApplicable(reason)
            return func(ctx, *args)

        return wrapper

    return decorate


def session_validator(ctx: CheckContext) -> Draft202012Validator:
    """The profile's session schema: a spec component by name, or an inline schema."""
    schema = ctx.profile.session_schema
    if isinstance(schema, str):
        return spec.validator(schema)
    return Draft202012Validator(dict(schema), format_checker=FormatChecker())


def session_schema_errors(ctx: CheckContext, body: Any) -> list[str]:
    """Where `body` departs from the profile's session schema (`path: message`); a user field the profile knows to
    be null (`Profile.tolerated_nulls`, AlgaPSA's contactId of internal users) is left out of the judgement."""
    user: dict[str, Any] = {}
    if isinstance(body, dict) and isinstance(body.get("user"), dict):
        user = body["user"]
    nulls = {k for k in ctx.profile.tolerated_nulls if k in user and user[k] is None}
    judged = {**body, "user": {k: v for k, v in user.items() if k not in nulls}} if nulls else body
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in session_validator(ctx).iter_errors(judged)
    ]


requires_secret = requires(lambda ctx: ctx.inputs.secret, "needs the target's secret (--secret)")
requires_credentials = requires(lambda ctx: ctx.inputs.credentials, "needs a test user (--credentials EMAIL:PASSWORD)")
requires_mock_idp = requires(lambda ctx: ctx.inputs.mock_idp, "no mock IdP known for this target (--mock-idp URL)")


def requires_oauth_provider(func: CheckFn) -> CheckFn:
    """For checks parametrized by provider id: N/A unless the target's GET providers lists it as OAuth/OIDC."""

    @functools.wraps(func)
    def wrapper(ctx: CheckContext, provider: str, *args: Any) -> object:
        ctx.oauth_provider(provider)
        return func(ctx, provider, *args)

    return wrapper

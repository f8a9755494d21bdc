"""Every option of `check` / `pytest --target`, declared here once and resolved (CLI, ini, environment) into
`RunOptions`: the plugin's, the reports' (generated from `harness.reports.formats`), the team layer's (baseline,
HAR redaction) and the ones the CLI handles before pytest (`add_fleet_options`, `harness.fleet`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from harness import env_numbers, tls
from harness.errors import UsageError
from harness.profiles import PROFILE_CHOICES
from harness.reports import formats

TARGET_ENV = "NEXTAUTH_CONFORMANCE_TARGET"
POPUP_URL_ENV = "NEXTAUTH_CONFORMANCE_POPUP_URL"
REPORT_DIR_ENV = "NEXTAUTH_CONFORMANCE_REPORT_DIR"
CREDENTIALS_ENV = "NEXTAUTH_CONFORMANCE_CREDENTIALS"
SECRET_ENV = "NEXTAUTH_CONFORMANCE_SECRET"
HEADERS_ENV = "NEXTAUTH_CONFORMANCE_HEADERS"
DEFAULT_PROFILE = "documented"


@dataclass(frozen=True)
class RunOptions:
    """Everything the run needs from the command line."""

    active: bool
    target: str | None
    profile: str
    base_path: str
    credentials: tuple[str, str] | None
    secret: str | None
    mock_idp: str | None
    waivers: str | None
    timeout: float
    verify_tls: bool
    ca_bundle: str | None = None
    popup_url: str | None = None
    report_dir: Path = Path("reports")
    smtp: str | None = None
    email_max_age: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra request headers (`-H`) sent on every request to the target: client, schemathesis, browser."""
    profile_reason: str = "chosen with --profile"
    reports: Mapping[str, Path] = field(default_factory=dict)
    """`{format name: destination}` of the chosen reports (`harness.reports.formats.chosen`)."""


def add_options(parser: pytest.Parser) -> None:
    """The plugin's options, in `check --help`'s order: target and inputs, reports, the run, the team layer."""
    group = parser.getgroup("nextauth-conformance", "nextauth-conformance (Auth.js /api/auth/* conformance)")
    _add_target_options(group.addoption)
    add_report_options(group.addoption)
    _add_run_options(group.addoption)
    _add_team_options(group.addoption)
    parser.addini("nextauth_target", "default --target for the conformance suite", default="")


def _add_target_options(add: Callable[..., object]) -> None:
    """What to check and with which inputs."""
    add(
        "--conformance",
        action="store_true",
        default=False,
        help="run the conformance suite (implied by --target); without --target, against the embedded server",
    )
    add(
        "--target",
        default=None,
        metavar="URL",
        help=f"origin of the deployment to check, e.g. https://staging.example.com (env {TARGET_ENV})",
    )
    add(
        "--profile",
        default=None,
        choices=PROFILE_CHOICES,
        help=f"what 'correct' means: {', '.join(PROFILE_CHOICES)} (default {DEFAULT_PROFILE})",
    )
    add("--base-path", default="/api/auth", help="Auth.js base path (default /api/auth)")
    add(
        "--credentials",
        default=None,
        metavar="EMAIL:PASSWORD",
        help=f"sign in via callback/credentials (env {CREDENTIALS_ENV})",
    )
    add(
        "--secret",
        default=None,
        help=f"the target's AUTH_SECRET: verify CSRF hashes, mint a session cookie (env {SECRET_ENV})",
    )
    add(
        "-H",
        "--header",
        action="append",
        default=[],
        dest="conformance_headers",
        metavar="'NAME: VALUE'",
        help="extra request header sent on every request to the target (client, schemathesis, browser), e.g. a "
        f"preview deployment's bypass header; repeatable (env {HEADERS_ENV}: one header per line)",
    )
    add("--mock-idp", default=None, metavar="URL", help="mock IdP the target's OAuth providers point at")
    add("--waivers", default=None, metavar="FILE", help="YAML/JSON of check ids expected to fail, with reasons")


def _add_run_options(add: Callable[..., object]) -> None:
    """How the run talks to the target, and where its artifacts go."""
    add("--request-timeout", default=10.0, type=float, metavar="SECONDS", help="per-request timeout (default 10)")
    add("--insecure", action="store_true", default=False, help="do not verify the target's TLS certificate")
    add(
        "--ca-bundle",
        default=None,
        metavar="FILE",
        help="PEM file of CA certificates to trust besides the system's, for a target with a private CA "
        "(default: REQUESTS_CA_BUNDLE or SSL_CERT_FILE when set); the browser trusts it too",
    )
    add(
        "--popup-url",
        default=None,
        metavar="URL",
        help="popup callback page for the browser checks; {provider} is substituted, relative URLs resolve "
        "against the target; opened with error=access_denied (unless it has error/code), with a synthetic "
        "code and state, and with --mock-idp with a real code minted for it (default: callback/{provider}?popup=1)",
    )
    add(
        "--report-dir",
        default=None,
        metavar="DIR",
        help=f"browser failure screenshots and traces go here (default reports/, env {REPORT_DIR_ENV})",
    )
    add(
        "--smtp",
        default=None,
        metavar="URL",
        help="HTTP API of the mail inbox the target's email provider sends to (the mocks' /_inbox; default: "
        "--mock-idp's /_inbox)",
    )
    add(
        "--email-max-age",
        default=None,
        type=float,
        metavar="SECONDS",
        help="the target's email link lifetime (provider maxAge): EMAIL-003 waits it out when it is 60 s or less",
    )


def _add_team_options(add: Callable[..., object]) -> None:
    """The "reports for teams" layer (`harness.reports.team`): baseline, HAR redaction."""
    add("--baseline", default=None, metavar="FILE", help="JSON report of an earlier run: fail only on new or worse")
    add("--write-baseline", default=None, metavar="FILE", help="record this run's findings as a baseline (JSON)")
    add("--no-redact", action="store_true", default=False, help="keep cookies, tokens and secrets in HAR files")


def add_report_options(add: Callable[..., object], only_files: bool = False) -> None:
    """`--report-<format>` for every format of the table (a PATH, or a flag for a stdout format)."""
    for fmt in formats.FILE_FORMATS if only_files else formats.FORMATS:
        if fmt.stdout:
            add(fmt.option, action="store_true", default=False, dest=fmt.dest, help=fmt.help)
        else:
            add(fmt.option, default=None, metavar="PATH", dest=fmt.dest, help=fmt.help)


def add_fleet_options(add: Callable[..., object]) -> None:
    """The options `check` handles itself before pytest (`harness.fleet`): many targets, differential mode."""
    add("--targets", metavar="FILE", help="a targets file (YAML): each deployment into one matrix report")
    add("--shard", metavar="I/N", help="check every N-th target of --targets from the I-th (CI job I of N)")
    add("--jobs", type=int, default=0, metavar="N", help="targets checked at once (default: the CPU count)")
    add(
        "--target-timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="bound on each target's run (default 1800)",
    )
    add(
        "--compare",
        metavar="URL|A,B",
        help="differential mode: --target against URL, or targets A and B of --targets; what differs",
    )


def check_origin(target: str) -> None:
    """`UsageError` unless `target` is an http(s) URL with a host and a numeric port (if any)."""
    if not target.startswith(("http://", "https://")):
        raise UsageError(f"--target must be an http(s) origin, got {target!r}")
    parts = urlsplit(target)
    try:
        parts.port  # noqa: B018 - parsing the port is the check
        httpx.URL(target)
    except (ValueError, httpx.InvalidURL) as exc:
        raise UsageError(f"--target {target!r} is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise UsageError(f"--target {target!r} has no host; expected an origin such as https://staging.example.com")


def resolve(config: pytest.Config) -> RunOptions:
    """Read and validate the options; `UsageError` with one line when something is wrong."""
    opt = config.getoption
    if opt("--target") is not None and not opt("--target").strip():
        raise UsageError("--target is empty; give the deployment's origin, e.g. --target https://staging.example.com")
    target = opt("--target") or config.getini("nextauth_target") or os.environ.get(TARGET_ENV) or None
    active = bool(opt("--conformance") or opt("--target"))
    if target:
        check_origin(target)
    credentials = None
    raw_credentials = opt("--credentials") or os.environ.get(CREDENTIALS_ENV)
    if raw_credentials:
        email, sep, password = raw_credentials.partition(":")
        if not sep or not email or not password:
            source = "--credentials" if opt("--credentials") else CREDENTIALS_ENV
            raise UsageError(f"{source} must be EMAIL:PASSWORD")
        credentials = (email, password)
    smtp = opt("--smtp")
    if smtp is not None and not smtp.startswith(("http://", "https://")):
        raise UsageError(f"--smtp must be the inbox's http(s) URL (the mocks' /_inbox), got {smtp!r}")
    if opt("--email-max-age") is not None and opt("--email-max-age") <= 0:
        raise UsageError("--email-max-age must be positive")
    profile = opt("--profile")
    report_dir = Path(opt("--report-dir") or os.environ.get(REPORT_DIR_ENV) or "reports")
    if opt("--request-timeout") <= 0:
        raise UsageError("--request-timeout must be positive")
    if active:
        for name in env_numbers.DEFAULTS:
            try:
                env_numbers.parse(name)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    return RunOptions(
        active=active,
        target=target.rstrip("/") if target else None,
        profile=profile or DEFAULT_PROFILE,
        base_path=opt("--base-path"),
        credentials=credentials,
        secret=opt("--secret") or os.environ.get(SECRET_ENV) or None,
        mock_idp=opt("--mock-idp"),
        waivers=opt("--waivers"),
        timeout=opt("--request-timeout"),
        verify_tls=not opt("--insecure"),
        ca_bundle=tls.ca_bundle(opt("--ca-bundle")),
        popup_url=opt("--popup-url") or os.environ.get(POPUP_URL_ENV) or None,
        report_dir=report_dir,
        smtp=smtp.rstrip("/") if smtp else None,
        email_max_age=opt("--email-max-age"),
        headers=parse_headers(opt("conformance_headers") or os.environ.get(HEADERS_ENV, "").splitlines()),
        profile_reason="chosen with --profile"
        if profile
        else "the default: no --profile given (--profile auto detects one)",
        reports=formats.chosen(vars(config.option), report_dir),
    )


def parse_headers(values: list[str]) -> tuple[tuple[str, str], ...]:
    """`-H 'Name: value'` lines as pairs; `UsageError` naming the bad one (no colon, or not a header name)."""
    headers = []
    for raw in values:
        if not raw.strip():
            continue
        name, sep, value = raw.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()) or "\n" in value:
            raise UsageError(
                f"-H/--header {raw!r}: expected 'Name: value', e.g. -H 'x-vercel-protection-bypass: TOKEN'"
            )
        headers.append((name.strip(), value.strip()))
    return tuple(headers)

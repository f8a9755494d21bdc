"""``nextauth-conformance mocks``: serve all vendors and print what to paste into an app's environment."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from .entra import ISSUER_MODES, PRIMARY_TENANT
from .keycloak import DEFAULT_REALMS
from .node_preload import preload_env
from .options import MockOptions
from .server import MockServers, StartupError
from .testing import RunningMocks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mock providers")
    group.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    group.add_argument("--port", type=int, default=4010, help="HTTP port for all vendors (0 = any free port)")
    group.add_argument("--https-port", type=int, default=4443, help="HTTPS port (0 = any free port)")
    group.add_argument("--no-https", action="store_true", help="serve HTTP only")
    group.add_argument(
        "--public-url",
        help="origin to put in issuers instead of the request's Host, e.g. http://mock-idp:4010 behind Docker",
    )
    group.add_argument(
        "--public-https-port",
        type=int,
        help="port to put in impersonated vendor URLs (default: the HTTPS port; use 443 when 443 is forwarded to it)",
    )
    group.add_argument("--smtp-port", type=int, default=2525, help="SMTP port of the mock inbox (0 = any free port)")
    group.add_argument("--no-smtp", action="store_true", help="no mock SMTP inbox")
    group.add_argument(
        "--smtp-starttls", action="store_true", help="offer STARTTLS on the inbox (certificate from the local CA)"
    )
    group.add_argument("--state-dir", type=Path, help="where the local CA lives (default: user cache dir)")
    group.add_argument("--code-ttl", type=float, default=60.0, help="authorization code lifetime in seconds")
    group.add_argument(
        "--auto-login",
        action="store_true",
        help="skip the account picker: sign in the login_hint user or the first user",
    )
    group.add_argument("--users", type=Path, help='JSON file {"google": [{"email": ...}], "entra": [...]}')
    group.add_argument("--user-count", type=int, default=3, help="generated users per vendor")
    group.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help="register a redirect URI (repeatable); default: accept any",
    )
    group.add_argument(
        "--entra-issuer-mode",
        choices=ISSUER_MODES,
        default="template",
        help="'template' (real, Auth.js v5) or 'concrete' (next-auth v4) issuer for /common",
    )
    group.add_argument("--entra-tenant", action="append", dest="entra_tenants", help="tenant GUID (repeatable)")
    group.add_argument("--keycloak-realm", action="append", dest="keycloak_realms", help="realm (repeatable)")


def options_from(args: argparse.Namespace) -> MockOptions:
    users: dict[str, Any] = {}
    if args.users:
        try:
            users = json.loads(args.users.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StartupError(f"cannot read users file {args.users}: {exc}") from exc
        if not isinstance(users, dict):
            raise StartupError('users file must be a JSON object like {"google": [{"email": "a@b.c"}]}')
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        raise StartupError(f"--public-url must start with http:// or https://; got {args.public_url!r}")
    for port in (args.port, args.https_port, args.public_https_port, args.smtp_port):
        if port is not None and not 0 <= port <= 65535:
            raise StartupError(f"port {port} is out of range 0-65535")
    return MockOptions(
        host=args.host,
        http_port=args.port,
        https_port=None if args.no_https else args.https_port,
        public_url=args.public_url,
        public_https_port=args.public_https_port,
        state_dir=args.state_dir,
        code_ttl=args.code_ttl,
        auto_login=args.auto_login,
        user_count=args.user_count,
        users=users,
        redirect_uris=args.redirect_uris,
        entra_issuer_mode=args.entra_issuer_mode,
        entra_tenants=tuple(args.entra_tenants or (PRIMARY_TENANT,)),
        keycloak_realms=tuple(args.keycloak_realms or DEFAULT_REALMS),
        smtp_port=None if args.no_smtp else args.smtp_port,
        smtp_starttls=args.smtp_starttls,
    )


def environment_lines(mocks: RunningMocks) -> list[str]:
    """Ready-to-paste env for next-auth v4, Auth.js v5 and AlgaPSA."""
    g, e, k = (("google",), ("entra",), ("keycloak",))
    realm = mocks.servers.options.keycloak_realms[0]
    entra_https = mocks.https_url is not None
    tenant = mocks.entra_tenant_id
    lines = [
        "# next-auth v4 (GoogleProvider/AzureADProvider take wellKnown; run --entra-issuer-mode concrete)",
        f"GOOGLE_CLIENT_ID={mocks.client_id(*g)}",
        f"GOOGLE_CLIENT_SECRET={mocks.client_secret(*g)}",
        f"GOOGLE_WELL_KNOWN={mocks.discovery_url(*g)}",
        f"AZURE_AD_CLIENT_ID={mocks.client_id(*e)}",
        f"AZURE_AD_CLIENT_SECRET={mocks.client_secret(*e)}",
        f"AZURE_AD_TENANT_ID={tenant}",
        f"AZURE_AD_WELL_KNOWN={mocks.discovery_url('entra', tenant)}",
        f"KEYCLOAK_ID={mocks.client_id(*k)}",
        f"KEYCLOAK_SECRET={mocks.client_secret(*k)}",
        f"KEYCLOAK_ISSUER={mocks.issuer('keycloak', realm)}",
        "",
        "# Auth.js v5 (Entra re-discovers per tenant over HTTPS only)",
        f"AUTH_GOOGLE_ID={mocks.client_id(*g)}",
        f"AUTH_GOOGLE_SECRET={mocks.client_secret(*g)}",
        f"AUTH_GOOGLE_ISSUER={mocks.issuer(*g)}",
        f"AUTH_MICROSOFT_ENTRA_ID_ID={mocks.client_id(*e)}",
        f"AUTH_MICROSOFT_ENTRA_ID_SECRET={mocks.client_secret(*e)}",
        f"AUTH_MICROSOFT_ENTRA_ID_ISSUER={mocks.issuer('entra', 'common', https=entra_https)}",
        f"AUTH_KEYCLOAK_ID={mocks.client_id(*k)}",
        f"AUTH_KEYCLOAK_SECRET={mocks.client_secret(*k)}",
        f"AUTH_KEYCLOAK_ISSUER={mocks.issuer('keycloak', realm)}",
        "",
        "# AlgaPSA",
        f"GOOGLE_OAUTH_CLIENT_ID={mocks.client_id(*g)}",
        f"GOOGLE_OAUTH_CLIENT_SECRET={mocks.client_secret(*g)}",
        f"MICROSOFT_OAUTH_CLIENT_ID={mocks.client_id(*e)}",
        f"MICROSOFT_OAUTH_CLIENT_SECRET={mocks.client_secret(*e)}",
        f"MICROSOFT_OAUTH_TENANT_ID={tenant}",
        f"KEYCLOAK_CLIENT_ID={mocks.client_id(*k)}",
        f"KEYCLOAK_CLIENT_SECRET={mocks.client_secret(*k)}",
        f"KEYCLOAK_URL={mocks.http_url}/keycloak",
        f"KEYCLOAK_REALM={realm}",
    ]
    if mocks.smtp_url:
        lines += [
            "",
            f"# email (magic link): Nodemailer / Email providers send to the mock inbox; read it at {mocks.inbox_url}",
            f"EMAIL_SERVER={mocks.smtp_url}",
            "EMAIL_FROM=noreply@example.com",
        ]
    lines += [
        "",
        "# offline vendor hosts: a Node preload sends requests to accounts.google.com, oauth2.googleapis.com,",
        "# login.microsoftonline.com, graph.microsoft.com ... to these mocks (no /etc/hosts, no port 443)",
        *(f"{name}={value}" for name, value in preload_env(mocks.http_url).items()),
    ]
    if mocks.ca_path:
        lines += [
            "",
            "# trust the local CA (HTTPS listener and impersonated vendor hosts)",
            f"NODE_EXTRA_CA_CERTS={mocks.ca_path}",
        ]
    return lines


def banner(mocks: RunningMocks) -> list[str]:
    realms = mocks.servers.options.keycloak_realms
    lines = [
        f"mock providers on {mocks.http_url}" + (f" and {mocks.https_url}" if mocks.https_url else ""),
        f"  google    issuer {mocks.issuer('google')}",
        f"  entra     issuer {mocks.issuer('entra', 'common')}  (tenant {mocks.entra_tenant_id})",
        *[f"  keycloak  issuer {mocks.issuer('keycloak', r)}" for r in realms],
        f"  control   {mocks.http_url}/_mock",
        *(
            [f"  inbox     {mocks.smtp_url}  (messages {mocks.inbox_url}, page {mocks.inbox_url}/page)"]
            if mocks.smtp_url
            else []
        ),
        "",
    ]
    if mocks.https_port:
        lines += [
            f"impersonation: map accounts.google.com, login.microsoftonline.com, graph.microsoft.com ... to "
            f"{mocks.servers.options.host} and connect to port {mocks.https_port} "
            "(or forward 443 and pass --public-https-port 443), or load the Node preload below",
            "",
        ]
    return lines


def next_lines(mocks: RunningMocks) -> list[str]:
    """What to run next: an app started with the environment above, then the harness against it."""
    return [
        "next: start your app with the environment above, sign in through the mocks in a browser, then",
        f"  nextauth-conformance check --target http://127.0.0.1:3000 --profile auto --mock-idp {mocks.http_url}",
    ]


def _stop_on_signals(stop: list[int]) -> None:
    """Ctrl-C and SIGTERM are noted in `stop` rather than raised as KeyboardInterrupt: one raised while Python runs a
    weakref or `__del__` callback is printed as "Exception ignored" and dropped, and the mocks would keep running.
    (A plain list, not an Event: `Event.set` in a handler can deadlock on the lock its own `wait` holds. The
    reference server's `serve` does the same with `reference_server.serving.StopSignal`; this package stands
    alone.) Also when a shell started us in the background with SIGINT ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop.append(signum))


def run(args: argparse.Namespace) -> int:
    try:
        servers = MockServers(options_from(args)).start()
    except StartupError as exc:
        print(f"mocks: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while keys and certificates are still being made
        print("mocks: interrupted before they started", file=sys.stderr)
        return 130
    stop: list[int] = []
    _stop_on_signals(stop)  # from the first line printed on: whoever reads "Press Ctrl-C" may press it at once
    mocks = RunningMocks(servers)
    try:
        print("\n".join(banner(mocks) + environment_lines(mocks)), flush=True)
        print("\n".join(["", *mocks.browser_trust_lines(), "", *next_lines(mocks)]), flush=True)
        print("\nPress Ctrl-C to stop.", flush=True)
        while servers.is_running() and not stop:
            time.sleep(0.5)  # a handler that does not raise lets the sleep finish (PEP 475): stops within 0.5 s
        if stop:
            print("stopping", file=sys.stderr)
    finally:
        servers.stop()
    return 0

"""`nextauth-conformance serve`: run the reference server until Ctrl-C.

Prints where it listens, the demo credentials and the providers, so a person can sign in straight away.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import socket
import sys

from starlette.applications import Starlette

from reference_server.app import create_app
from reference_server.provider_catalog import OAUTH_PROVIDERS
from reference_server.seed import DEMO_CLIENT, DEMO_USER
from reference_server.serving import LazyApp, StopSignal, listening_socket, serve_on_socket
from reference_server.settings import OAuthProviderConfig, Pages, Settings
from reference_server.store import database_problem, describe_database

__all__ = ["add_arguments", "run", "settings_from_args"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port to bind (default 3000; 0 picks one)")
    parser.add_argument(
        "--secret",
        default=os.environ.get("NEXTAUTH_SECRET") or Settings.secret,
        help="session/csrf secret; comma-separated for rotation (env NEXTAUTH_SECRET)",
    )
    parser.add_argument(
        "--origin",
        default=os.environ.get("NEXTAUTH_URL"),
        help="fixed public origin, like NEXTAUTH_URL (default: the address a request reached, see --trust-host)",
    )
    parser.add_argument(
        "--trust-host",
        action="store_true",
        default=os.environ.get("AUTH_TRUST_HOST", "").lower() in ("1", "true"),
        help="without --origin, take the origin from the Host header, as Auth.js trustHost does (behind a proxy "
        "that keeps Host; env AUTH_TRUST_HOST); by default it is the address the request reached",
    )
    parser.add_argument(
        "--database",
        default=":memory:",
        help="a postgresql://user:password@host:port/db URL, a SQLite file path, or :memory: (default)",
    )
    parser.add_argument(
        "--oauth",
        action="append",
        default=[],
        metavar="ID=ISSUER,CLIENT_ID,CLIENT_SECRET",
        help=f"configure an OAuth provider ({', '.join(OAUTH_PROVIDERS)}); repeatable",
    )
    parser.add_argument(
        "--no-mocks",
        action="store_true",
        help="do not start the mock Google/Entra/Keycloak and wire google, azure-ad, keycloak to them",
    )
    parser.add_argument("--webauthn", action="store_true", help="enable the passkey provider and webauthn-options")
    parser.add_argument(
        "--email",
        action="store_true",
        help="enable the email (magic link) provider; mail goes to the mocks' SMTP inbox unless --email-server",
    )
    parser.add_argument("--email-server", metavar="SMTP_URL", help="mail server for --email, e.g. smtp://host:25")
    parser.add_argument(
        "--email-max-age", type=int, default=86400, help="lifetime of an emailed sign-in link in seconds (1 day)"
    )
    parser.add_argument("--signin-page", help="custom sign-in page path (Auth.js pages.signIn)")
    parser.add_argument("--signout-page", help="custom sign-out page path (pages.signOut)")
    parser.add_argument("--error-page", help="custom error page path (pages.error)")
    parser.add_argument("--session-max-age", type=int, default=86400, help="session lifetime in seconds")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (default 1; more need a database file, not :memory:)",
    )


class UsageError(ValueError):
    """An option value that cannot work; the message is the one line the user sees."""


def _oauth_provider(spec: str) -> OAuthProviderConfig:
    provider_id, _, rest = spec.partition("=")
    parts = rest.split(",")
    kind = OAUTH_PROVIDERS.get(provider_id)
    if kind is None or len(parts) != 3 or not all(parts):
        raise UsageError(
            f"--oauth {spec!r}: expected ID=ISSUER,CLIENT_ID,CLIENT_SECRET with ID in {', '.join(OAUTH_PROVIDERS)}"
        )
    issuer, client_id, client_secret = parts
    return OAuthProviderConfig(kind.id, kind.name, issuer.rstrip("/"), client_id, client_secret, checks=kind.checks)


def settings_from_args(args: argparse.Namespace) -> Settings:
    if args.origin and not args.origin.startswith(("http://", "https://")):
        raise UsageError(f"--origin {args.origin!r}: expected an http(s) URL such as http://localhost:3000")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0-65535")
    if problem := database_problem(args.database):
        raise UsageError(f"--database {describe_database(args.database)!r}: {problem}")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more")
    if args.workers > 1 and args.database in ("", ":memory:"):
        raise UsageError(
            f"--workers {args.workers}: an in-memory database cannot be shared by several processes; "
            "pass --database FILE (or a PostgreSQL URL)"
        )
    if args.email_server and not args.email_server.startswith("smtp://"):
        raise UsageError(f"--email-server {args.email_server!r}: expected smtp://HOST:PORT")
    if args.email and not args.email_server and args.no_mocks:
        raise UsageError("--email with --no-mocks needs --email-server smtp://HOST:PORT")
    if args.email_max_age < 1:
        raise UsageError(f"--email-max-age {args.email_max_age}: expected 1 or more seconds")
    return Settings(
        secret=args.secret,
        email_server=(args.email_server or None) if args.email else None,
        email_max_age=args.email_max_age,
        origin=args.origin.rstrip("/") if args.origin else None,
        trust_host=args.trust_host,
        database=args.database,
        oauth_providers=tuple(_oauth_provider(spec) for spec in args.oauth),
        webauthn=args.webauthn,
        pages=Pages(sign_in=args.signin_page, sign_out=args.signout_page, error=args.error_page),
        session_max_age=args.session_max_age,
    )


def _bind(host: str, port: int) -> socket.socket:
    try:
        return listening_socket(host, port)
    except OSError as error:
        reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be bound ({error.strerror})"
        raise UsageError(f"{host}:{port} {reason}; pick another with --port") from error


def _with_mocks(stack: contextlib.ExitStack, settings: Settings, email: bool = False) -> tuple[Settings, str]:
    """Start the mocks on free ports and point every OAuth provider not configured by hand (and with `email`, the
    email provider without --email-server) at them; the settings and the mocks' URL."""
    # Lazy on purpose: only --with-mocks needs the mocks (Faker, key generation); a plain `serve` does not load them.
    from mock_providers.testing import running_mocks
    from reference_server.wiring import oauth_providers_for, register_accounts

    mocks = stack.enter_context(running_mocks())
    register_accounts(mocks)
    configured = {provider.id for provider in settings.oauth_providers}
    wired = tuple(p for p in oauth_providers_for(mocks) if p.id not in configured)
    print(f"mock providers: {mocks.http_url} (pick a user on their login page; control API {mocks.http_url}/_mock)")
    if email and not settings.email_server:
        print(f"mock inbox: {mocks.smtp_url} (messages {mocks.inbox_url}, page {mocks.inbox_url}/page)")
        settings = settings.with_changes(email_server=mocks.smtp_url)
    return settings.with_changes(oauth_providers=settings.oauth_providers + wired), mocks.http_url


def run(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        try:
            settings = settings_from_args(args)
            sock = _bind(args.host, args.port)
            args.mock_url = None
            if not args.no_mocks:
                settings, args.mock_url = _with_mocks(stack, settings, args.email)
            app = create_app(settings)
        except (UsageError, OSError, RuntimeError) as error:
            print(f"nextauth-conformance serve: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # Ctrl-C while the mocks were still starting
            print("nextauth-conformance serve: interrupted before it started", file=sys.stderr)
            return 130
        return _serve(args, sock, settings, app)


def _serve(args: argparse.Namespace, sock: socket.socket, settings: Settings, app: Starlette) -> int:
    # From the first line printed on: whoever reads "stop with Ctrl-C" may press it before uvicorn has installed
    # its own handler.
    with StopSignal().installed() as stop:
        _announce(args, sock, settings)
        served: object = app
        if args.workers > 1:
            # The parent created the schema and the seed once; each worker opens its own connection to the database.
            app.state.store.close()
            served = LazyApp(create_app, settings)
        serve_on_socket(served, sock, workers=args.workers, stop=stop)
    print("stopped", flush=True)
    return 0


def _announce(args: argparse.Namespace, sock: socket.socket, settings: Settings) -> None:
    port = sock.getsockname()[1]
    url = settings.origin or f"http://{args.host}:{port}"
    providers = ", ".join(
        ["credentials", *(p.id for p in settings.oauth_providers)]
        + (["passkey"] if settings.webauthn else [])
        + (["email"] if settings.email_server else [])
    )
    print(f"reference server: {url}{settings.base_path}  (providers: {providers})")
    print(
        f"sign in as {DEMO_USER.email} / {DEMO_USER.password}  (client portal: {DEMO_CLIENT.email} / "
        f"{DEMO_CLIENT.password})"
    )
    workers = f"   workers: {args.workers}" if args.workers > 1 else ""
    print(f"database: {describe_database(settings.database)}{workers}   stop with Ctrl-C")
    print(f"next: {next_command(url, getattr(args, 'mock_url', None))}", flush=True)


def next_command(url: str, mock_url: str | None) -> str:
    """The `check` line that runs the whole suite against this server (with the mocks: the OAuth families too)."""
    mock = f" --mock-idp {mock_url}" if mock_url else ""
    return f"nextauth-conformance check --target {url}{mock} --credentials {DEMO_USER.email}:{DEMO_USER.password}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nextauth-conformance serve", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))

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

import uvicorn

from reference_server.app import create_app
from reference_server.seed import DEMO_CLIENT, DEMO_USER
from reference_server.settings import OAuthProviderConfig, Pages, Settings

__all__ = ["add_arguments", "run", "settings_from_args"]

_OAUTH_NAMES = {"google": "Google", "azure-ad": "Azure Active Directory", "keycloak": "Keycloak"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port to bind (default 3000; 0 picks one)")
    parser.add_argument("--secret", default=os.environ.get("NEXTAUTH_SECRET") or Settings.secret,
                        help="session/csrf secret; comma-separated for rotation (env NEXTAUTH_SECRET)")
    parser.add_argument("--origin", default=os.environ.get("NEXTAUTH_URL"),
                        help="fixed public origin, like NEXTAUTH_URL (default: trust the Host header)")
    parser.add_argument("--database", default=":memory:", help="SQLite file path, or :memory: (default)")
    parser.add_argument("--oauth", action="append", default=[], metavar="ID=ISSUER,CLIENT_ID,CLIENT_SECRET",
                        help=f"configure an OAuth provider ({', '.join(_OAUTH_NAMES)}); repeatable")
    parser.add_argument("--webauthn", action="store_true", help="enable the passkey provider and webauthn-options")
    parser.add_argument("--signin-page", help="custom sign-in page path (Auth.js pages.signIn)")
    parser.add_argument("--signout-page", help="custom sign-out page path (pages.signOut)")
    parser.add_argument("--error-page", help="custom error page path (pages.error)")
    parser.add_argument("--session-max-age", type=int, default=86400, help="session lifetime in seconds")


class UsageError(ValueError):
    """An option value that cannot work; the message is the one line the user sees."""


def _oauth_provider(spec: str) -> OAuthProviderConfig:
    provider_id, _, rest = spec.partition("=")
    parts = rest.split(",")
    if provider_id not in _OAUTH_NAMES or len(parts) != 3 or not all(parts):
        raise UsageError(f"--oauth {spec!r}: expected ID=ISSUER,CLIENT_ID,CLIENT_SECRET with ID in "
                         f"{', '.join(_OAUTH_NAMES)}")
    issuer, client_id, client_secret = parts
    checks = ("pkce", "state") if provider_id == "azure-ad" else ("pkce",)
    return OAuthProviderConfig(provider_id, _OAUTH_NAMES[provider_id], issuer.rstrip("/"), client_id,
                               client_secret, checks=checks)


def settings_from_args(args: argparse.Namespace) -> Settings:
    if args.origin and not args.origin.startswith(("http://", "https://")):
        raise UsageError(f"--origin {args.origin!r}: expected an http(s) URL such as http://localhost:3000")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0-65535")
    return Settings(
        secret=args.secret, origin=args.origin.rstrip("/") if args.origin else None, database=args.database,
        oauth_providers=tuple(_oauth_provider(spec) for spec in args.oauth), webauthn=args.webauthn,
        pages=Pages(sign_in=args.signin_page, sign_out=args.signout_page, error=args.error_page),
        session_max_age=args.session_max_age,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be bound ({error.strerror})"
        raise UsageError(f"{host}:{port} {reason}; pick another with --port") from error
    return sock


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        sock = _bind(args.host, args.port)
        app = create_app(settings)
    except (UsageError, OSError) as error:
        print(f"nextauth-conformance serve: {error}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    url = settings.origin or f"http://{args.host}:{port}"
    providers = ", ".join(["credentials", *(p.id for p in settings.oauth_providers)] +
                          (["passkey"] if settings.webauthn else []))
    print(f"reference server: {url}{settings.base_path}  (providers: {providers})")
    print(f"sign in as {DEMO_USER.email} / {DEMO_USER.password}  (client portal: {DEMO_CLIENT.email} / "
          f"{DEMO_CLIENT.password})")
    print(f"database: {settings.database}   stop with Ctrl-C", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    print("stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nextauth-conformance serve", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))

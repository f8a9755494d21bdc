"""The embedded default: with no --target, serve the reference server in-process and test it.

Its secret and demo user are known, so every check that needs them runs (`--secret`, `--credentials`
are filled in unless given), and its google, azure-ad and keycloak providers point at the mock IdPs
(`--mock-idp` is filled in), so the OAuth flows run too.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError

EMBEDDED_EMAIL_MAX_AGE = 3
"""Emailed links live 3 s on the embedded server (a day is Auth.js's default), so EMAIL-003 can wait one out."""


@dataclass(frozen=True)
class EmbeddedTarget:
    url: str
    secret: str
    credentials: tuple[str, str]
    mock_idp: str | None = None
    email_max_age: float | None = None


def start_embedded(stack: contextlib.ExitStack, **overrides: Any) -> EmbeddedTarget:
    """Start the mock IdPs and the reference server wired to them on free loopback ports; they stop when `stack`
    closes. The mocks show their account picker (no auto-login), so the Deny flows can be checked too."""
    try:
        from reference_server.wiring import running_stack
    except ImportError as exc:
        raise UsageError(f"no --target given and the embedded reference server is unavailable ({exc})") from None
    overrides.setdefault("trust_host", False)  # a pinned origin, as a deployment with AUTH_URL has (FLOW-040)
    overrides.setdefault("email_max_age", EMBEDDED_EMAIL_MAX_AGE)
    running = stack.enter_context(running_stack(auto_login=False, **overrides))
    server = running.reference
    return EmbeddedTarget(
        server.url,
        server.secret,
        (server.demo_email, server.demo_password),
        running.mocks.http_url,
        float(server.settings.email_max_age),
    )

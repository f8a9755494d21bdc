"""The embedded default: with no --target, serve the reference server in-process and test it.

Its secret and demo user are known, so every check that needs them runs (`--secret`, `--credentials`
are filled in unless given). Mock providers join here once `mock_providers` offers a runner.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError


@dataclass(frozen=True)
class EmbeddedTarget:
    url: str
    secret: str
    credentials: tuple[str, str]
    mock_idp: str | None = None


def start_embedded(stack: contextlib.ExitStack, **overrides: Any) -> EmbeddedTarget:
    """Start the reference server on a free loopback port; it stops when `stack` closes."""
    try:
        from reference_server.testing import running_reference_server
    except ImportError as exc:
        raise UsageError(f"no --target given and the embedded reference server is unavailable ({exc})") from None
    server = stack.enter_context(running_reference_server(**overrides))
    return EmbeddedTarget(server.url, server.secret, (server.demo_email, server.demo_password))

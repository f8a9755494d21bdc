"""The shipped Node preload (vendor_hosts.cjs) that sends the vendors' hard-coded hosts to the running mocks.

``nextauth-conformance mocks`` prints :func:`preload_env`; tests that start a Node app pass it in the app's
environment. The preload needs only the mock's URL: plain http is enough, the app still sees https vendor URLs.
"""

from __future__ import annotations

from pathlib import Path

PRELOAD_PATH = Path(__file__).resolve().with_name("vendor_hosts.cjs")
MOCK_URL_ENV = "NEXTAUTH_CONFORMANCE_MOCK_URL"


def node_options(path: Path = PRELOAD_PATH) -> str:
    """``--require <path>``, quoted the way NODE_OPTIONS reads a path with spaces."""
    text = str(path)
    return f'--require "{text}"' if " " in text else f"--require {text}"


def preload_env(mock_url: str) -> dict[str, str]:
    """The environment that makes a Node app's requests to vendor hosts reach the mocks at ``mock_url``."""
    return {"NODE_OPTIONS": node_options(), MOCK_URL_ENV: mock_url}

"""Fixtures shared by the project's own tests: a running reference server and the npm peers in tests/node.

Servers run on free loopback ports in background threads; nothing here knows this machine's paths.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:  # imported where used: `nextauth-conformance check` from a checkout loads this file too
    from reference_server.testing import RunningReferenceServer

NODE_PEERS = Path(__file__).resolve().parent / "tests" / "node"


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningReferenceServer]:
    """One reference server with default settings for the whole run (tests must not depend on its state)."""
    from reference_server.testing import running_reference_server

    with running_reference_server() as server:
        yield server


@pytest.fixture
def client(reference: RunningReferenceServer) -> Iterator[httpx.Client]:
    """A fresh cookie jar against the shared reference server; never follows redirects by itself."""
    with httpx.Client(base_url=reference.url, timeout=10.0, follow_redirects=False) as http:
        yield http


@pytest.fixture(scope="session")
def node_peers() -> Path:
    """tests/node with its npm packages installed; a missing install is an error, never a skip."""
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the interop tests need Node.js 20+ (run scripts/setup --node)")
    if not (NODE_PEERS / "node_modules" / "@auth" / "core").is_dir():
        pytest.fail("tests/node/node_modules is missing: run scripts/setup --node")
    return NODE_PEERS

"""Start a reference server for tests and embedded runs: `with running_reference_server() as server: ...`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reference_server.app import create_app
from reference_server.seed import DEMO_CLIENT, DEMO_USER
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from reference_server.store import SqlStore

__all__ = ["RunningReferenceServer", "running_reference_server"]


@dataclass(frozen=True)
class RunningReferenceServer:
    url: str
    settings: Settings
    app: Any
    store: SqlStore

    @property
    def secret(self) -> str:
        return self.settings.secret

    @property
    def base_url(self) -> str:
        return self.url + self.settings.base_path

    demo_email = DEMO_USER.email
    demo_password = DEMO_USER.password
    client_email = DEMO_CLIENT.email
    client_password = DEMO_CLIENT.password


@contextlib.contextmanager
def running_reference_server(settings: Settings | None = None, **overrides: Any) -> Iterator[RunningReferenceServer]:
    """Serve a freshly seeded reference server on a free 127.0.0.1 port until the block ends."""
    settings = (settings or Settings()).with_changes(**overrides) if overrides else (settings or Settings())
    app = create_app(settings)
    try:
        with serve_in_thread(app) as url:
            yield RunningReferenceServer(url=url, settings=settings, app=app, store=app.state.store)
    finally:
        app.state.store.close()

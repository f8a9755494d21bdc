"""The conformance checks, one module per concern; importing this package registers every check."""

from harness.checks import (
    actions,
    advisories,
    browser_pages,
    callback,
    csrf,
    flow_csrf,
    flow_host,
    flow_oauth,
    flow_session,
    pages,
    popup,
    providers,
    rp,
    schema,
    security,
    session,
)

__all__ = [
    "actions",
    "advisories",
    "browser_pages",
    "callback",
    "csrf",
    "flow_csrf",
    "flow_host",
    "flow_oauth",
    "flow_session",
    "pages",
    "popup",
    "providers",
    "rp",
    "schema",
    "security",
    "session",
]

"""The conformance checks, one module per concern; importing this package registers every check."""

from harness.checks import actions, callback, csrf, pages, popup, providers, schema, security, session

__all__ = ["actions", "callback", "csrf", "pages", "popup", "providers", "schema", "security", "session"]

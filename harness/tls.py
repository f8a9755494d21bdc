"""One TLS setting for every request the harness makes: the target client, schemathesis, replay, compare and the
fleet's children read it from `--insecure` / `--ca-bundle FILE`, or from the standard `REQUESTS_CA_BUNDLE` /
`SSL_CERT_FILE` environment variables when no bundle is given (the bundle adds to the system's trusted roots).
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Sequence
from pathlib import Path

from harness.errors import UsageError

CA_ENV = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
"""Environment variables naming a CA bundle, in the order they are honoured (after --ca-bundle)."""
HINT = "trust its CA with --ca-bundle FILE (or SSL_CERT_FILE) or skip verification with --insecure"
"""What to do about a target whose certificate does not verify: appended to the preflight's one line."""


def ca_bundle(option: str | None) -> str | None:
    """The bundle to trust: `--ca-bundle`, else the first CA_ENV variable set; None for the system roots."""
    chosen = option or next((os.environ[name] for name in CA_ENV if os.environ.get(name)), None)
    if chosen and not Path(chosen).is_file():
        source = "--ca-bundle" if option else next(name for name in CA_ENV if os.environ.get(name) == chosen)
        raise UsageError(f"{source} {chosen}: no such file (a PEM file of the CA certificates to trust)")
    return chosen


@functools.cache
def _context(bundle: str) -> ssl.SSLContext:
    """The system's roots plus `bundle`, built once per bundle (a context costs a noticeable fraction of a second)."""
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"CA bundle {bundle}: not a PEM file of CA certificates ({exc})") from None
    return context


def verify(insecure: bool, bundle: str | None) -> bool | ssl.SSLContext:
    """What httpx takes as `verify=`: False under --insecure, the bundle's context, or True (system roots)."""
    if insecure:
        return False
    return _context(bundle) if bundle else True


def requests_verify(insecure: bool, bundle: str | None) -> bool | str:
    """What requests (schemathesis) takes as `verify=`: False, the bundle's path, or True."""
    if insecure:
        return False
    return bundle or True


def from_args(args: Sequence[str]) -> tuple[bool, str | None]:
    """(--insecure, --ca-bundle) from a command line the fleet hands on to its children."""
    items = list(args)
    bundle = None
    for i, item in enumerate(items):
        if item == "--ca-bundle" and i + 1 < len(items):
            bundle = items[i + 1]
        elif item.startswith("--ca-bundle="):
            bundle = item.split("=", 1)[1]
    return "--insecure" in items, ca_bundle(bundle)

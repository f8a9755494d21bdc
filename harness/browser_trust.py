"""What the browser checks' Chromium trusts: the run's TLS settings (`harness/tls.py`), not "ignore every error".

Chromium has no option to add a CA file; it does take `--ignore-certificate-errors-spki-list`, SHA-256 hashes of
public keys whose certificate errors it ignores. Debian's Chromium matches them against the certificates the server
presents (a server sends its leaf, rarely the root), so the harness pins the leaf the run's own TLS context has
verified against the system roots plus `--ca-bundle` (the target's), and the mock IdP's certificate (signed by the
CA the mock-IdP client trusts). Under `--insecure` the browser ignores certificate errors, as the client does.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness.context import CheckContext

HANDSHAKE_TIMEOUT = 10.0


def spki_hash(cert: x509.Certificate) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)), the form `--ignore-certificate-errors-spki-list` takes."""
    der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def verified_leaf(origin: str, context: ssl.SSLContext) -> x509.Certificate | None:
    """The certificate `origin` presents, when `context` verifies it (None when it does not, or no answer)."""
    parts = urlsplit(origin)
    host, port = parts.hostname or "", parts.port or 443
    try:
        with (
            socket.create_connection((host, port), timeout=HANDSHAKE_TIMEOUT) as sock,
            context.wrap_socket(sock, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return x509.load_der_x509_certificate(der) if der else None


def browser_trust(ctx: CheckContext) -> tuple[bool, frozenset[str]]:
    """(ignore certificate errors, public-key pins) for the run's browser."""
    verify = ctx.client.verify
    if verify is False:
        return True, frozenset()
    pins: set[str] = set()
    if isinstance(verify, ssl.SSLContext) and ctx.origin.startswith("https://"):
        leaf = verified_leaf(ctx.origin, verify)
        if leaf is not None:
            pins.add(spki_hash(leaf))
    if ctx.inputs.mock_idp:
        pins |= {spki_hash(cert) for cert in ctx.mock_idp().server_certificates()}
    return False, frozenset(pins)


def run_trust(ctx: CheckContext) -> tuple[bool, frozenset[str]]:
    """`browser_trust` once per run (the lanes' early start and every browser check ask for it)."""
    return ctx.once("browser-trust", lambda: browser_trust(ctx))

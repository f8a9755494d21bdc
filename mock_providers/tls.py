"""A local CA and a server certificate (made with ``cryptography`` on first run) for the HTTPS listener.

Several processes may start on one empty state directory at once (CI jobs, test suites): the files are made
once, under an exclusive lock on ``tls.lock``, written to temporary names and renamed into place, so every
process serves a certificate that the ``ca.pem`` on disk signs.

The RSA keys come from the key store (oidc/key_store.py: made once per user, reused), so a fresh state directory
(each `running_mocks` start has one) costs two certificate signatures, not two key generations.

The server certificate names localhost, 127.0.0.1, ::1 and every impersonated vendor host, so a client
that trusts the CA (``NODE_EXTRA_CA_CERTS=<ca.pem>``, ``curl --cacert``) accepts all of them.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from spec.providers import impersonated_hosts

from .oidc import key_store

#: The vendors' real hosts the mocks answer for (by Host or X-Forwarded-Host): the catalog's impersonated hosts,
#: which vendor_hosts.cjs carries as a generated block.
VENDOR_HOSTS = impersonated_hosts()
DNS_NAMES = ("localhost", "*.localhost", *VENDOR_HOSTS)
IP_NAMES = ("127.0.0.1", "::1")
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nextauth-conformance"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``state_dir/tls.lock`` (released by the OS if the process dies)."""
    with open(state_dir / "tls.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _still_good(files: TlsFiles) -> bool:
    if not all(p.exists() for p in (files.ca_cert, files.server_cert, files.server_key)):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(files.ca_cert.read_bytes()))
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    fresh = cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    return fresh and set(DNS_NAMES) <= set(sans.get_values_for_type(x509.DNSName))


def ensure_certificates(state_dir: Path) -> TlsFiles:
    """Reuse the CA and certificate under ``state_dir`` when still valid; otherwise make new ones, once."""
    state_dir.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(state_dir / "ca.pem", state_dir / "server.pem", state_dir / "server-key.pem")
    with _locked(state_dir):
        if not _still_good(files):
            _create(state_dir, files)
    return files


def _create(state_dir: Path, files: TlsFiles) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = key_store.STORE.take()
    ca_name = _name("nextauth-conformance mock IdP local CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = key_store.STORE.take()
    sans = [x509.DNSName(n) for n in DNS_NAMES] + [x509.IPAddress(ipaddress.ip_address(i)) for i in IP_NAMES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=397))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    staged = [
        (
            key_store.write_beside(state_dir / "ca-key.pem", key_store.private_pem(ca_key), private=True),
            state_dir / "ca-key.pem",
        ),
        (key_store.write_beside(files.server_key, key_store.private_pem(key), private=True), files.server_key),
        (key_store.write_beside(files.server_cert, cert.public_bytes(serialization.Encoding.PEM)), files.server_cert),
        (key_store.write_beside(files.ca_cert, ca.public_bytes(serialization.Encoding.PEM)), files.ca_cert),
    ]
    for tmp, final in staged:  # a crash midway leaves a pair `_still_good` refuses: the next start remakes it
        tmp.replace(final)


def spki_sha256(cert_path: Path) -> str:
    """Base64 SHA-256 of the certificate's SubjectPublicKeyInfo: what Chromium's
    ``--ignore-certificate-errors-spki-list`` takes to trust this one server key without installing the CA."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()

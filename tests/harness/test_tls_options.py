"""A target behind TLS with a private CA: without a way to trust it the run stops in preflight (exit 10, one line
naming the CA problem and both options); with `--ca-bundle`, `SSL_CERT_FILE` or `--insecure` every request the
run makes reaches it, schemathesis's included (it used to fail SCHEMA-001/002 with CERTIFICATE_VERIFY_FAILED)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_providers.tls import TlsFiles, ensure_certificates
from reference_server.app import create_app
from reference_server.serving import serve_in_thread
from reference_server.settings import Settings
from tests.harness.cli_runs import run_cli

#: Schema cases on the cheapest operations (positive and negative) and the CSRF family: requests from the
#: target client and from schemathesis.
SUBSET = ("-m", "not browser", "-p", "no:randomly", "-k", "(schema and (csrf or providers)) or test_csrf")


@pytest.fixture(scope="module")
def private_ca_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TlsFiles]]:
    tls = ensure_certificates(tmp_path_factory.mktemp("private-ca"))
    with serve_in_thread(
        create_app(Settings()), ssl_certfile=str(tls.server_cert), ssl_keyfile=str(tls.server_key)
    ) as url:
        yield url, tls


def _run(tmp_path: Path, url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, list[dict]]:
    done = run_cli(tmp_path, "check", "--target", url, "--report-json", "r.json", *SUBSET, *args, env=env)
    report = tmp_path / "r.json"
    findings = json.loads(report.read_text())["findings"] if report.exists() else []
    return done.returncode, done.text, findings


def test_an_untrusted_private_ca_stops_the_run_in_preflight(tmp_path: Path, private_ca_target) -> None:
    url, _ = private_ca_target
    code, text, _ = _run(tmp_path, url, env={"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": ""})
    lines = [line for line in text.splitlines() if "CERTIFICATE_VERIFY_FAILED" in line]
    assert code == 10 and len(lines) == 1, text[-2000:]
    assert "--ca-bundle" in lines[0] and "--insecure" in lines[0] and "Traceback" not in text


@pytest.mark.parametrize("how", ["--ca-bundle", "SSL_CERT_FILE", "--insecure"])
def test_each_way_to_trust_the_ca_reaches_every_request(tmp_path: Path, private_ca_target, how: str) -> None:
    url, tls = private_ca_target
    args: tuple[str, ...] = ()
    env = {"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": ""}
    if how == "--ca-bundle":
        args = ("--ca-bundle", str(tls.ca_cert))
    elif how == "--insecure":
        args = ("--insecure",)
    else:
        env[how] = str(tls.ca_cert)
    code, text, findings = _run(tmp_path, url, *args, env=env)
    failing = [(f["key"], f["message"]) for f in findings if f["verdict"] in ("fail", "error")]
    assert code == 0 and not failing, (failing, text[-1500:])
    schema = [f for f in findings if f["check_id"] in ("SCHEMA-001", "SCHEMA-002")]
    assert schema and {f["verdict"] for f in schema} <= {"pass", "warn"}, schema
    assert "CERTIFICATE_VERIFY_FAILED" not in text


def test_a_missing_ca_bundle_is_one_usage_line(tmp_path: Path, private_ca_target) -> None:
    url, _ = private_ca_target
    done = run_cli(tmp_path, "check", "--target", url, "--ca-bundle", str(tmp_path / "nope.pem"), *SUBSET)
    assert done.returncode == 4, done.text[-1500:]
    assert "--ca-bundle" in done.err and "no such file" in done.err and "Traceback" not in done.text


def test_replay_takes_the_ca_bundle(tmp_path: Path, private_ca_target) -> None:
    url, tls = private_ca_target
    har = tmp_path / "one.har"
    entry = {
        "request": {"method": "GET", "url": "http://recorded/api/auth/providers", "headers": [], "queryString": []},
        "response": {"status": 200, "headers": [{"name": "content-type", "value": "application/json"}]},
    }
    har.write_text(json.dumps({"log": {"entries": [entry]}}))
    untrusted = run_cli(tmp_path, "replay", str(har), "--target", url, env={"SSL_CERT_FILE": ""})
    trusted = run_cli(tmp_path, "replay", str(har), "--target", url, "--ca-bundle", str(tls.ca_cert))
    assert untrusted.returncode == 10 and "--ca-bundle" in untrusted.err, untrusted.text
    assert trusted.returncode in (0, 1) and "TLS failure" not in trusted.text, trusted.text

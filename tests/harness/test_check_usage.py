"""`check`'s command-line conventions: its own help, --version, usage errors in the project's words, family
markers, secrets from the environment, extra headers on every request, every report path printed."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import check_usage, cli, env_numbers
from tests.harness.cli_runs import run_cli

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_check_options() -> set[str]:
    """Every `--option` the README gives `check` / `pytest --target`: its options table and its command lines."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| option | meaning |", 1)[1].split("\n\n", 1)[0]  # the options table of `check`
    lines = [
        table,
        *(line for line in text.splitlines() if re.match(r"\s*(\.venv/bin/)?nextauth-conformance check ", line)),
    ]
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", "\n".join(lines)))


def test_check_help_is_the_checks_own_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: nextauth-conformance check")
    assert "pytest --help" in out and "pytest.main()" not in out
    named = readme_check_options()
    assert {"--target", "--profile", "--targets", "--compare", "--shard", "--jobs", "--baseline"} <= named
    missing = sorted(option for option in named if option not in out)
    assert not missing, f"options the README names but check --help does not list: {missing}"
    assert len(out.splitlines()) < 120


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert re.fullmatch(r"nextauth-conformance \S+\n", capsys.readouterr().out)


def test_usage_errors_speak_for_check(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "check", "--profile", "bogus", timeout=120)
    assert done.returncode == 4
    assert done.err.strip().splitlines() == [done.err.strip()]  # one line
    assert done.err.startswith("nextauth-conformance check: argument --profile: invalid choice: 'bogus'")
    unknown = run_cli(tmp_path, "check", "--no-such-option", timeout=120)
    assert unknown.returncode == 4 and "pytest.main()" not in unknown.text
    assert "nextauth-conformance check: error: unrecognized arguments: --no-such-option" in unknown.text
    bad_header = run_cli(tmp_path, "check", "--target", "http://127.0.0.1:9", "-H", "no colon", timeout=120)
    assert bad_header.returncode == 4 and "-H/--header 'no colon'" in bad_header.text


def test_family_markers_select_families(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "check", "--target", "http://127.0.0.1:9", "--collect-only", "-q", "-m", "security")
    ids = [line for line in done.out.splitlines() if "::" in line]
    assert ids and all("test_security[" in line for line in ids), done.text[-2000:]
    rest = run_cli(tmp_path, "check", "--target", "http://127.0.0.1:9", "--collect-only", "-q", "-m", "not rp")
    kept = [line for line in rest.out.splitlines() if "::" in line]
    assert kept and not any("test_rp[" in line for line in kept) and any("test_schema_" in line for line in kept)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        body = b"not an Auth.js app"
        self.send_response(404)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_headers_from_option_and_environment_reach_the_target(
    tmp_path: Path, recorder: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = recorder
    done = run_cli(
        tmp_path,
        "check",
        "--target",
        url,
        "-H",
        "x-vercel-protection-bypass: s3cret",
        "-m",
        "providers",
        env={"NEXTAUTH_CONFORMANCE_HEADERS": "x-ignored: env loses to the option"},
        timeout=120,
    )
    assert done.returncode == 10, done.text[-2000:]  # not Auth.js: the preflight request is what we look at
    assert seen and all(h.get("x-vercel-protection-bypass") == "s3cret" for h in seen)
    assert not any("x-ignored" in h for h in seen)
    seen.clear()
    from_env = run_cli(
        tmp_path, "check", "--target", url, env={"NEXTAUTH_CONFORMANCE_HEADERS": "x-preview: 1\nx-other: two"}
    )
    assert from_env.returncode == 10
    assert seen and all(h.get("x-preview") == "1" and h.get("x-other") == "two" for h in seen)


def test_secret_inputs_come_from_the_environment(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path,
        "check",
        "--target",
        "http://127.0.0.1:9",
        env={"NEXTAUTH_CONFORMANCE_CREDENTIALS": "no-colon"},
        timeout=120,
    )
    assert done.returncode == 4 and "NEXTAUTH_CONFORMANCE_CREDENTIALS must be EMAIL:PASSWORD" in done.text


def test_every_report_path_is_printed_and_no_warning(tmp_path: Path, reference: object) -> None:
    url = str(reference.url)  # type: ignore[attr-defined]
    done = run_cli(
        tmp_path,
        "check",
        "--target",
        url,
        "-m",
        "session",
        "--report-json",
        "r.json",
        "--report-junit",
        "r.xml",
        "--report-markdown",
        "r.md",
        timeout=300,
    )
    assert done.returncode == 0, done.text[-3000:]
    for line in ("JSON report: r.json", "JUnit report: r.xml", "Markdown report: r.md"):
        assert line in done.out
    assert "warning" not in done.text.lower().replace("0 warn", "")
    assert "profile documented (the default: no --profile given" in done.out
    # not-applicable grouped by the options that would enable them
    assert re.search(r"\n +4  --credentials or --secret\b.*\[SESS-002, SESS-003, SESS-004, SESS-006\]", done.out)


def test_usage_error_helper_leaves_pytest_options_alone() -> None:
    assert check_usage.usage_error(["-m", "not browser", "-k", "CSRF", "-n", "2", "-x", "--target", "http://a"]) is None
    assert check_usage.usage_error(["--request-timeout", "soon"]) is not None


def test_headers_reach_schemathesis_calls_and_forked_clients() -> None:
    from harness.checks.schema_cases import call_kwargs
    from harness.options import RunOptions
    from harness.run import Run

    headers = (("x-preview", "1"),)
    options = RunOptions(
        active=True,
        target="http://127.0.0.1:9",
        profile="documented",
        base_path="/api/auth",
        credentials=None,
        secret=None,
        mock_idp=None,
        waivers=None,
        timeout=5.0,
        verify_tls=True,
        headers=headers,
    )
    run = Run(options, target="http://127.0.0.1:9", profile_name="documented")
    assert call_kwargs(run, "positive")["headers"] == {"x-preview": "1"}
    client = run.client()
    fork = client.fork()
    try:
        assert client.extra_headers == fork.extra_headers == headers
        assert client._http.headers["x-preview"] == "1"
    finally:
        client.close()
        fork.close()
        run.stack.close()


@pytest.mark.parametrize("name", list(env_numbers.DEFAULTS))
def test_a_bad_number_from_the_environment_is_one_usage_line(tmp_path: Path, name: str) -> None:
    """The lanes and the schema examples are read at import: a bad value is refused before the run, never a
    traceback at import (the plugin loads into every pytest run of an environment it is installed in)."""
    done = run_cli(tmp_path, "check", "--target", "http://127.0.0.1:9", env={name: "two"}, timeout=120)
    assert done.returncode == 4 and done.err.strip().splitlines() == [done.err.strip()], done.text
    assert f"{name} must be a whole number, 1 or more; got 'two'" in done.err
    assert "Traceback" not in done.text


@pytest.mark.parametrize(
    ("value", "number"),
    [(None, 2), ("", 2), (" 3 ", 3), ("x", None), ("0", None), ("-1", None), ("1.5", None), ("²", None)],
)
def test_a_number_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str | None, number: int | None) -> None:
    if value is None:
        monkeypatch.delenv(env_numbers.BROWSER_LANES, raising=False)
    else:
        monkeypatch.setenv(env_numbers.BROWSER_LANES, value)
    if number is None:
        with pytest.raises(ValueError, match="must be a whole number"):
            env_numbers.parse(env_numbers.BROWSER_LANES)
        assert env_numbers.read(env_numbers.BROWSER_LANES) == env_numbers.DEFAULTS[env_numbers.BROWSER_LANES]
    else:
        assert env_numbers.parse(env_numbers.BROWSER_LANES) == env_numbers.read(env_numbers.BROWSER_LANES) == number

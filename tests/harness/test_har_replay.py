"""HAR files of failing checks (redacted by default), their Markdown links, and `nextauth-conformance replay`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.client import TargetClient
from harness.recorder import recording
from harness.reports.har import REDACTED, Redactor, har_document
from tests.harness.breakages import BREAKAGES
from tests.harness.cli_runs import CSRF, run_cli
from tests.harness.conftest import Switchable

pytestmark = pytest.mark.timeout(3600)  # several CLI runs each; the machine may be shared

SECRET = "this-is-the-target-secret"


def _csrf_failure(tmp_path: Path, url: str, *extra: str) -> dict:
    done = run_cli(tmp_path, "check", "--target", url, *CSRF, "--secret", SECRET, "--report-markdown", "r.md", *extra)
    assert done.returncode == 1, done.text
    har = tmp_path / "reports" / "har" / "CSRF-006.har"
    assert har.is_file(), sorted(p.name for p in (tmp_path / "reports").rglob("*"))
    return json.loads(har.read_text())


def test_failing_check_leaves_a_redacted_har_linked_from_markdown(
    tmp_path: Path, broken: tuple[str, Switchable]
) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["CSRF-006"])
    document = _csrf_failure(tmp_path, url)
    entries = document["log"]["entries"]
    assert document["log"]["version"] == "1.2" and entries
    response = entries[0]["response"]
    assert response["status"] == 200 and "csrfToken" in response["content"]["text"]
    set_cookies = [h["value"] for h in response["headers"] if h["name"] == "set-cookie"]
    assert set_cookies and all(REDACTED in v and "%7C" not in v for v in set_cookies), set_cookies
    assert f'"csrfToken": "{REDACTED}"' in response["content"]["text"].replace('":"', '": "')
    assert SECRET not in json.dumps(document)
    assert "[CSRF-006.har](reports/har/CSRF-006.har)" in (tmp_path / "r.md").read_text()
    failing = {f"{key}.har" for key in re.findall(r"^### fail: `([^`]+)`", (tmp_path / "r.md").read_text(), re.M)}
    assert {p.name for p in (tmp_path / "reports" / "har").iterdir()} == failing  # passing checks leave none


def test_no_redact_keeps_cookies_and_replay_resends(tmp_path: Path, broken: tuple[str, Switchable]) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["CSRF-006"])
    document = _csrf_failure(tmp_path, url, "--no-redact")
    assert REDACTED not in json.dumps(document) and "%7C" in json.dumps(document)
    har = tmp_path / "reports" / "har" / "CSRF-006.har"
    replayed = run_cli(tmp_path, "replay", str(har), "--target", url)
    assert replayed.returncode == 0, replayed.text
    assert "recorded 200  now 200  same" in replayed.out and "0 different" in replayed.out
    switch.use("/csrf", lambda reply: setattr(reply, "status", 503))
    changed = run_cli(tmp_path, "replay", str(har), "--target", url)
    assert changed.returncode == 1 and "now 503  DIFFERENT" in changed.out, changed.text


@pytest.mark.parametrize(
    ("content", "target", "code", "phrase"),
    [
        (None, "http://127.0.0.1:9", 4, "cannot read HAR file"),
        ("{oops", "http://127.0.0.1:9", 4, "is not JSON"),
        ('{"log": {"entries": [{"request": {}}]}}', "http://127.0.0.1:9", 4, "not a HAR 1.2 file"),
        ('{"log": {"entries": []}}', "ftp://x", 4, "must be an http(s) origin"),
        (
            '{"log": {"entries": [{"request": {"url": "http://x/api/auth/csrf"}}]}}',
            "http://127.0.0.1:9",
            10,
            "cannot reach",
        ),
    ],
)
def test_replay_bad_input_is_one_line(tmp_path: Path, content: str | None, target: str, code: int, phrase: str) -> None:
    if content is not None:
        (tmp_path / "x.har").write_text(content)
    done = run_cli(tmp_path, "replay", "x.har", "--target", target)
    assert done.returncode == code and phrase in done.err, done.text
    assert len(done.err.strip().splitlines()) == 1 and "Traceback" not in done.text


def test_redactor_covers_forms_queries_and_authorization(reference) -> None:  # noqa: ANN001
    client = TargetClient(reference.url)
    with recording() as exchanges:
        client.action("csrf", headers={"Authorization": "Bearer abc"}, cookies={"authjs.session-token": "tok"})
        client.action("callback/credentials", method="POST", form={"csrfToken": "t0ken", "password": "pw-123"})
        client.action("callback/google", params={"code": "c0de", "state": "s"})
    client.close()
    text = json.dumps(har_document(exchanges, Redactor(True, ["pw-123"])))
    assert all(value not in text for value in ("Bearer abc", 'tok"', "t0ken", "pw-123", "c0de")), text
    assert "authjs.session-token=[redacted]" in text

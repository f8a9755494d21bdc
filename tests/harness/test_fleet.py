"""Many targets, one report (`check --targets`), sharding and `merge`, and `--compare`, through the CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference_server.testing import RunningReferenceServer, running_reference_server
from tests.harness.breakages import BREAKAGES
from tests.harness.cli_runs import PROVIDERS, run_cli
from tests.harness.conftest import OAUTH, Switchable

pytestmark = pytest.mark.timeout(3600)  # several CLI runs each; the machine may be shared
DOWN = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def second_reference() -> Iterator[RunningReferenceServer]:
    with running_reference_server(oauth_providers=OAUTH) as server:  # configured as `reference` is
        yield server


def _targets(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    lines = ["targets:"] + [f"  - name: {name}\n    url: {url}" for name, url in entries]
    path = tmp_path / "targets.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("content", "extra", "phrase"),
    [
        (None, (), "cannot read targets file"),
        ("targets: [", (), "is not valid YAML"),
        ("targets:\n  - name: a\n    url: http://x\n    colour: red\n", (), "unknown field 'colour'"),
        ("targets:\n  - name: a\n", (), "missing 'url'"),
        ("targets:\n  - {name: a, url: http://x}\n  - {name: a, url: http://y}\n", (), "used twice"),
        ("targets:\n  - {name: a, url: ftp://x}\n", (), "url must be an http(s) origin"),
        ("targets:\n  - {name: a, url: http://x, profile: nope}\n", (), "unknown profile"),
        ("targets:\n  - {name: a, url: http://x, secret: '${NOT_SET_ANYWHERE_1}'}\n", (), "NOT_SET_ANYWHERE_1"),
        ("targets:\n  - {name: a, url: http://x}\n", ("--shard", "3/2"), "--shard must be I/N"),
        ("targets:\n  - {name: a, url: http://x}\n", ("--shard", "one"), "--shard must be I/N"),
    ],
)
def test_bad_targets_input_is_one_line_and_exit_4(
    tmp_path: Path, content: str | None, extra: tuple[str, ...], phrase: str
) -> None:
    if content is not None:
        (tmp_path / "targets.yaml").write_text(content)
    done = run_cli(tmp_path, "check", "--targets", "targets.yaml", *extra)
    assert done.returncode == 4 and phrase in done.err, done.text
    assert len(done.err.strip().splitlines()) == 1 and "Traceback" not in done.text


def test_shard_without_targets_and_bad_merge_input(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "check", "--shard", "1/2").returncode == 4
    (tmp_path / "x.json").write_text('{"something": 1}')
    done = run_cli(tmp_path, "merge", "x.json", "missing.json")
    assert done.returncode == 4 and "neither a matrix nor" in done.err and "Traceback" not in done.text


def test_targets_file_gives_one_matrix_report(
    tmp_path: Path, reference: RunningReferenceServer, broken: tuple[str, Switchable]
) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["PROV-003"])
    _targets(tmp_path, ("good", reference.url), ("bad", url), ("down", DOWN))
    done = run_cli(
        tmp_path, "check", "--targets", "targets.yaml", "--jobs", "2", *PROVIDERS,
        "--report-json", "m.json", "--report-junit", "m.xml", "--report-markdown", "m.md",
    )  # fmt: skip
    assert done.returncode == 1, done.text
    assert "bad (" in done.out and "failing: PROV-003" in done.out
    md = (tmp_path / "m.md").read_text()
    assert "| providers | pass | **fail** (PROV-003) | unavailable |" in md, md
    suites = ET.parse(tmp_path / "m.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["good", "bad", "down"]
    assert suites[1].get("failures") == "1" and suites[2].get("errors") == "1"
    data = json.loads((tmp_path / "m.json").read_text())
    assert [t["returncode"] for t in data["targets"]] == [0, 1, 10]
    assert "cannot test" in data["targets"][2]["error"]


def test_shards_merge_into_the_whole_matrix(tmp_path: Path, reference: RunningReferenceServer) -> None:
    _targets(tmp_path, ("good", reference.url), ("down", DOWN))
    for index in (1, 2):
        shard = run_cli(
            tmp_path, "check", "--targets", "targets.yaml", "--shard", f"{index}/2", *PROVIDERS,
            "--report-json", f"shard-{index}.json",
        )  # fmt: skip
        assert shard.returncode == (0 if index == 1 else 10), shard.text
    merged = run_cli(tmp_path, "merge", "shard-1.json", "shard-2.json", "--report-markdown", "all.md")
    assert merged.returncode == 10, merged.text
    assert "| providers | pass | unavailable |" in (tmp_path / "all.md").read_text()


def test_identical_targets_report_no_difference(
    tmp_path: Path, reference: RunningReferenceServer, second_reference: RunningReferenceServer
) -> None:
    done = run_cli(
        tmp_path, "check", "--target", reference.url, "--compare", second_reference.url, *PROVIDERS,
        "--report-json", "c.json",
    )  # fmt: skip
    assert done.returncode == 0, done.text
    assert "no difference (checks and wire)" in done.out
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["compare"]["checks"] == [] and data["compare"]["wire"] == []


def test_compare_reports_a_breaking_difference_on_the_wire(
    tmp_path: Path, reference: RunningReferenceServer, broken: tuple[str, Switchable]
) -> None:
    url, switch = broken
    switch.use(*BREAKAGES["PROV-003"])
    (tmp_path / "targets.yaml").write_text(
        f"targets:\n  - {{name: before, url: '{reference.url}'}}\n  - {{name: after, url: '{url}'}}\n"
        f"  - {{name: unused, url: '{DOWN}'}}\n"
    )
    done = run_cli(
        tmp_path, "check", "--targets", "targets.yaml", "--compare", "before,after", *PROVIDERS,
        "--report-markdown", "c.md",
    )  # fmt: skip
    assert done.returncode == 1, done.text
    assert "BREAKING check PROV-003: pass -> fail" in done.out
    assert "wire providers: cookies: {} -> {'authjs.session-token'" in done.out
    assert "| `PROV-003` | pass | fail | yes |" in (tmp_path / "c.md").read_text()
    assert "unused" not in done.out

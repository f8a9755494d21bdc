"""The README's examples, run as written (ports picked at run time) and their printed lines compared.

The reference server's banner, and "Reports for teams": a baseline recorded against a bare `serve` and checked
again reports nothing new, nothing known (the server passes its own suite at the address it prints).
"""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.cli_runs import CLI, run_cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PORT = re.compile(r"127\.0\.0\.1:\d+")


def bash_block_after(heading: str, containing: str) -> list[str]:
    """The lines of the first ```bash block after `heading` whose text contains `containing`."""
    section = README.split(heading, 1)[1]
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        if containing in block:
            return [line.rstrip() for line in block.splitlines() if line.strip()]
    raise AssertionError(f"no bash block with {containing!r} after {heading!r}")


def expected_output(lines: list[str]) -> list[str]:
    return [line[2:] for line in lines if line.startswith("# ")]


def normalized(line: str) -> str:
    return PORT.sub("127.0.0.1:PORT", line.strip())


@contextmanager
def serving(command: str) -> Iterator[tuple[str, list[str]]]:
    """Start a README `serve` command on a free port; the origin and the lines it printed until `next:`."""
    args = shlex.split(command.split("#")[0].rstrip(" &"))
    assert args[0].endswith("nextauth-conformance") and args[1] == "serve"
    args = [str(CLI), *args[1:]]
    args[args.index("--port") + 1] = "0"
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        printed: list[str] = []
        while not printed or not printed[-1].startswith("next:"):
            line = process.stdout.readline()
            assert line, f"serve stopped: {process.stderr.read() if process.stderr else ''}"
            printed.append(line.rstrip("\n"))
        origin = re.search(r"http://127\.0\.0\.1:\d+", next(p for p in printed if p.startswith("reference server")))
        assert origin
        yield origin.group(), printed
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_reference_server_banner_is_what_the_readme_shows() -> None:
    lines = bash_block_after("## The reference server", "serve --port 3000")
    with serving(lines[0]) as (_, printed):
        assert [normalized(line) for line in printed] == [normalized(line) for line in expected_output(lines)]


def test_reports_for_teams_baseline_example(tmp_path: Path) -> None:
    servers = bash_block_after("## Reports for teams", "serve --port 3000")
    commands = bash_block_after("**Baseline: fail only on what is new or worse.**", "--write-baseline")
    with serving(servers[0]) as (origin, _):
        outputs = []
        for command in (line for line in commands if line.startswith("nextauth-conformance check")):
            args = shlex.split(command.replace("http://127.0.0.1:3000", origin))[1:]
            done = run_cli(tmp_path, *args, timeout=900)
            assert done.returncode == 0, done.text[-3000:]
            outputs.append(done.out)
    for expected in expected_output(commands):
        assert expected in outputs[-1], outputs[-1][-3000:]

"""Check many targets, concurrently: one `nextauth-conformance check` subprocess per target, into matrix entries.

At most `--jobs` children run at a time (default: the CPU count). A subprocess per target rather than one xdist
worker per target, because a run's state is per target (the probe, the detected profile, the embedded servers,
the browser, the exit code 10 of a target that is down): a subprocess keeps each target's run exactly what a
single `check` would do, one target crashing or hanging (bounded by `--target-timeout`) cannot take the others
down, and each child may still use `-n` (xdist) inside. `embedded` targets share one reference server started
here.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.fleet.targets import Target
from harness.reports import matrix

EXIT_TARGET_UNAVAILABLE = 10


def child_command(target: Target, json_path: Path, report_dir: Path, common: Sequence[str]) -> list[str]:
    # -P: the working directory is not put on sys.path, so a checkout's `harness/` is not imported twice
    # (pytest's assertion rewriting warns about that, and -W error turns it into a failure)
    cmd = [sys.executable, "-P", "-m", "harness.cli", "check", "--target", target.url, "--profile", target.profile]
    cmd += ["--report-json", str(json_path), "--report-dir", str(report_dir)]
    for flag, value in (
        ("--credentials", target.credentials),
        ("--secret", target.secret),
        ("--mock-idp", target.mock_idp),
        ("--base-path", target.base_path),
        ("--waivers", target.waivers),
        ("--baseline", target.baseline),
    ):
        if value:
            cmd += [flag, value]
    return [*cmd, *common, *target.args]


def run_target(target: Target, out: Path, common: Sequence[str], timeout: float) -> dict[str, Any]:
    """One child run; the matrix entry (its JSON report, or why there is none)."""
    json_path, log = out / f"{target.name}.json", out / f"{target.name}.log"
    json_path.unlink(missing_ok=True)
    cmd = child_command(target, json_path, out / target.name, common)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}  # the matrix writes the summary
    started = time.perf_counter()
    try:
        with log.open("w", encoding="utf-8") as sink:
            done = subprocess.run(
                cmd,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                timeout=timeout,
                check=False,
            )
        code, error = done.returncode, ""
    except subprocess.TimeoutExpired:
        code, error = 3, f"no result within --target-timeout {timeout:g} s"
    report = json.loads(json_path.read_text(encoding="utf-8")) if json_path.is_file() else None
    if code == EXIT_TARGET_UNAVAILABLE:  # its report is a header without findings: the target was not tested
        report = None
    if report is None and not error:
        tail = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        said = [  # the one-line reason (pytest.exit prints it inside a "!!! ... !!!" banner), not the header
            line.strip("! ") for line in tail if "nextauth-conformance: " in line and ": target " not in line
        ]
        error = (said or tail or ["no output"])[-1][:300]
    return {
        "name": target.name,
        "url": target.url,
        "profile": target.profile,
        "returncode": code,
        "error": error,
        "log": str(log),
        "seconds": round(time.perf_counter() - started, 1),
        "report": report,
    }


def run_targets(
    targets: Sequence[Target], out: Path, common: Sequence[str] = (), *, jobs: int = 0, timeout: float = 1800.0
) -> list[dict[str, Any]]:
    """Check every target (at most `jobs` at once, default the CPU count); entries in the targets' order.

    `embedded` targets must have been resolved (`start_embedded_targets`) first."""
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(len(targets), jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_target, t, out, common, timeout) for t in targets]
        entries = []
        for number, future in enumerate(futures, 1):
            entry = future.result()
            entries.append(entry)
            _progress(
                f"[{number}/{len(futures)}] {entry['name']}: exit {entry['returncode']} "
                f"({matrix.totals(entry)}) in {entry['seconds']} s"
            )
    return entries


def start_embedded_targets(targets: Sequence[Target], stack: contextlib.ExitStack) -> list[Target]:
    """`embedded` targets get the URL and inputs of one reference server (with mocks) that stops with `stack`."""
    if not any(t.embedded for t in targets):
        return list(targets)
    from harness.embedded import start_embedded

    server = start_embedded(stack)
    credentials = ":".join(server.credentials)
    return [
        replace(
            t,
            url=server.url,
            secret=t.secret or server.secret,
            credentials=t.credentials or credentials,
            mock_idp=t.mock_idp or server.mock_idp,
            args=_email_max_age(server.email_max_age) + t.args,
        )
        if t.embedded
        else t
        for t in targets
    ]


def _email_max_age(seconds: float | None) -> tuple[str, ...]:
    """The embedded server's link lifetime, so its EMAIL-003 runs as in a single `check`."""
    return ("--email-max-age", f"{seconds:g}") if seconds else ()


def _progress(message: str) -> None:
    print(f"nextauth-conformance {message}", file=sys.stderr, flush=True)

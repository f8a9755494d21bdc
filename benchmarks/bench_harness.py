"""The harness's three release-gate figures side by side with a plain `schemathesis run` over the same spec.

    .venv/bin/python benchmarks/bench_harness.py [--repeat 3] [--skip-app]

In one run, each command `--repeat` times (median wall time, process start-up included, as a user waits):

1. `nextauth-conformance check -m "not browser"`: the embedded default without the browser checks;
2. `nextauth-conformance check`: the embedded default, everything (Chromium included);
3. `nextauth-conformance check --target <the real Auth.js v5 app> --profile authjs-v5 --credentials ...
   --mock-idp ...`: tests/interop's next-auth@5 app (built with npm on first use, as the interop tests do)
   signed in through mocks started here, browser checks included; `--skip-app` leaves it out;
4. `schemathesis run spec/openapi.yaml` against a reference server started here, with the harness's example
   budget: the baseline every figure is divided by.

It prints the machine it ran on (cores, load average before and after: the figures of a loaded machine are
not those of a quiet one) and each figure with its exit codes and its ratio to the baseline. No assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
CLI = str(BIN / "nextauth-conformance")
SPEC = ROOT / "spec" / "openapi.yaml"
BASELINE = "schemathesis run (CLI)"


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    return time.perf_counter() - started, result.returncode


@contextlib.contextmanager
def v5_app() -> Iterator[list[str] | None]:
    """The `check` command against the running v5 interop app and its mocks; None when node or the app is missing."""
    try:
        from tests.interop.harness_runs import CREDENTIALS, interop_app, interop_mocks
    except ImportError as exc:
        print(f"v5 app: skipped ({exc})")
        yield None
        return
    try:
        with interop_mocks() as mocks, interop_app("authjs-v5", mocks) as app:
            yield [
                "--target",
                app.public_url,
                "--profile",
                "authjs-v5",
                "--credentials",
                CREDENTIALS,
                "--mock-idp",
                mocks.http_url,
            ]
    except RuntimeError as exc:  # npm, next build or the app's start-up failed
        print(f"v5 app: skipped ({str(exc).splitlines()[0]})")
        yield None


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (the median is reported)")
    parser.add_argument("--max-examples", type=int, default=10, help="schemathesis examples per operation")
    parser.add_argument("--skip-app", action="store_true", help="leave out the real v5 app (no node needed)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTAUTH_CONFORMANCE_")}
    env["NEXTAUTH_CONFORMANCE_MAX_EXAMPLES"] = str(args.max_examples)
    print(f"machine before: {machine()}")
    results: dict[str, tuple[float, list[int]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-harness-") as work:

        def run(name: str, cmd: list[str]) -> None:
            runs = [timed(cmd, env, work) for _ in range(max(1, args.repeat))]
            results[name] = (statistics.median(t for t, _ in runs), [code for _, code in runs])
            print(f"  {name}: {', '.join(f'{t:.1f}s' for t, _ in runs)}", flush=True)

        run('embedded, -m "not browser"', [CLI, "check", "-q", "-m", "not browser", "--report-dir", work])
        run("embedded, everything", [CLI, "check", "-q", "--report-dir", work])
        if not args.skip_app:
            with v5_app() as app_args:
                if app_args is not None:
                    run("real v5 app, --credentials --mock-idp", [CLI, "check", "-q", "--report-dir", work, *app_args])
        from reference_server.testing import running_reference_server

        with running_reference_server() as server:
            plain = [
                str(BIN / "schemathesis"),
                "run",
                str(SPEC),
                "--url",
                server.url,
                "--max-examples",
                str(args.max_examples),
                "--exclude-checks",
                "unsupported_method,negative_data_rejection",
                "--mode",
                "all",
                "--seed",
                "1",
            ]
            run(BASELINE, plain)
    print(f"machine after:  {machine()}")
    base = results[BASELINE][0]
    print(f"\n{'figure':<40} {'median':>8} {'x schemathesis':>15}  exit codes")
    for name, (seconds, codes) in results.items():
        print(f"{name:<40} {seconds:7.1f}s {seconds / base:14.2f}x  {codes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare the harness suite with a plain `schemathesis run` over the same spec and reference server.

    .venv/bin/python benchmarks/bench_harness.py [--repeat 3]

Both runs hit one reference server started here. The harness runs every HTTP check plus schemathesis
(positive and negative) in pytest; the baseline is the schemathesis CLI with the same example budget.
Prints wall times and the ratio harness / schemathesis (process start-up included in both).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reference_server.testing import running_reference_server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SPEC = ROOT / "spec" / "openapi.yaml"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=False)
    return time.perf_counter() - started, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "NEXTAUTH_CONFORMANCE_MAX_EXAMPLES": str(args.max_examples)}
    with running_reference_server() as server:
        harness = [
            str(BIN / "pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--target",
            server.url,
            "--secret",
            server.secret,
            "--credentials",
            f"{server.demo_email}:{server.demo_password}",
            "-m",
            "not browser",
        ]
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
        rows = {"harness (pytest --target)": harness, "schemathesis run (CLI)": plain}
        results = {}
        for name, cmd in rows.items():
            runs = [timed(cmd, env) for _ in range(args.repeat)]
            results[name] = statistics.median(t for t, _ in runs)
            codes = [c for _, c in runs]
            print(f"{name:<28} median {results[name]:6.2f}s over {args.repeat} runs (exit codes {codes})")
    names = list(results)
    print(f"ratio harness / schemathesis: {results[names[0]] / results[names[1]]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

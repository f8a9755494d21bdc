"""`nextauth-conformance check --targets FILE`: check many targets, concurrently, into one matrix report.

Each target is checked by its own `nextauth-conformance check` subprocess, at most `--jobs` at a time
(default: the CPU count). A subprocess per target rather than one xdist worker per target, because a run's
state is per target (the probe, the detected profile, the embedded servers, the browser, the exit code 10
of a target that is down): a subprocess keeps each target's run exactly what a single `check` would do, one
target crashing or hanging (bounded by `--target-timeout`) cannot take the others down, and each child may
still use `-n` (xdist) inside. `embedded` targets share one reference server started here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import tls
from harness.errors import HarnessError, OneLineParser, UsageError
from harness.fleet import compare
from harness.fleet.targets import EMBEDDED, Target, load_targets, shard
from harness.options import add_fleet_options, add_report_options
from harness.reports import formats, matrix

EXIT_USAGE = 4
EXIT_TARGET_UNAVAILABLE = 10
OWN_OPTIONS = ("--targets", "--shard", "--jobs", "--compare", "--target-timeout")


def wanted(args: Sequence[str]) -> bool:
    """True when `check` was given one of the options handled here rather than by pytest."""
    return any(a.split("=", 1)[0] in OWN_OPTIONS for a in args)


def parser() -> argparse.ArgumentParser:
    """What the fleet commands read of `check`'s arguments; the rest goes to every target's child run."""
    p = OneLineParser(prog="nextauth-conformance check", allow_abbrev=False, add_help=False)
    add = p.add_argument
    add_fleet_options(add)
    add("--target", metavar="URL")
    for name in ("--profile", "--credentials", "--secret", "--mock-idp", "--base-path"):
        add(name)
    add_report_options(add)
    add("--report-dir", type=Path, default=Path("reports"))
    return p


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


def _with_defaults(target: Target, args: argparse.Namespace) -> Target:
    """Command-line inputs fill what a targets-file entry leaves out."""
    return replace(
        target,
        credentials=target.credentials or args.credentials,
        secret=target.secret or args.secret,
        mock_idp=target.mock_idp or args.mock_idp,
        base_path=target.base_path or args.base_path,
    )


def _name(url: str) -> str:
    """A target name from a URL: `https://staging.example.com:8443` -> `staging.example.com_8443`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("//", 1)[-1].strip("/"))[:64] or EMBEDDED


def select_targets(args: argparse.Namespace) -> list[Target]:
    if args.targets:
        if args.target:
            raise UsageError("--target and --targets exclude each other (put the target in the targets file)")
        targets = [_with_defaults(t, args) for t in load_targets(args.targets)]
        if args.profile:
            targets = [replace(t, profile=args.profile) for t in targets]
    elif args.compare:
        first = (args.target or EMBEDDED).rstrip("/")
        if first != EMBEDDED and not first.startswith(("http://", "https://")):
            raise UsageError(f"--target must be an http(s) origin, got {first!r}")
        if not args.compare.startswith(("http://", "https://")):
            raise UsageError(f"--compare must be an http(s) origin (or A,B with --targets), got {args.compare!r}")
        base = Target(
            _name(first), first, args.profile or "documented", args.credentials, args.secret, args.mock_idp,
            args.base_path,
        )  # fmt: skip
        second = _name(args.compare)
        targets = [
            base,
            replace(base, name=second if second != base.name else f"{second}-2", url=args.compare.rstrip("/")),
        ]
    else:
        raise UsageError("--shard and --jobs need --targets FILE")
    if args.shard:
        if not args.targets:
            raise UsageError("--shard needs --targets FILE")
        targets = shard(targets, args.shard)
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (the CPU count) or more")
    return targets


def main(argv: Sequence[str]) -> int:
    """`check --targets/--compare ...`: run, print the matrix (or the comparison), write the reports."""
    try:
        args, common = parser().parse_known_args(list(argv))
        targets = select_targets(args)
        pair = compare.pair(targets, args.compare) if args.compare else None
        if not targets:
            print(f"nextauth-conformance: shard {args.shard} has no targets; nothing to check", file=sys.stderr)
            return 5
        with contextlib.ExitStack() as stack:
            chosen = start_embedded_targets(pair or targets, stack)
            entries = run_targets(chosen, args.report_dir, common, jobs=args.jobs, timeout=args.target_timeout)
            extra: dict[str, Any] = {}
            code = matrix.exit_code(entries)
            if pair:
                result = compare.compare(entries, chosen, verify=tls.verify(*tls.from_args(common)))
                extra["compare"] = result.to_json()
                code = result.exit_code(code)
        for entry, target in zip(entries, pair or targets, strict=True):
            if target.embedded:
                entry["url"] = f"{EMBEDDED} ({entry['url']})"
        print("\n".join(matrix.terminal_lines(entries)))
        if pair:
            print("\n".join(compare.terminal_lines(extra["compare"])))
        comparison = compare.markdown(extra["compare"]) if pair else ""
        built = matrix.Matrix(entries, extra, comparison)
        for line in formats.write_matrix(built, formats.chosen(vars(args), args.report_dir)):
            print(line)
        return code
    except HarnessError as exc:
        print(f"nextauth-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE


def merge_main(argv: Sequence[str]) -> int:
    """`nextauth-conformance merge A.json B.json ... [--report-json/-junit/-markdown PATH]`."""
    p = OneLineParser(prog="nextauth-conformance merge", allow_abbrev=False)
    p.add_argument("reports", nargs="+", type=Path)
    add_report_options(p.add_argument, only_files=True)
    try:
        args = p.parse_args(list(argv))
        entries = matrix.load_entries(args.reports)
    except UsageError as exc:
        print(f"nextauth-conformance merge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(matrix.terminal_lines(entries)))
    formats.write_matrix(matrix.Matrix(entries), formats.chosen(vars(args), Path("reports"), formats.FILE_FORMATS))
    return matrix.exit_code(entries)

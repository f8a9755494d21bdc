"""`nextauth-conformance check --targets FILE | --compare ...` and `merge`: the multi-target commands.

`check` hands its arguments here when they hold one of the fleet options (`harness.options.add_fleet_options`);
the targets run as subprocesses (`harness.fleet.run`), the matrix and the comparison are written through the
report formats table (`harness.reports.formats`).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import tls
from harness.errors import HarnessError, OneLineParser, UsageError
from harness.fleet import compare
from harness.fleet.run import run_targets, start_embedded_targets
from harness.fleet.targets import EMBEDDED, Target, load_targets, shard
from harness.options import add_fleet_options, add_report_options
from harness.reports import formats, matrix

EXIT_USAGE = 4
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

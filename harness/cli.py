"""`nextauth-conformance`: `check` runs the conformance suite; `serve` and `mocks` start the servers.

    nextauth-conformance check                      # embedded reference server, documented profile
    nextauth-conformance checks [--markdown]        # the check catalogue: id, family, severity, clause, title
    nextauth-conformance check --target https://staging.example.com --profile auto --report-junit out.xml
    nextauth-conformance check --targets targets.yaml [--shard 1/3] --report-markdown matrix.md
    nextauth-conformance check --target https://prod.example.com --compare https://staging.example.com
    nextauth-conformance merge shard-*.json --report-markdown matrix.md  # one matrix from sharded runs
    nextauth-conformance replay reports/har/CSRF-001.har --target http://127.0.0.1:3000
    nextauth-conformance serve | mocks ...          # provided by reference_server.cli / mock_providers.cli
    nextauth-conformance check --help               # the check's own options (pytest's: pytest --help)
    nextauth-conformance --version

Exit codes of `check` (also of `pytest --target`): 0 conformant (warnings, N/A and waived allowed);
1 a check failed or a waiver is stale; 2 interrupted; 3 internal error; 4 usage error (bad option or
waiver file); 5 no check ran; 10 the target cannot be tested (down, TLS, not Auth.js).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import types
from collections.abc import Sequence
from importlib import metadata
from typing import TYPE_CHECKING

from harness import embedded

if TYPE_CHECKING:
    import pytest

EXIT_USAGE = 4
SERVER_COMMANDS = {"serve": "reference_server.cli", "mocks": "mock_providers.cli"}
UNUSED_PLUGINS = tuple(
    arg for name in ("nextauth_conformance_mocks", "respx", "faker", "anyio") for arg in ("-p", f"no:{name}")
)
"""Installed pytest plugins `check` never needs: loading them is most of pytest's own start-up."""


USAGE = (
    "usage: nextauth-conformance {check [pytest args...] | checks [--markdown] | replay HAR --target URL"
    " | merge REPORT.json... | serve [...] | mocks [...] | --version}"
)


def _load(module: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def run_server(command: str, argv: Sequence[str]) -> int:
    """Delegate to `<module>.add_arguments(parser)` / `<module>.run(args)`, imported only now."""
    module = _load(SERVER_COMMANDS[command])
    if module is None or not hasattr(module, "run"):
        print(f"nextauth-conformance {command}: {SERVER_COMMANDS[command]} is not available yet", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"nextauth-conformance {command}")
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(list(argv))))


def list_checks(argv: Sequence[str]) -> int:
    """Print every registered check, as text or as a Markdown table (the README's catalogue)."""
    import harness.checks  # noqa: F401 - registers the checks
    from harness.registry import REGISTRY

    if argv and list(argv) != ["--markdown"]:
        print(f"nextauth-conformance checks: unknown option {argv[0]} (expected --markdown)", file=sys.stderr)
        return 4
    rows = [
        (c.id, c.family, str(c.severity), c.clause, c.title + (f" ({', '.join(c.params)})" if c.params else ""))
        for c in REGISTRY
    ]
    if argv:
        print("| id | family | severity | clause | title |\n|---|---|---|---|---|")
        print("\n".join(f"| {' | '.join(row)} |" for row in rows))
    else:
        print("\n".join(f"{i:<12} {f:<9} {s:<9} {c:<28} {t}" for i, f, s, c, t in rows))
    return 0


class _CheckProg:
    """pytest's own usage errors (an unknown option) name `nextauth-conformance check`, not `pytest.main()`."""

    @staticmethod
    def pytest_addoption(parser: pytest.Parser) -> None:
        from harness import check_usage

        parser.prog = check_usage.PROG

    @staticmethod
    def pytest_collection_finish(session: pytest.Session) -> None:
        """What the imports and the collection made lives until the run ends: frozen out of the cyclic garbage
        collector, whose passes over it were ~10% of the run's CPU (this process only: `check` exits after it)."""
        gc.freeze()


def run_check(pytest_args: Sequence[str]) -> int:
    """Run the packaged suite through pytest with the plugin active; `check`'s own usage errors in one line."""
    import pytest

    from harness import check_usage

    problem = check_usage.usage_error(pytest_args)
    if problem is not None:
        print(f"{check_usage.PROG}: {problem} (see {check_usage.PROG} --help)", file=sys.stderr)
        return EXIT_USAGE
    # The suite asserts through CheckFailure, so pytest's assert rewriting only costs time: it recompiles every module
    # of every plugin's distribution (hypothesis, schemathesis: ~330 modules, 4-5 s of CPU per run where bytecode
    # caches are not written). A user's own `--assert=rewrite` comes later and wins. The plugins the suite never
    # uses (our test tooling's fixtures, respx, faker, anyio) are not loaded.
    args = ["--conformance", "-p", "no:cacheprovider", "--assert=plain", *UNUSED_PLUGINS, *pytest_args]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args = ["-p", "harness.plugin", *args]
    return int(pytest.main(args, plugins=[_CheckProg()]))


def version() -> str:
    try:
        return f"nextauth-conformance {metadata.version('nextauth-conformance')}"
    except metadata.PackageNotFoundError:
        return "nextauth-conformance (not installed: running from a checkout)"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command in ("--version", "-V") or command == "check" and "--version" in rest:
        print(version())
        return 0
    if command == "check":
        embedded.spawn_early(rest)  # before the imports below: the servers come up on the other core meanwhile
        from harness import check_usage
        from harness.fleet import commands as fleet

        if check_usage.wants_help(rest):
            print(check_usage.help_text())
            return 0
        return fleet.main(rest) if fleet.wanted(rest) else run_check(rest)
    if command == "merge":
        from harness.fleet import commands as fleet

        return fleet.merge_main(rest)
    if command == "checks":
        return list_checks(rest)
    if command in SERVER_COMMANDS:
        return run_server(command, rest)
    if command == "replay":
        from harness.reports.replay import main as replay

        return replay(rest)
    if command in ("-h", "--help"):
        print(__doc__)
        return 0
    if command:
        print(f"nextauth-conformance: unknown command {command!r}", file=sys.stderr)
    print(USAGE, file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

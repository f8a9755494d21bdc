"""`nextauth-conformance check --help` and its usage errors, in the project's words.

`check` hands its arguments to pytest, whose own help is 200 lines of pytest options and whose errors say
`pytest.main()`. This module builds an argparse description of what `check` itself takes: the plugin's options
(declared once, in `harness.options`, read here through a small adapter) and the options the CLI handles before
pytest (`--targets`, `--compare`, `--shard`, `--jobs`, `--target-timeout`: `harness.fleet`; also declared in
`harness.options`).
Only pytest's options sit behind a pointer (`pytest --help`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from harness.options import add_fleet_options, add_options

PROG = "nextauth-conformance check"
USAGE = f"{PROG} [--target URL] [--profile P] [inputs] [reports] [pytest options: -m, -k, -n, -x, ...]"
EPILOG = """\
pytest options also work here (-m "not browser", -m security, -k CSRF, -n 2, -x, -q); they are listed by
`pytest --help` (or `python -m pytest --help`), under the same names.

Families to select with -m: {families} (e.g. -m flow, -m "not rp").

Exit codes: 0 conformant; 1 a check failed or a waiver is stale; 2 interrupted; 3 internal error; 4 usage
error; 5 no check ran; 10 the target cannot be tested (down, TLS, not Auth.js).
"""


class CheckUsageError(Exception):
    """A `check` argument that cannot work; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CheckUsageError(message)


class _Group:
    """What `harness.options.add_options` needs of a pytest option group, on an argparse group."""

    def __init__(self, group: argparse._ArgumentGroup) -> None:
        self._group = group

    def addoption(self, *names: str, **attrs: Any) -> None:
        self._group.add_argument(*names, **attrs)


class _PytestParserShim:
    """What the plugin's `add_options` functions call on a `pytest.Parser`, forwarded to one argparse parser."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._parser = parser
        self._groups: dict[str, _Group] = {}

    def getgroup(self, name: str, description: str = "") -> _Group:
        if name not in self._groups:
            self._groups[name] = _Group(self._parser.add_argument_group(description or name))
        return self._groups[name]

    def addini(self, *args: Any, **kwargs: Any) -> None:
        """Ini keys are pytest's business, not `check`'s."""


def parser() -> argparse.ArgumentParser:
    """`check`'s own options, as argparse knows them (help and validation)."""
    import harness.checks  # noqa: F401 - registers every check (the families in the help)
    from harness.registry import REGISTRY

    built = _Parser(
        prog=PROG,
        usage=USAGE,
        description="Check an Auth.js / NextAuth deployment's /api/auth/* surface (without --target: the "
        "embedded reference server and mock IdPs).",
        epilog=EPILOG.format(families=", ".join(REGISTRY.families())),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    built.add_argument("--version", action="store_true", help="print the version and exit")
    shim = _PytestParserShim(built)
    add_options(shim)  # type: ignore[arg-type]
    add_fleet_options(
        built.add_argument_group("many targets and differential mode (handled before pytest)").add_argument
    )
    return built


def help_text() -> str:
    return parser().format_help()


def usage_error(args: Sequence[str]) -> str | None:
    """The one-line problem with `check`'s own options in `args` (pytest's are left to pytest), or None."""
    try:
        parser().parse_known_args(list(args))
    except CheckUsageError as exc:
        return str(exc)
    return None


def wants_help(args: Sequence[str]) -> bool:
    """`-h` / `--help` before any `--` (after it, arguments are pytest's positional paths)."""
    head = list(args)[: list(args).index("--")] if "--" in args else list(args)
    return "-h" in head or "--help" in head

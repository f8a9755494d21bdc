"""Errors that mean "the harness could not run", kept apart from `CheckFailure` ("your server is wrong").

HarnessError
├── UsageError            bad option, profile, waiver file or report path (exit 4)
└── TargetError           the target cannot be tested at all (exit 10, one line from the preflight)
    ├── TargetUnreachable     DNS, refused connection, TLS failure, timeout
    ├── TargetNotAuthjs       a marketing page, HTML where JSON was promised, a redirect loop
    └── ResponseTooLarge      a body over the size cap
"""

from __future__ import annotations

import argparse
from typing import NoReturn


class HarnessError(Exception):
    """Base of every error that stops the harness itself."""


class UsageError(HarnessError):
    """The command line or a file given to the harness is wrong; the message says how to fix it."""


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one `UsageError` line (exit 4) instead of usage text and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class TargetError(HarnessError):
    """The target cannot be tested; carries the request that showed it."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class TargetUnreachable(TargetError):
    """No HTTP answer: DNS failure, refused port, TLS failure or timeout."""


class TargetNotAuthjs(TargetError):
    """An HTTP answer that is not an Auth.js endpoint (HTML where JSON was promised, redirect loop)."""


class ResponseTooLarge(TargetError):
    """A response body went over the harness's size cap."""

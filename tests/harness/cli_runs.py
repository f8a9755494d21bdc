"""Run `nextauth-conformance` as a user does: a subprocess in a temp folder, with a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CLI = Path(sys.executable).with_name("nextauth-conformance")
#: Only the suite module of the registered checks: `-k` alone still collects the schema module, whose collection loads
#: the OpenAPI schema and generates schemathesis' examples (about 3 s of CPU per run) for items it then deselects.
CHECKS_MODULE = ("--pyargs", "harness.suite.test_checks")
#: Fast subsets (no browser, no schema generation): the providers family or the csrf family.
PROVIDERS = ("-m", "not browser", "-p", "no:randomly", "-k", "test_providers", *CHECKS_MODULE)
CSRF = ("-m", "not browser", "-p", "no:randomly", "-k", "test_csrf", *CHECKS_MODULE)
#: The session family without its browser checks.
SESSION = ("-m", "session and not browser", "-p", "no:randomly", *CHECKS_MODULE)


@dataclass
class Done:
    returncode: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(cwd: Path, *args: str, timeout: float = 1200.0, env: dict[str, str] | None = None) -> Done:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEXTAUTH_CONFORMANCE_", "GITHUB_"))}
    done = subprocess.run(
        [str(CLI), *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)

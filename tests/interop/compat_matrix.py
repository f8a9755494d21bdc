"""Compatibility matrix: the conformance harness over library version x profile, as a Markdown table.

    .venv/bin/python tests/interop/compat_matrix.py > tests/interop/COMPATIBILITY.md
    .venv/bin/python tests/interop/compat_matrix.py --save DIR      # also keep the reports in DIR
    .venv/bin/python tests/interop/compat_matrix.py --reports DIR   # only render DIR/matrix.json saved earlier

A user of the harness's many-targets mode (``harness.fleet`` / ``harness.reports.matrix``, what ``nextauth-conformance
check --targets FILE`` runs): it starts the mock IdPs and the interop apps (tests/interop/apps) and checks
seven targets (browser checks included), the reference server (embedded, ``documented``), the next-auth v4 app
(``documented``, ``nextauth-v4``), the Auth.js v5 app (``documented``, ``authjs-v5``), the SvelteKit app
(``authjs-v5``, base path /auth: CSRF left to the framework) and the v5 app on database sessions without a
credentials provider (``authjs-v5``, sessions from the mock IdP), with the inputs ``test_conformance.py`` and
``test_frameworks.py`` use, plus v4 and v5 apps with an email provider on the ``email`` family. Rows are actions,
columns are target x profile; a cell is ``pass``, ``fail`` with the failing check ids, or ``n/a`` when nothing
ran there. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]  # the repository (harness, mock_providers) and this directory

from harness_runs import CREDENTIALS, interop_mocks  # noqa: E402
from nextapps import DEFAULT_SECRET, running_app  # noqa: E402
from provider_env import app_env  # noqa: E402
from test_email_signin import EMAIL_MAX_AGE, email_env  # noqa: E402

from harness.fleet import run as fleet  # noqa: E402
from harness.fleet.targets import EMBEDDED, Target  # noqa: E402
from harness.reports import matrix  # noqa: E402


def _version(app: str, package: str) -> str:
    data = json.loads((HERE / "apps" / app / "package.json").read_text(encoding="utf-8"))
    return str(data.get("dependencies", {}).get(package, "?"))


V4, V5 = _version("nextauth-v4", "next-auth"), _version("authjs-v5", "next-auth")
SK = _version("authjs-sveltekit", "@auth/sveltekit")
#: (target name = report file stem, column title, interop app or None for the embedded reference server, profile)
COLUMNS = (
    ("reference-documented", "reference server<br>documented", None, "documented"),
    ("v4-documented", f"next-auth {V4}<br>documented", "nextauth-v4", "documented"),
    ("v4-nextauth-v4", f"next-auth {V4}<br>nextauth-v4", "nextauth-v4", "nextauth-v4"),
    ("v5-documented", f"next-auth {V5}<br>documented", "authjs-v5", "documented"),
    ("v5-authjs-v5", f"next-auth {V5}<br>authjs-v5", "authjs-v5", "authjs-v5"),
    ("sveltekit-authjs-v5", f"@auth/sveltekit {SK}<br>authjs-v5", "authjs-sveltekit", "authjs-v5"),
    ("v5-database-authjs-v5", f"next-auth {V5}, database sessions<br>authjs-v5", "authjs-v5-database", "authjs-v5"),
    (
        "v4-email-nextauth-v4",
        f"next-auth {V4} + Email<br>nextauth-v4, email family",
        "nextauth-v4-email",
        "nextauth-v4",
    ),
    ("v5-email-authjs-v5", f"next-auth {V5} + Nodemailer<br>authjs-v5, email family", "authjs-v5-email", "authjs-v5"),
)
_EMAIL_ONLY = ("-k", "test_email", "--email-max-age", EMAIL_MAX_AGE)
#: Extra arguments per column: the email apps (instances of their own, with an adapter) run the email family.
COLUMN_ARGS = {"v4-email-nextauth-v4": _EMAIL_ONLY, "v5-email-authjs-v5": _EMAIL_ONLY}
TITLES = {name: title for name, title, _, _ in COLUMNS}
#: Interop apps beyond the library defaults: (app directory, extra env, base path, with the credentials user).
VARIANTS = {
    "nextauth-v4": ("nextauth-v4", {}, None, True),
    "authjs-v5": ("authjs-v5", {}, None, True),
    "authjs-sveltekit": ("authjs-sveltekit", {}, "/auth", True),
    "authjs-v5-database": (
        "authjs-v5",
        {"INTEROP_ADAPTER": "memory", "INTEROP_SESSION_STRATEGY": "database", "INTEROP_CREDENTIALS": "off"},
        None,
        False,
    ),
    "nextauth-v4-email": ("nextauth-v4", {}, None, True),
    "authjs-v5-email": ("authjs-v5", {}, None, True),
}
#: Variants whose env names the running mocks (the SMTP inbox): the email provider on (test_email_signin.py).
MOCK_ENV = {"nextauth-v4-email": email_env, "authjs-v5-email": email_env}

LEGEND = """\
Rows are the `/api/auth/*` actions, columns target × profile. **pass**: every check that ran there passed
(advisory warnings, e.g. SCHEMA-002, are not shown); **fail**: the failing check ids (×N = N instances, e.g.
one per OAuth provider); **n/a**: no check applied. Placement: `callback/{oauth}` holds the OAuth callback,
popup and full browser sign-in checks (CB-003..006, BROWSER-003/004, POPUP-00x) and the schema run over
`GET callback/{provider}` (schemathesis also generates `provider=credentials`, which is v4's 500);
`unknown action` also holds callbacks for an unknown provider (CB-002); `cross-cutting` holds the callbackUrl,
CORS, cookie-attribute, TRACE, stack-trace and escaping checks (SEC-00x, PAGE-005). Under `documented` the
libraries fail only their known deviations (listed with reasons in `tests/interop/test_conformance.py`).
The SvelteKit column (base path `/auth`) leaves CSRF to the framework: its csrf action is disabled (404), so the
token checks (CSRF-00x, FLOW-020..022, ACT-00x[csrf]) are not applicable and FLOW-024..027 judge SvelteKit's
Origin check instead. The database-sessions column has no credentials provider: its sessions come from the mock
IdP, and FLOW-031 must revoke its opaque session token (the JWT columns keep it advisory). The last two columns
are second instances of the apps with an adapter and the email provider (v4 `EmailProvider`, v5 `Nodemailer`)
mailing to the mock inbox, checked on the `email` family alone (`callback/email` holds the link checks;
tests/interop/test_email_signin.py)."""

HEAD = """\
# Compatibility matrix

Generated by `.venv/bin/python tests/interop/compat_matrix.py > tests/interop/COMPATIBILITY.md`: the
conformance harness (browser checks included) against the reference server and the real interop
apps in `tests/interop/apps`, signed in through the mock Google, Entra ID and Keycloak."""


def render(entries: list[dict[str, Any]]) -> str:
    """The matrix report of `harness.reports.matrix` with this file's column titles, without the exit row."""
    titled = [{**e, "title": TITLES.get(e["name"], e["name"])} for e in entries]
    table = [line for line in matrix.markdown(titled, title=HEAD).splitlines() if not line.startswith("| *exit*")]
    return "\n".join([*table, "", LEGEND, ""])


def _progress(message: str) -> None:
    print(f"[compat_matrix] {message}", file=sys.stderr, flush=True)


def _target(name: str, app: str, profile: str, url: str, mock_idp: str) -> Target:
    _, _, base_path, with_credentials = VARIANTS[app]
    credentials = CREDENTIALS if with_credentials else None
    return Target(name, url, profile, credentials, DEFAULT_SECRET, mock_idp, base_path, args=COLUMN_ARGS.get(name, ()))


def collect(save: Path) -> list[dict[str, Any]]:
    """Start the mocks and the apps, then check the columns as one targets list (`harness.fleet`)."""
    with interop_mocks() as mocks, contextlib.ExitStack() as stack:
        urls = {}
        for variant, (app, env, _, _) in VARIANTS.items():
            extra = MOCK_ENV[variant](mocks) if variant in MOCK_ENV else {}
            started = stack.enter_context(running_app(app, env={**app_env(app, mocks), **env, **extra}))
            urls[variant] = started.public_url
        targets = [
            Target(name, EMBEDDED, profile) if app is None else _target(name, app, profile, urls[app], mocks.http_url)
            for name, _, app, profile in COLUMNS
        ]
        chosen = fleet.start_embedded_targets(targets, stack)
        entries = fleet.run_targets(chosen, save, ["-q", "-p", "no:randomly"])
    matrix.write_json(matrix.Matrix(entries), save / "matrix.json")
    _progress(f"reports in {save}")
    return entries


def load(folder: Path) -> list[dict[str, Any]]:
    return matrix.load_entries([folder / "matrix.json"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, help="render the matrix.json saved in this folder, run nothing")
    parser.add_argument("--save", type=Path, help="keep the reports (matrix.json, <column>.json) in this folder")
    args = parser.parse_args(argv)
    if args.reports:
        entries = load(args.reports)
    else:
        with contextlib.ExitStack() as stack:
            folder = args.save or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="compat-matrix-")))
            entries = collect(folder)
    sys.stdout.write(render(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())

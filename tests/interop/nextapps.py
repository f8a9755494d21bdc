"""Build and run the real Auth.js apps in ``tests/interop/apps/`` (Next.js + next-auth, SvelteKit + @auth/sveltekit).

Standard library + httpx only, so that any test (or a person at a shell) can do::

    from tests.interop.nextapps import running_app

    with running_app("authjs-v5", env={"KEYCLOAK_ISSUER": ...}) as app:
        httpx.get(app.url + "/api/auth/providers")

``ensure_built`` installs (``npm ci``) and builds (``next build``, ``vite build``) an app only when its
lock file or sources changed since the last successful run; ``running_app`` starts it
(``next start``, ``node build``) on a free 127.0.0.1 port, waits until ``{base path}/providers``
answers and stops the whole process group on exit. How each app is built and started is data
(:data:`APPS`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

APPS_DIR = Path(__file__).resolve().parent / "apps"


@dataclass(frozen=True)
class AppKind:
    """How one interop app is built and served. Commands are Node scripts relative to the app directory, run
    with ``node``; ``{port}`` and ``{url}`` in ``start`` and ``env`` are filled in at start-up."""

    build: tuple[str, ...]
    start: tuple[str, ...]
    built: str  #: a file the build leaves behind (missing: build again)
    base_path: str = "/api/auth"
    env: tuple[tuple[str, str], ...] = ()


_NEXT = "node_modules/next/dist/bin/next"
NEXT_APP = AppKind((_NEXT, "build"), (_NEXT, "start", "-H", "127.0.0.1", "-p", "{port}"), ".next/BUILD_ID")
SVELTEKIT_APP = AppKind(
    ("node_modules/vite/bin/vite.js", "build"),
    ("build/index.js",),
    "build/index.js",
    base_path="/auth",  # @auth/sveltekit: `${base}/auth` (dist/env.js)
    # adapter-node: where to listen, and ORIGIN so SvelteKit's Origin check (csrf.checkOrigin) knows its own origin.
    env=(("HOST", "127.0.0.1"), ("PORT", "{port}"), ("ORIGIN", "{url}")),
)
APPS: dict[str, AppKind] = {"nextauth-v4": NEXT_APP, "authjs-v5": NEXT_APP, "authjs-sveltekit": SVELTEKIT_APP}
APP_NAMES = ("nextauth-v4", "authjs-v5")  #: the Next.js apps (OBSERVED.md, the boot tests)

#: Secret given to both apps (as NEXTAUTH_SECRET and AUTH_SECRET) unless the caller passes one.
DEFAULT_SECRET = "interop-test-secret-do-not-use-in-production-0123456789"

#: Variables of the caller's environment that are NOT passed on to the apps, so a developer's
#: shell cannot change what the apps configure. Pass them explicitly through ``env=``.
APP_ENV_PREFIXES = ("AUTH_", "NEXTAUTH_", "GOOGLE_", "AZURE_AD_", "KEYCLOAK_", "INTEROP_", "EMAIL_")

NPM_CI_TIMEOUT = 600.0
BUILD_TIMEOUT = 600.0
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

_BUILD_STAMP = ".interop-build-stamp"  # in the app directory (git-ignored)
_INSTALL_STAMP = ".interop-npm-ci-stamp"  # inside node_modules/
_LOCK_FILE = ".interop-build.lock"  # serialises concurrent builds (pytest-xdist)
_IGNORED = {"node_modules", ".next", "build", ".svelte-kit", _BUILD_STAMP, _LOCK_FILE}


def _progress(message: str) -> None:
    print(f"[nextapps] {message}", file=sys.stderr, flush=True)


def app_dir(app_name: str) -> Path:
    """The directory of one interop app; raises ``ValueError`` for an unknown name."""
    if app_name not in APPS:
        raise ValueError(f"unknown interop app {app_name!r}; expected one of {tuple(APPS)}")
    return APPS_DIR / app_name


def _which(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool!r} not found on PATH: the interop apps need Node.js >= 20.9 and npm")
    return path


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(APP_ENV_PREFIXES)}
    env["NEXT_TELEMETRY_DISABLED"] = "1"
    env["NO_COLOR"] = "1"  # plain error tails
    env.pop("FORCE_COLOR", None)
    env.pop("NODE_OPTIONS", None)
    return env


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _hash_files(paths: list[Path], root: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _source_files(root: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _IGNORED]
        files.extend(Path(dirpath) / f for f in filenames if f not in _IGNORED)
    return files


def _node_version() -> str:
    out = subprocess.run([_which("node"), "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def _run_logged(cmd: list[str], cwd: Path, timeout: float, what: str) -> None:
    """Run ``cmd`` with output to a temp file; raise RuntimeError with the tail on failure/timeout."""
    start = time.monotonic()
    _progress(f"{what} ...")
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=_base_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out.seek(0)
            raise RuntimeError(f"{what} timed out after {timeout:.0f}s; last output:\n{_tail(out.read())}") from None
        except BaseException:
            _kill_group(proc)
            raise
        out.seek(0)
        text = out.read()
    if rc != 0:
        raise RuntimeError(f"{what} failed with exit code {rc}; last output:\n{_tail(text)}")
    _progress(f"{what}: done in {time.monotonic() - start:.1f}s")


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    import fcntl

    with open(root / _LOCK_FILE, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_built(
    app_name: str,
    *,
    npm_ci_timeout: float = NPM_CI_TIMEOUT,
    build_timeout: float = BUILD_TIMEOUT,
) -> Path:
    """Make sure ``app_name`` is installed and built; return its directory.

    * ``npm ci`` runs when ``node_modules`` is missing or was installed from another
      ``package-lock.json`` (a content hash kept in ``node_modules/.interop-npm-ci-stamp``).
    * the app's build runs when its output (``.next/BUILD_ID``, ``build/index.js``) is missing or
      any source file, the lock file or the Node version changed since the last successful build (hash kept in
      ``.interop-build-stamp``). Content hashes rather than mtimes, so a fresh git checkout
      does not trigger needless rebuilds and an edit is never missed.

    Raises ``RuntimeError`` (with the last lines of output) on failure or timeout.
    """
    root = app_dir(app_name)
    kind = APPS[app_name]
    npm = _which("npm")
    node = _which("node")
    node_version = _node_version()
    with _build_lock(root):
        lock_hash = _hash_files([root / "package-lock.json"], root, node_version)
        install_stamp = root / "node_modules" / _INSTALL_STAMP
        if not install_stamp.is_file() or install_stamp.read_text().strip() != lock_hash:
            _run_logged(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                root,
                npm_ci_timeout,
                f"{app_name}: npm ci",
            )
            install_stamp.write_text(lock_hash + "\n")

        build_hash = _hash_files(_source_files(root), root, node_version + lock_hash)
        build_stamp = root / _BUILD_STAMP
        built = (root / kind.built).is_file()
        if not built or not build_stamp.is_file() or build_stamp.read_text().strip() != build_hash:
            build_stamp.unlink(missing_ok=True)
            _run_logged(
                [node, str(root / kind.build[0]), *kind.build[1:]],
                root,
                build_timeout,
                f"{app_name}: {' '.join(kind.build)}",
            )
            build_stamp.write_text(build_hash + "\n")
    return root


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _kill_group(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=timeout)


@dataclass
class RunningApp:
    """A started app server. ``url`` is the origin the tests talk to."""

    name: str
    url: str  #: e.g. ``http://127.0.0.1:41234`` (no trailing slash)
    port: int
    env: dict[str, str]  #: the app-specific env it was started with (AUTH_*, NEXTAUTH_*, ...)
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    #: The origin the app writes into absolute URLs (providers, redirects). Read from
    #: ``/api/auth/providers`` at start-up: Next's ``NextURL`` rewrites any 127.x.x.x or
    #: [::1] host to ``localhost``, so the v5 app says ``http://localhost:PORT`` although
    #: AUTH_URL is ``http://127.0.0.1:PORT``; the v4 app uses NEXTAUTH_URL verbatim.
    public_url: str = ""
    base_path: str = "/api/auth"  #: where the app serves Auth.js (SvelteKit: /auth)
    _final_log: str | None = field(default=None, repr=False)

    @property
    def auth_url(self) -> str:
        """``{url}{base_path}``, e.g. ``http://127.0.0.1:PORT/api/auth``"""
        return self.url + self.base_path

    @property
    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        if self._final_log is not None:
            return self._final_log
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def _wait_ready(app: RunningApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    with httpx.Client(timeout=5.0, trust_env=False) as client:
        while True:
            if app.process.poll() is not None:
                raise RuntimeError(
                    f"{app.name}: the server exited with code {app.process.returncode} before it "
                    f"answered; server log:\n{_tail(app.log)}"
                )
            try:
                resp = client.get(app.auth_url + "/providers")
            except httpx.HTTPError as exc:
                last_error = exc
            else:
                app.public_url = app.url
                with contextlib.suppress(Exception):
                    first = next(iter(resp.json().values()))
                    parts = urlsplit(first["signinUrl"])
                    app.public_url = f"{parts.scheme}://{parts.netloc}"
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{app.name}: GET {app.base_path}/providers did not answer within {timeout:.0f}s "
                    f"({last_error!r}); server log:\n{_tail(app.log)}"
                )
            time.sleep(0.1)


@contextlib.contextmanager
def running_app(
    app_name: str,
    *,
    port: int | None = None,
    env: Mapping[str, str | None] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    build: bool = True,
    origin: str | None = None,
) -> Iterator[RunningApp]:
    """Start ``app_name`` (its :class:`AppKind` start command) on 127.0.0.1 and yield a :class:`RunningApp`.

    ``env`` is added to the process environment after the caller's AUTH_*/NEXTAUTH_*/GOOGLE_*/
    AZURE_AD_*/KEYCLOAK_*/INTEROP_* variables were removed. Defaults that ``env`` may override:
    ``NEXTAUTH_URL`` = ``AUTH_URL`` = the app's origin (``origin`` when a proxy serves it, e.g.
    ``https://localhost:PORT``; the kind's ``{url}`` too), ``NEXTAUTH_SECRET`` = ``AUTH_SECRET`` =
    :data:`DEFAULT_SECRET`. A value of ``None`` removes the variable (e.g. to test a missing secret).
    The process group is stopped (SIGTERM, then SIGKILL) on exit, also on errors.
    """
    root = ensure_built(app_name) if build else app_dir(app_name)
    kind = APPS[app_name]
    node = _which("node")
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        chosen = port if port is not None else free_port()
        url = f"http://127.0.0.1:{chosen}"
        public = origin or url
        app_env: dict[str, str | None] = {
            **{name: value.format(port=chosen, url=public) for name, value in kind.env},
            "NEXTAUTH_URL": public,
            "AUTH_URL": public,
            "NEXTAUTH_SECRET": DEFAULT_SECRET,
            "AUTH_SECRET": DEFAULT_SECRET,
        }
        app_env.update(env or {})
        proc_env = _base_env()
        proc_env["NODE_ENV"] = "production"
        for key, value in app_env.items():
            if value is None:
                proc_env.pop(key, None)
            else:
                proc_env[key] = str(value)
        log_fd, log_name = tempfile.mkstemp(prefix=f"nextapp-{app_name}-", suffix=".log")
        log_path = Path(log_name)
        cmd = [node, str(root / kind.start[0]), *(arg.format(port=chosen, url=url) for arg in kind.start[1:])]
        with os.fdopen(log_fd, "w") as log_file:
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                env=proc_env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        app = RunningApp(
            name=app_name,
            url=url,
            port=chosen,
            env={k: v for k, v in app_env.items() if v is not None},
            log_path=log_path,
            process=proc,
            base_path=kind.base_path,
        )
        try:
            started = time.monotonic()
            try:
                _wait_ready(app, startup_timeout)
            except RuntimeError:
                if attempt + 1 < attempts and "EADDRINUSE" in app.log:
                    continue  # lost the race for the free port: try another one
                raise
            _progress(f"{app_name}: ready at {url} in {time.monotonic() - started:.2f}s")
            yield app
            return
        finally:
            _kill_group(proc)
            app._final_log = app.log  # keep .log readable after the temp file is gone
            log_path.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


def main(argv: list[str]) -> int:
    """`python -m tests.interop.nextapps [APP...]`: install and build the apps (all of them by default) ahead of
    the tests, e.g. in the background while lint runs (scripts/test); tests arriving meanwhile wait on the app's
    build lock, and a finished build is not repeated (its stamp)."""
    try:
        for name in argv or ["authjs-v5", *(app for app in APPS if app != "authjs-v5")]:  # the most used first
            ensure_built(name)
    except (RuntimeError, ValueError) as exc:
        print(f"[nextapps] {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

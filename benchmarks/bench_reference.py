"""Benchmark: `nextauth-conformance serve` side by side with the real npm next-auth v4 and Auth.js v5 apps
(tests/interop, `next start`), then 1000 concurrent sign-ins and sign-outs on the reference server.

    .venv/bin/python benchmarks/bench_reference.py [--duration 8] [--connections 16] [--workers 1 2]
        [--database postgresql://...] [--load-users 1000] [--no-apps] [--repeat 2] [--peer-passwords plain]

The reference server runs as `serve --workers N` subprocesses: 1 worker on the in-memory default, N > 1 on a
SQLite file, and with `--database` also N workers on that PostgreSQL database; the load run uses the SQLite file
and the PostgreSQL database. `scripts/setup --postgres` starts a throwaway server (URL in .venv/postgres-url).

Every target gets the same cookie kind: a real credentials sign-in's cookies (session, csrf, callback-url), sent
with each GET session and GET csrf; sign-ins are real POST callback/credentials with a valid csrf pair. Each
response is checked (session names the user, csrf has a token, a sign-in redirects without `error=`); a run with
failures says so. Sign-ins do the same password work everywhere by default: the npm apps get the demo user with
the reference server's PBKDF2 hash (AlgaPSA's cost) and verify it with Node's crypto; `--peer-passwords plain`
keeps their shipped plaintext comparison instead.

Load generator: wrk (Debian's `wrk`) when installed, else a Python asyncio+httpx client, which is far slower: the
report prints the load generator's own CPU use, so a saturated generator is visible. There are no assertions; the
numbers are noisy on a shared machine, so compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.interop.nextapps import running_app  # noqa: E402

EMAIL, PASSWORD = "demo@example.com", "demo-password"  # the demo user of all three targets
LOAD_PASSWORD = "load-password"
STARTUP_TIMEOUT = 120.0


@dataclass
class Target:
    name: str
    url: str  # origin, no trailing slash
    cookies: dict[str, str] = field(default_factory=dict)  # a signed-in browser's cookies
    csrf_token: str = ""
    process: subprocess.Popen[str] | None = None

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def signin_form(self) -> str:
        form = {"csrfToken": self.csrf_token, "email": EMAIL, "password": PASSWORD, "callbackUrl": self.url + "/"}
        return urlencode(form)


@dataclass
class Measured:
    requests: int
    ok: int
    seconds: float
    p50_ms: float
    p99_ms: float
    generator_cpu: float  # the load generator's CPU seconds per wall second (1.0 = one core busy)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peer_env(peer_passwords: str) -> dict[str, str]:
    """The npm apps' users: the demo user with a plaintext password, or with the reference server's hash."""
    if peer_passwords == "plain":
        return {}
    from reference_server.store import hash_password

    user = {"id": "demo-user-1", "email": EMAIL, "name": "Demo User", "passwordHash": hash_password(PASSWORD)}
    return {"INTEROP_USERS": json.dumps([user])}


def start_peer(stack: contextlib.ExitStack, app: str, name: str, peer_passwords: str) -> Target:
    """Start and sign in to an npm app; one that cannot verify the hashed demo user (a copy of an app without
    `passwordHash` support) is restarted with the plaintext one and labelled so."""
    try:
        return _signed_in_peer(stack, app, name, peer_passwords)
    except SystemExit as failure:
        if peer_passwords == "plain":
            raise
        print(f"{failure}; restarting it with a plaintext demo password", file=sys.stderr)
        return _signed_in_peer(stack, app, f"{name} (plaintext passwords)", "plain")


def _signed_in_peer(stack: contextlib.ExitStack, app: str, label: str, peer_passwords: str) -> Target:
    with contextlib.ExitStack() as app_stack:
        running = app_stack.enter_context(running_app(app, env=peer_env(peer_passwords)))
        target = Target(label, running.url)
        sign_in(target)
        stack.enter_context(app_stack.pop_all())  # keep it running past this block
    return target


def sign_in(target: Target) -> None:
    """A real credentials sign-in; keeps its cookies and csrf token on `target`."""
    with httpx.Client(base_url=target.url, timeout=30, trust_env=False) as client:
        target.csrf_token = client.get("/api/auth/csrf").json()["csrfToken"]
        response = client.post("/api/auth/callback/credentials", content=target.signin_form(), headers=_FORM)
        if response.status_code != 302 or "error=" in response.headers.get("location", ""):
            raise SystemExit(f"{target.name}: the demo sign-in failed ({response.status_code})")
        target.cookies = dict(client.cookies)
        if client.get("/api/auth/session").json().get("user", {}).get("email") != EMAIL:
            raise SystemExit(f"{target.name}: the session after sign-in does not name {EMAIL}")


_FORM = {"content-type": "application/x-www-form-urlencoded"}

# --- load generators ------------------------------------------------------------------------------------------

_WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0 end
function response(status, headers, body)
  if EXPECT_STATUS == 302 then
    local location = headers["Location"] or headers["location"] or ""
    if status == 302 and not string.find(location, "error=", 1, true) then ok = ok + 1 end
  elseif status == 200 and string.find(body, EXPECT_BODY, 1, true) then ok = ok + 1 end
end
function done(summary, latency, requests)
  local good = 0
  for _, thread in ipairs(threads) do good = good + thread:get("ok") end
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, good, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(url: str, headers: dict[str, str], duration: float, connections: int, method: str, body: str, expect: str):
    lua = [f"wrk.method = {_lua(method)}"]
    if body:
        lua.append(f"wrk.body = {_lua(body)}")
    lua += [f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()]
    expect_status = 302 if method == "POST" else 200
    lua += [f"EXPECT_STATUS = {expect_status}", f"EXPECT_BODY = {_lua(expect)}", _WRK_SCRIPT]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lua))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration:.0f}s", "--timeout", "30s", "-s", script.name, url],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not match:
        raise SystemExit(f"wrk gave no result for {url}:\n{out}")
    requests, ok, micros, p50, p99 = map(int, match.groups())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(requests, ok, micros / 1e6, p50 / 1e3, p99 / 1e3, cpu / (micros / 1e6))


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _python_load(
    url: str, headers: dict[str, str], duration: float, connections: int, method: str, body: str, expect: str
) -> Measured:
    async def run() -> Measured:
        latencies: list[float] = []
        ok = 0
        deadline = time.perf_counter() + duration
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal ok
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.request(method, url, headers=headers, content=body or None)
                latencies.append(time.perf_counter() - start)
                if method == "POST":
                    ok += response.status_code == 302 and "error=" not in response.headers.get("location", "")
                else:
                    ok += response.status_code == 200 and expect in response.text

        cpu_before = time.process_time()
        started = time.perf_counter()
        async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
            await asyncio.gather(*(worker(client) for _ in range(connections)))
        seconds = time.perf_counter() - started
        cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        cpu = (time.process_time() - cpu_before) / seconds
        return Measured(len(latencies), ok, seconds, cuts[49] * 1e3, cuts[98] * 1e3, cpu)

    return asyncio.run(run())


def measure(target: Target, what: str, duration: float, connections: int) -> Measured:
    generator = _wrk if shutil.which("wrk") else _python_load
    headers = {"Cookie": target.cookie_header}
    if what == "signin":
        headers.update({"Content-Type": "application/x-www-form-urlencoded"})
        url, method, body, expect = target.url + "/api/auth/callback/credentials", "POST", target.signin_form(), ""
    else:
        url, method, body = f"{target.url}/api/auth/{what}", "GET", ""
        expect = EMAIL if what == "session" else '"csrfToken"'
    return generator(url, headers, duration, connections, method, body, expect)


# --- targets --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def reference_server(name: str, workers: int, database: str) -> Iterator[Target]:
    port = free_port()
    command = [sys.executable, "-m", "reference_server", "--no-mocks", "--port", str(port), "--workers", str(workers)]
    command += ["--database", database]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    target = Target(name, f"http://127.0.0.1:{port}", process=process)
    try:
        _wait_ready(target)
        yield target
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_ready(target: Target) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if target.process is not None and target.process.poll() is not None:
            raise SystemExit(f"{target.name} exited: {target.process.stderr.read() if target.process.stderr else ''}")
        try:
            httpx.get(target.url + "/api/auth/providers", timeout=2, trust_env=False)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{target.name} did not answer within {STARTUP_TIMEOUT:.0f}s")


# --- 1000 concurrent sign-ins and sign-outs ----------------------------------------------------------------------


def _is_postgres(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def _connect(database: str) -> tuple[Any, str]:
    """A DB-API connection to the reference server's database and its placeholder."""
    if _is_postgres(database):
        import psycopg

        return psycopg.connect(database, autocommit=True), "%s"
    import sqlite3

    return sqlite3.connect(database, isolation_level=None, timeout=30), "?"


def add_load_users(database: str, count: int) -> list[str]:
    """`count` users with one shared password (hashed once), added before the server starts."""
    from reference_server.seed import seed_store
    from reference_server.settings import Settings
    from reference_server.store import hash_password, open_store

    store = open_store(database)  # creates the schema and the seed as `serve` would
    try:
        settings = Settings()
        tenant = seed_store(store, settings.seed, settings.seed_users)
    finally:
        store.close()
    hashed = hash_password(LOAD_PASSWORD, "bench-load-salt0")
    emails = [f"load-{index:05d}@example.com" for index in range(count)]
    db, mark = _connect(database)
    with contextlib.closing(db):
        db.execute("DELETE FROM sessions WHERE user_id LIKE '00000000-0000-4000-8000-%'")
        db.execute("DELETE FROM users WHERE user_id LIKE '00000000-0000-4000-8000-%'")
        rows = [
            (
                tenant,
                f"00000000-0000-4000-8000-{index:012d}",
                email.split("@")[0],
                hashed,
                "Load",
                f"User {index}",
                email,
                "internal",
            )
            for index, email in enumerate(emails)
        ]
        db.cursor().executemany(
            "INSERT INTO users (tenant, user_id, username, hashed_password, first_name, last_name, email, "
            f"user_type) VALUES ({', '.join([mark] * 8)})",
            rows,
        )
    return emails


@dataclass
class LoadOutcome:
    seconds: float
    errors: list[str]
    crosstalk: int
    signin_ms: list[float]
    lost_rows: int
    unrevoked_rows: int


RETRIES = [0]  # requests resent after the server closed an idle keep-alive connection under them


async def _idempotent(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send once more if the server closed the keep-alive connection first, as browsers do for requests that are
    safe to repeat (a sign-out of a revoked session changes nothing). A lagging client on a saturated machine
    reads a response seconds after it was sent, past uvicorn's keep-alive timeout. Sign-ins are never resent."""
    try:
        return await client.request(method, url, **kwargs)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        RETRIES[0] += 1
        return await client.request(method, url, **kwargs)


async def _one_user(client: httpx.AsyncClient, base: str, email: str) -> tuple[str | None, bool, float]:
    """Sign in, read the session back, sign out, replay the old cookie. (error, cross-talk, sign-in seconds)."""
    step, crosstalk, signin_seconds = "csrf", False, 0.0
    try:
        csrf = await _idempotent(client, "GET", base + "/csrf")
        token, jar = csrf.json()["csrfToken"], dict(csrf.cookies)
        form = {"csrfToken": token, "email": email, "password": LOAD_PASSWORD, "callbackUrl": base}
        step, started = "sign-in", time.perf_counter()
        signin = await client.post(base + "/callback/credentials", data=form, headers=_cookie(jar))
        signin_seconds = time.perf_counter() - started
        if signin.status_code != 302 or "error=" in signin.headers.get("location", ""):
            return f"sign-in {signin.status_code} {signin.headers.get('location')}", False, signin_seconds
        jar.update({k: v for k, v in signin.cookies.items() if v})
        step = "session"
        session = (await _idempotent(client, "GET", base + "/session", headers=_cookie(jar))).json()
        crosstalk = session.get("user", {}).get("email") != email
        step = "sign-out"
        signout = await _idempotent(client, "POST", base + "/signout", data={"csrfToken": token}, headers=_cookie(jar))
        if signout.status_code != 302:
            return f"sign-out {signout.status_code}", crosstalk, signin_seconds
        step = "replay"
        replay = (await _idempotent(client, "GET", base + "/session", headers=_cookie(jar))).json()
    except httpx.HTTPError as error:
        return f"{step}: {error!r}", crosstalk, signin_seconds
    if replay != {}:
        return "the signed-out cookie is still a session", crosstalk, signin_seconds
    return None, crosstalk, signin_seconds


def _cookie(jar: dict[str, str]) -> dict[str, str]:
    return {"cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}


def _no_cookie_jar() -> CookieJar:
    """The flows share one client (one connection pool) but never its cookies: each sends its own jar."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def load_run(target: Target, emails: list[str], database: str) -> LoadOutcome:
    RETRIES[0] = 0

    async def run() -> LoadOutcome:
        # Idle connections are dropped after 1 s, before uvicorn's 5 s keep-alive timeout can close one that a
        # request is just being sent on (a client-side race that browsers retry, not a server error).
        limits = httpx.Limits(max_connections=len(emails), max_keepalive_connections=len(emails), keepalive_expiry=1)
        base = target.url + "/api/auth"
        client = httpx.AsyncClient(limits=limits, timeout=300, trust_env=False, cookies=_no_cookie_jar())
        async with client:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(_one_user(client, base, email) for email in emails), return_exceptions=True
            )
            seconds = time.perf_counter() - started
        errors = [repr(r) if isinstance(r, BaseException) else r[0] for r in results]
        ok = [r for r in results if not isinstance(r, BaseException)]
        lost, unrevoked = _session_rows(database, emails)
        return LoadOutcome(
            seconds,
            [e for e in errors if e],
            sum(r[1] for r in ok),
            [r[2] * 1e3 for r in ok],
            lost,
            unrevoked,
        )

    return asyncio.run(run())


def _session_rows(database: str, emails: list[str]) -> tuple[int, int]:
    """(users without exactly one session row, rows that the sign-out did not revoke), read from the database."""
    db, _ = _connect(database)
    with contextlib.closing(db):
        rows = db.execute(
            "SELECT u.email, s.session_id, s.revoked_at IS NOT NULL FROM users u LEFT JOIN sessions s "
            "ON s.tenant = u.tenant AND s.user_id = u.user_id WHERE u.email LIKE 'load-%@example.com'"
        ).fetchall()
    per_user: dict[str, list[bool]] = {email: [] for email in emails}
    for email, session_id, revoked in rows:
        if session_id is not None:
            per_user[email].append(bool(revoked))
    lost = sum(len(revocations) != 1 for revocations in per_user.values())
    return lost, sum(not revoked for revocations in per_user.values() for revoked in revocations)


# --- report ---------------------------------------------------------------------------------------------------


def _row(name: str, result: Measured) -> str:
    failed = result.requests - result.ok
    flag = f"  ({failed} FAILED)" if failed else ""
    return (
        f"  {name:<34} {result.rps:9.0f} {result.p50_ms:9.2f} {result.p99_ms:9.2f} "
        f"{100 * result.generator_cpu:8.0f}%{flag}"
    )


def _password_hash_ms(rounds: int = 5) -> float:
    from reference_server.store import hash_password

    started = time.process_time()
    for _ in range(rounds):
        hash_password(PASSWORD, "bench-salt-00000")
    return (time.process_time() - started) / rounds * 1e3


def benchmark(targets: list[Target], args: argparse.Namespace) -> None:
    generator = "wrk -t1" if shutil.which("wrk") else "python asyncio+httpx (slow: see its CPU)"
    print(f"\nload generator: {generator}; {args.duration:.0f}s per measurement; loadavg {os.getloadavg()[0]:.1f}")
    for what, connections in (("session", args.connections), ("csrf", args.connections), ("signin", 50)):
        label = {"session": "GET session", "csrf": "GET csrf", "signin": "POST callback/credentials"}[what]
        print(f"\n{label}  (c={connections})")
        if what == "signin":
            hash_ms = _password_hash_ms()
            peers = {
                "hashed": "the npm apps verify the same hash with Node's crypto",
                "plain": "the npm apps compare plaintext passwords (--peer-passwords plain)",
            }[args.peer_passwords]
            print(
                f"  (the reference server's PBKDF2 password check takes {hash_ms:.1f} ms of CPU here: at most "
                f"{1000 * (os.cpu_count() or 1) / hash_ms:.0f} sign-ins/s on {os.cpu_count()} cores; {peers})"
            )
        print(f"  {'target':<34} {'ok/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'gen CPU':>9}")
        # A sign-in waits for a deliberately slow password hash: a warm-up at full concurrency would leave a queue
        # of them behind, and a short window could end before the first of the measured ones completes.
        warmup_connections = 2 if what == "signin" else connections
        duration = args.duration * (3 if what == "signin" else 1)
        results = {}
        for target in targets:
            if args.warmup:  # JIT (Node) and caches warm, equally for every target
                measure(target, what, args.warmup, warmup_connections)
            results[target.name] = measure(target, what, duration, connections)
        for name, result in results.items():
            print(_row(name, result))
        for ours in (t.name for t in targets if t.name.startswith("reference")):
            ratios = [
                f"{results[ours].rps / results[other].rps:.2f}x {other}"
                for other in results
                if not other.startswith("reference") and results[other].rps
            ]
            if ratios:
                print(f"  {ours}: " + ", ".join(ratios))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="connections for the GETs (default 16)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="reference server worker counts")
    parser.add_argument("--database", help="also measure the reference server on this postgresql://... database")
    parser.add_argument("--load-users", type=int, default=1000, help="concurrent sign-in/out users (0: skip)")
    parser.add_argument("--load-workers", type=int, default=2, help="reference server workers for the load run")
    parser.add_argument("--no-apps", action="store_true", help="skip the next-auth v4/v5 apps")
    parser.add_argument("--repeat", type=int, default=1, help="run the side-by-side measurements N times")
    parser.add_argument(
        "--peer-passwords",
        choices=("hashed", "plain"),
        default="hashed",
        help="npm apps verify the reference server's password hash (default; equal work) or compare plaintext",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as tmp, contextlib.ExitStack() as stack:
        directory = Path(tmp)
        targets = []
        configurations = [(w, ":memory:" if w == 1 else str(directory / f"w{w}.sqlite")) for w in args.workers]
        if args.database:  # PostgreSQL in addition to SQLite, with the most workers asked for
            configurations.append((max(args.workers), args.database))
        for workers, database in configurations:
            name = f"reference ({workers}w, {_store_label(database)})"
            targets.append(stack.enter_context(reference_server(name, workers, database)))
        for target in targets:
            sign_in(target)
        if not args.no_apps:
            for app, name in (("nextauth-v4", "next-auth 4.24.15"), ("authjs-v5", "next-auth 5.0.0-beta.32")):
                targets.append(start_peer(stack, app, name, args.peer_passwords))
        for run in range(args.repeat):
            if args.repeat > 1:
                print(f"\n=== run {run + 1} of {args.repeat}")
            benchmark(targets, args)
        stack.close()
        if args.load_users:
            for database in [str(directory / "load.sqlite")] + ([args.database] if args.database else []):
                emails = add_load_users(database, args.load_users)
                name = f"reference ({args.load_workers}w, {_store_label(database)})"
                with reference_server(name, args.load_workers, database) as target:
                    outcome = load_run(target, emails, database)
                report_load(name, args.load_users, outcome)
    return 0


def _store_label(database: str) -> str:
    return "memory" if database == ":memory:" else ("postgresql" if _is_postgres(database) else "sqlite file")


def report_load(name: str, count: int, outcome: LoadOutcome) -> None:
    print(f"\n{name}: {count} concurrent sign-in + session + sign-out + replay flows in {outcome.seconds:.1f}s")
    cuts = statistics.quantiles(outcome.signin_ms, n=100) if len(outcome.signin_ms) > 1 else [0.0] * 99
    print(f"  sign-in latency p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms; {count / outcome.seconds:.1f} flows/s")
    print(
        f"  errors: {len(outcome.errors)}   cross-talk: {outcome.crosstalk}   users without exactly one session row:"
        f" {outcome.lost_rows}   rows left unrevoked: {outcome.unrevoked_rows}"
    )
    print(f"  idempotent requests resent on a keep-alive connection the server had closed: {RETRIES[0]}")
    for error in outcome.errors[:5]:
        print(f"    {error}")


if __name__ == "__main__":
    sys.exit(main())

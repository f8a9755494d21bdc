"""Benchmark: full authorization-code flows per second and token-endpoint p50/p99 latency, for our mocks
(Google, Entra ID and Keycloak) side by side with the npm ``oauth2-mock-server`` in the same run.

    .venv/bin/python benchmarks/bench_mocks.py [--flows 300] [--budget 30] [--rounds 10]

Each server runs in a process of its own (ours: ``python -m mock_providers``; theirs: node), so the client's
work never competes with a server's interpreter. Endpoints come from each server's discovery document. Each
flow: GET authorize (auto-login, 302 with code) then POST token with PKCE, over one keep-alive connection on
loopback (the standard library's client: little client work in each measurement). The targets take turns in
rounds (A B C D, A B C D, ...), so a change in the machine's load falls on all of them alike; besides
throughput (flows over time) it prints 1 / the median flow's time, which the stalls of a shared machine barely
move. Request counts and wall time are bounded; there are no assertions.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
REDIRECT_URI = "http://localhost:3000/api/auth/callback/bench"
NODE_SERVER = """
import { OAuth2Server } from '%s';
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(%d, '127.0.0.1');
console.log('ready');
"""


@dataclass
class Target:
    name: str
    authorize: str
    token: str
    client_id: str
    client_secret: str


@dataclass
class Result:
    name: str
    flows: int = 0
    seconds: float = 0.0
    token_ms: list[float] = field(default_factory=list)
    flow_ms: list[float] = field(default_factory=list)

    @property
    def median_flows_per_second(self) -> float:
        """1 / the median flow's time: what a stall of the shared machine in a few flows does not move."""
        ordered = sorted(self.flow_ms)
        return 1000 / ordered[len(ordered) // 2] if ordered else 0.0

    @property
    def flows_per_second(self) -> float:
        return self.flows / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.token_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[str], url: str) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(url, timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def oauth2_mock_server() -> Iterator[str | None]:
    """Start oauth2-mock-server with node on a free loopback port; yields None if node/package are missing."""
    entry = NODE_MODULES / "oauth2-mock-server" / "dist" / "index.mjs"
    if shutil.which("node") is None or not entry.exists():
        yield None
        return
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as script:
        script.write(NODE_SERVER % (entry.as_uri(), port))
    proc = subprocess.Popen(["node", script.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        yield base if _wait_ready(proc, base + "/.well-known/openid-configuration") else None
    finally:
        _stop(proc)
        os.unlink(script.name)


@contextmanager
def our_mocks() -> Iterator[str]:
    """``python -m mock_providers`` (HTTP only, auto-login, no inbox) on a free loopback port."""
    port = free_port()
    command = [sys.executable, "-m", "mock_providers", "--port", str(port), "--no-https", "--no-smtp", "--auto-login"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        if not _wait_ready(proc, base + "/_mock/health"):
            raise RuntimeError(f"python -m mock_providers did not start: {proc.stderr.read() if proc.stderr else ''}")
        yield base
    finally:
        _stop(proc)


def from_discovery(name: str, discovery: str, client_id: str, client_secret: str) -> Target:
    document = httpx.get(discovery, timeout=10).raise_for_status().json()
    return Target(name, document["authorization_endpoint"], document["token_endpoint"], client_id, client_secret)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Client:
    """One keep-alive connection per target with the standard library's `http.client` (TCP_NODELAY on): a few
    tens of microseconds of client work per request, against several hundred for httpx, so the flows per
    second measure the servers rather than the client (the same client for every target)."""

    def __init__(self) -> None:
        self._connections: dict[str, http.client.HTTPConnection] = {}

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        parts = urlsplit(url)
        connection = self._connections.get(parts.netloc)
        if connection is None:
            connection = self._connections[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=10)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("location") or "", response.read()

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()


def one_flow(client: Client, target: Target) -> float:
    verifier, challenge = pkce()
    query = urlencode(
        {
            "client_id": target.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile email",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "bench",
        }
    )
    status, location, _ = client.request("GET", f"{target.authorize}?{query}")
    if status != 302:
        raise RuntimeError(f"{target.name}: authorize answered {status}")
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    ).encode()
    basic = base64.b64encode(f"{target.client_id}:{target.client_secret}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"}
    started = time.perf_counter()
    status, _, body = client.request("POST", target.token, form, headers)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{target.name}: token endpoint answered {status}: {body[:200]!r}")
    return elapsed


def measure(client: Client, target: Target, result: Result, flows: int, budget: float) -> None:
    """Up to `flows` more flows (or `budget` seconds) added to `result`."""
    started = time.perf_counter()
    done = 0
    while done < flows and time.perf_counter() - started < budget:
        begun = time.perf_counter()
        result.token_ms.append(one_flow(client, target))
        result.flow_ms.append((time.perf_counter() - begun) * 1000)
        done += 1
    result.flows += done
    result.seconds += time.perf_counter() - started


def our_targets(base: str) -> list[Target]:
    summary = httpx.get(base + "/_mock/", timeout=10).raise_for_status().json()
    return [
        from_discovery(
            f"mock_providers {vendor}",
            summary[vendor]["discovery"][0],
            summary[vendor]["client_id"],
            summary[vendor]["client_secret"] or "",
        )
        for vendor in ("google", "entra", "keycloak")
    ]


def report(results: list[Result]) -> None:
    print(f"{'target':26} {'flows':>6} {'flows/s':>8} {'median-flow/s':>14} {'token p50 ms':>13} {'token p99 ms':>13}")
    for r in results:
        print(
            f"{r.name:26} {r.flows:6d} {r.flows_per_second:8.1f} {r.median_flows_per_second:14.1f}"
            f" {r.percentile(0.5):13.2f} {r.percentile(0.99):13.2f}"
        )
    reference = next((r for r in results if r.name == "oauth2-mock-server"), None)
    if reference is None:
        print("\noauth2-mock-server not run (node or tests/node/node_modules missing)")
        return
    print("\nratios vs oauth2-mock-server (flows/s higher is better, token latency lower is better):")
    for r in results:
        if r is not reference:
            print(
                f"  {r.name:24} flows/s x{r.flows_per_second / reference.flows_per_second:.2f}"
                f"   median-flow/s x{r.median_flows_per_second / reference.median_flows_per_second:.2f}"
                f"   token p50 x{r.percentile(0.5) / reference.percentile(0.5):.2f}"
                f"   token p99 x{r.percentile(0.99) / reference.percentile(0.99):.2f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=300, help="flows per target (default 300)")
    parser.add_argument("--budget", type=float, default=30.0, help="max seconds per target (default 30)")
    parser.add_argument("--rounds", type=int, default=10, help="turns per target the flows are split into")
    args = parser.parse_args()
    with our_mocks() as ours, oauth2_mock_server() as theirs:
        targets = our_targets(ours)
        if theirs:
            targets.append(Target("oauth2-mock-server", theirs + "/authorize", theirs + "/token", "bench", "secret"))
        results = {t.name: Result(t.name) for t in targets}
        clients = {t.name: Client() for t in targets}
        try:
            for target in targets:  # warm-up: connections, caches, the servers' first requests
                for _ in range(10):
                    one_flow(clients[target.name], target)
            rounds = max(1, args.rounds)
            for _ in range(rounds):
                for target in targets:
                    measure(
                        clients[target.name], target, results[target.name], args.flows // rounds, args.budget / rounds
                    )
        finally:
            for c in clients.values():
                c.close()
    report(list(results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

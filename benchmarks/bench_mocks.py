"""Benchmark: full authorization-code flows per second and token-endpoint p50/p99 latency, for our mocks
(Keycloak and Google overlays) side by side with the npm ``oauth2-mock-server`` in the same run.

    .venv/bin/python benchmarks/bench_mocks.py [--flows 300] [--budget 60]

Each flow: GET authorize (auto-login, 302 with code) then POST token with PKCE, over one keep-alive
HTTP client on loopback. Request counts and wall time are bounded; there are no assertions.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mock_providers.testing import RunningMocks, running_mocks  # noqa: E402

NODE_MODULES = Path(__file__).resolve().parents[1] / "tests" / "node" / "node_modules"
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
    flows: int
    seconds: float
    token_ms: list[float]

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
    proc = subprocess.Popen(["node", script.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}" if proc.poll() is None else None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(script.name)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def one_flow(client: httpx.Client, target: Target) -> float:
    verifier, challenge = pkce()
    response = client.get(
        target.authorize,
        params={
            "client_id": target.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile email",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "bench",
        },
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    started = time.perf_counter()
    token = client.post(
        target.token,
        auth=(target.client_id, target.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    elapsed = (time.perf_counter() - started) * 1000
    if token.status_code != 200:
        raise RuntimeError(f"{target.name}: token endpoint answered {token.status_code}: {token.text[:200]}")
    return elapsed


def measure(target: Target, flows: int, budget: float) -> Result:
    # TCP_NODELAY on the client: otherwise Nagle + delayed ACK adds ~40 ms whenever a server answers a
    # POST only after reading a body sent in a second segment; same client settings for every target.
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(timeout=10, transport=transport) as client:
        for _ in range(10):
            one_flow(client, target)
        timings: list[float] = []
        started = time.perf_counter()
        while len(timings) < flows and time.perf_counter() - started < budget:
            timings.append(one_flow(client, target))
        return Result(target.name, len(timings), time.perf_counter() - started, timings)


def our_targets(mocks: RunningMocks) -> list[Target]:
    kc = mocks.issuer("keycloak") + "/protocol/openid-connect"
    return [
        Target(
            "mock_providers keycloak",
            kc + "/auth",
            kc + "/token",
            mocks.client_id("keycloak"),
            mocks.client_secret("keycloak") or "",
        ),
        Target(
            "mock_providers google",
            mocks.issuer("google") + "/o/oauth2/v2/auth",
            mocks.issuer("google") + "/token",
            mocks.client_id("google"),
            mocks.client_secret("google") or "",
        ),
    ]


def report(results: list[Result]) -> None:
    print(f"{'target':32} {'flows':>6} {'flows/s':>9} {'token p50 ms':>13} {'token p99 ms':>13}")
    for r in results:
        print(
            f"{r.name:32} {r.flows:6d} {r.flows_per_second:9.1f} {r.percentile(0.5):13.2f} {r.percentile(0.99):13.2f}"
        )
    reference = next((r for r in results if r.name == "oauth2-mock-server"), None)
    if reference is None:
        print("\noauth2-mock-server not run (node or tests/node/node_modules missing)")
        return
    print("\nratios vs oauth2-mock-server (flows/s higher is better, p50 lower is better):")
    for r in results:
        if r is not reference:
            print(
                f"  {r.name:30} flows/s x{r.flows_per_second / reference.flows_per_second:.2f}   "
                f"token p50 x{r.percentile(0.5) / reference.percentile(0.5):.2f}   "
                f"token p99 x{r.percentile(0.99) / reference.percentile(0.99):.2f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=300, help="flows per target (default 300)")
    parser.add_argument("--budget", type=float, default=30.0, help="max seconds per target (default 30)")
    args = parser.parse_args()
    results: list[Result] = []
    with running_mocks(https_port=None, auto_login=True) as mocks:
        for target in our_targets(mocks):
            results.append(measure(target, args.flows, args.budget))
    with oauth2_mock_server() as base:
        if base:
            results.append(
                measure(
                    Target("oauth2-mock-server", base + "/authorize", base + "/token", "bench", "secret"),
                    args.flows,
                    args.budget,
                )
            )
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

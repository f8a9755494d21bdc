"""Differential mode: the same checks against two deployments, and what differs, check by check and on the wire.

`check --target A --compare B` (or `check --targets FILE --compare NAME_A,NAME_B`) runs both as matrix targets
and then compares (1) every check instance's verdict and (2) a fixed set of GET exchanges made here against
both: status, Content-Type, Location (origin stripped), Set-Cookie names and attributes, and the JSON shape
(keys and value types, never values: tokens and times always differ). Exit 1 when a check differs and fails
on one side (the difference breaks the chosen profile); wire differences alone are reported, exit 0.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.client import TargetClient
from harness.errors import TargetError, UsageError
from harness.findings import FAILING
from harness.fleet.targets import Target
from harness.signin import SignInFailed, sign_in_with_credentials

#: (label, action, query) of the exchanges compared on the wire.
PROBES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("csrf", "csrf", {}),
    ("providers", "providers", {}),
    ("session", "session", {}),
    ("signin", "signin", {}),
    ("signout", "signout", {}),
    ("error", "error", {}),
    ("error AccessDenied", "error", {"error": "AccessDenied"}),
    ("verify-request", "verify-request", {}),
    ("webauthn-options", "webauthn-options", {}),
    ("callback/credentials", "callback/credentials", {}),
    ("unknown action", "conformance-unknown-action", {}),
)
ASPECTS = ("status", "content-type", "location", "cookies", "body shape")


def pair(targets: Sequence[Target], spec: str) -> list[Target]:
    """The two targets to compare: both of `--compare URL`, or the two names of `--compare A,B`."""
    if spec.startswith(("http://", "https://")):
        return list(targets)
    names = [n.strip() for n in spec.split(",")]
    by_name = {t.name: t for t in targets}
    if len(names) != 2 or any(n not in by_name for n in names) or names[0] == names[1]:
        raise UsageError(f"--compare with --targets names two different targets of the file (A,B), got {spec!r}")
    return [by_name[names[0]], by_name[names[1]]]


def shape(value: Any) -> Any:
    """Keys and value types, recursively: `{"user": {"email": "str"}, "expires": "str"}`."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return "null" if value is None else type(value).__name__


def _cookie(cookie: Any) -> str:
    attributes = []
    for name in sorted(cookie.attributes):
        if name in ("path", "samesite"):
            attributes.append(f"{name}={cookie.attributes[name].lower()}")
        elif name == "max-age":
            attributes.append("max-age=0" if cookie.clears else "max-age")
        elif name != "expires":
            attributes.append(name)
    return "; ".join(attributes)


def observe(
    client: TargetClient, action: str, query: dict[str, str], cookies: dict[str, str] | None = None
) -> dict[str, Any]:
    try:
        exchange = client.action(action, params=query or None, cookies=cookies)
    except TargetError as exc:
        return {"status": f"no answer ({exc})"}
    try:
        body = shape(exchange.json()) if exchange.content_type == "application/json" else None
    except TargetError:
        body = "not JSON"
    return {
        "status": exchange.status,
        "content-type": exchange.content_type,
        "location": (exchange.location or "").replace(client.origin, "<origin>"),
        "cookies": {c.name: _cookie(c) for c in exchange.set_cookies},
        "body shape": body,
    }


def wire(target: Target, timeout: float = 10.0, verify: bool | ssl.SSLContext = True) -> dict[str, dict[str, Any]]:
    """Observations of `PROBES` (and the signed-in session when the target has credentials)."""
    client = TargetClient(target.url, target.base_path or "/api/auth", timeout=timeout, verify=verify)
    try:
        seen = {label: observe(client, action, query) for label, action, query in PROBES}
        if target.credentials and ":" in target.credentials:
            email, _, password = target.credentials.partition(":")
            try:
                session = sign_in_with_credentials(client, email, password)
                seen["session (signed in)"] = observe(client, "session", {}, session.cookies)
            except (SignInFailed, TargetError) as exc:
                seen["session (signed in)"] = {"status": f"sign-in failed ({exc})"}
        return seen
    finally:
        client.close()


@dataclass
class Difference:
    checks: list[dict[str, Any]] = field(default_factory=list)
    wire: list[dict[str, Any]] = field(default_factory=list)
    names: tuple[str, str] = ("a", "b")
    unavailable: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if c["breaking"]]

    def exit_code(self, matrix_code: int) -> int:
        if self.unavailable:
            return matrix_code if matrix_code not in (0, 1) else 10
        return 1 if self.breaking else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": list(self.names),
            "checks": self.checks,
            "wire": self.wire,
            "unavailable": self.unavailable,
            "breaking": len(self.breaking),
        }


def compare_checks(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    verdicts_a = {f["key"]: f["verdict"] for f in a.get("findings", [])}
    verdicts_b = {f["key"]: f["verdict"] for f in b.get("findings", [])}
    rows = []
    for key in sorted(set(verdicts_a) | set(verdicts_b)):
        va, vb = verdicts_a.get(key, "absent"), verdicts_b.get(key, "absent")
        if va != vb:
            rows.append({"key": key, "a": va, "b": vb, "breaking": va in FAILING or vb in FAILING})
    return rows


def compare_wire(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for label in [*a, *(k for k in b if k not in a)]:
        left, right = a.get(label, {}), b.get(label, {})
        for aspect in ASPECTS:
            if left.get(aspect) != right.get(aspect):
                rows.append({"request": label, "aspect": aspect, "a": left.get(aspect), "b": right.get(aspect)})
    return rows


def compare(
    entries: Sequence[dict[str, Any]],
    targets: Sequence[Target],
    timeout: float = 10.0,
    verify: bool | ssl.SSLContext = True,
) -> Difference:
    """Compare the two entries' reports and the two targets' wire behaviour (targets must still be running)."""
    first, second = entries
    result = Difference(names=(first["name"], second["name"]))
    result.unavailable = [e["name"] for e in entries if not e.get("report")]
    if not result.unavailable:
        result.checks = compare_checks(first["report"], second["report"])
    result.wire = compare_wire(wire(targets[0], timeout, verify), wire(targets[1], timeout, verify))
    return result


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def terminal_lines(data: dict[str, Any]) -> list[str]:
    a, b = data["targets"]
    lines = ["", f"compare {a} -> {b}:"]
    if data["unavailable"]:
        lines.append(f"  not compared: {', '.join(data['unavailable'])} could not be tested")
    if not data["checks"] and not data["wire"] and not data["unavailable"]:
        return [*lines, "  no difference (checks and wire)"]
    for row in data["checks"]:
        mark = "BREAKING " if row["breaking"] else ""
        lines.append(f"  {mark}check {row['key']}: {row['a']} -> {row['b']}")
    for row in data["wire"]:
        lines.append(f"  wire {row['request']}: {row['aspect']}: {_short(row['a'])} -> {_short(row['b'])}")
    lines.append(
        f"  {len(data['checks'])} check differences ({data['breaking']} breaking), {len(data['wire'])} on the wire"
    )
    return lines


def markdown(data: dict[str, Any]) -> str:
    a, b = data["targets"]
    out = ["", f"### Differences: {a} → {b}", ""]
    if not data["checks"] and not data["wire"]:
        return "\n".join([*out, "No difference (checks and wire).", ""])
    if data["checks"]:
        out += [f"| check | {a} | {b} | breaks the profile |", "|---|---|---|---|"]
        out += [f"| `{r['key']}` | {r['a']} | {r['b']} | {'yes' if r['breaking'] else 'no'} |" for r in data["checks"]]
        out.append("")
    if data["wire"]:
        out += [f"| request | aspect | {a} | {b} |", "|---|---|---|---|"]
        out += [f"| {r['request']} | {r['aspect']} | `{_short(r['a'])}` | `{_short(r['b'])}` |" for r in data["wire"]]
    return "\n".join(out) + "\n"

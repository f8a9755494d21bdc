"""The state of one conformance run: resolved target, profile, inputs, waivers and collected findings."""

from __future__ import annotations

import contextlib
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import harness.checks  # noqa: F401 - registers every check: waivers are validated against the registry
from harness import browser, tls
from harness.client import TargetClient
from harness.context import CheckContext, Inputs
from harness.embedded import EmbeddedProcess, adopt_early, start_embedded
from harness.findings import Finding
from harness.options import RunOptions
from harness.preflight import CSRF_DISABLED, detect_profile, preflight
from harness.profiles import PROFILES, with_csrf_protection
from harness.registry import REGISTRY
from harness.signin import csrf_disabled
from harness.waivers import load_waivers


def tool_versions() -> str:
    names = ("nextauth-conformance", "pytest", "schemathesis", "hypothesis", "httpx", "jsonschema")
    found = []
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name} {metadata.version(name)}")
    return ", ".join([*found, f"python {platform.python_version()}"])


@dataclass
class Run:
    """Resolved once on the controller (or received by an xdist worker), then read by fixtures and reports."""

    options: RunOptions
    target: str = ""
    embedded: bool = False
    profile_name: str = ""
    profile_reason: str = ""
    inputs: Inputs = field(default_factory=Inputs)
    waivers: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    final_header: dict[str, object] | None = None
    notes: dict[str, object] = field(default_factory=dict)  #: extra report header entries (baseline, ...)
    csrf_protection: str = "token"  #: "origin" when the preflight found the csrf action disabled
    _context: CheckContext | None = None
    _embedded: EmbeddedProcess | None = None

    def spawn_embedded(self) -> None:
        """Controller only, at configure time: with no target, start the embedded servers' process now, so
        they come up while pytest imports and collects (`start` waits for them)."""
        if not self.options.target and self._embedded is None:
            self._embedded = adopt_early(self.stack) or EmbeddedProcess.spawn(self.stack)

    def load_waivers(self) -> None:
        if self.options.waivers:
            self.waivers = load_waivers(self.options.waivers, [c.id for c in REGISTRY])

    def start(self) -> None:
        """Controller only: start the embedded server if needed, probe the target, pick the profile."""
        opts = self.options
        self.inputs = Inputs(
            opts.secret, opts.credentials, opts.mock_idp, opts.popup_url, opts.smtp, opts.email_max_age
        )
        self.target = opts.target or ""
        if not self.target:
            server = start_embedded(self.stack, self._embedded)
            self.target, self.embedded = server.url, True
            self.inputs = Inputs(
                opts.secret or server.secret,
                opts.credentials or server.credentials,
                opts.mock_idp or server.mock_idp,
                opts.popup_url,
                opts.smtp,
                opts.email_max_age or server.email_max_age,
            )
        with contextlib.closing(self.client()) as client:  # closed on a preflight stop too (no unclosed socket)
            csrf = preflight(client)
            if opts.profile == "auto":
                profile, reason = detect_profile(client, csrf)
                self.profile_name, self.profile_reason = profile.name, f"auto: {reason}"
            else:
                self.profile_name, self.profile_reason = opts.profile, opts.profile_reason
            if csrf_disabled(csrf):
                self.csrf_protection = "origin"
                self.profile_reason += f"; {CSRF_DISABLED}"

    def client(self) -> TargetClient:
        return TargetClient(
            self.target,
            self.options.base_path,
            timeout=self.options.timeout,
            verify=tls.verify(not self.options.verify_tls, self.options.ca_bundle),
            headers=self.options.headers,
        )

    def context(self) -> CheckContext:
        if self._context is None:
            self._context = CheckContext(
                self.client(),
                with_csrf_protection(PROFILES[self.profile_name], self.csrf_protection),
                self.inputs,
                self.profile_reason,
                report_dir=self.options.report_dir,
            )
        return self._context

    def header(self) -> dict[str, object]:
        return {
            "target": self.target + (" (embedded reference server)" if self.embedded else ""),
            "base_path": self.options.base_path,
            "profile": self.profile_name,
            "profile_reason": self.profile_reason,
            "versions": tool_versions(),
            "browser": browser.header_line(),
            "wall_time": round(time.perf_counter() - self.started, 3),
            **self.notes,
        }

    def to_worker(self) -> dict[str, object]:
        return {
            "target": self.target,
            "profile": self.profile_name,
            "reason": self.profile_reason,
            "secret": self.inputs.secret,
            "credentials": list(self.inputs.credentials or []) or None,
            "mock_idp": self.inputs.mock_idp,
            "popup_url": self.inputs.popup_url,
            "smtp": self.inputs.smtp,
            "email_max_age": self.inputs.email_max_age,
            "embedded": self.embedded,
            "csrf_protection": self.csrf_protection,
        }

    def from_controller(self, data: dict[str, Any]) -> None:
        self.target, self.profile_name, self.profile_reason = data["target"], data["profile"], data["reason"]
        creds = tuple(data["credentials"]) if data["credentials"] else None
        self.inputs = Inputs(
            data["secret"], creds, data["mock_idp"], data.get("popup_url"), data.get("smtp"), data.get("email_max_age")
        )
        self.embedded = bool(data["embedded"])
        self.csrf_protection = str(data.get("csrf_protection", "token"))

    def close(self) -> None:
        if self._context is not None:
            self._context.client.close()
        self.stack.close()

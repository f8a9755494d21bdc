"""What a check receives: the target client, the profile, the optional inputs, and lazily built state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from harness import sessions
from harness.client import TargetClient
from harness.findings import NotApplicable
from harness.mock_idp import MockIdp
from harness.profiles import Profile
from harness.signin import SessionCookies
from spec.providers import OAUTH_IDS

T = TypeVar("T")

OAUTH_PROVIDERS = OAUTH_IDS
"""The documented OAuth provider ids (the page's `callback/{provider}` values), from the vendor catalog."""


@dataclass
class Inputs:
    """Optional knowledge about the target: its secret, a test user, a mock IdP, a custom popup page."""

    secret: str | None = None
    credentials: tuple[str, str] | None = None
    mock_idp: str | None = None
    popup_url: str | None = None
    smtp: str | None = None
    """The HTTP API of the inbox the target mails to (`--smtp`); `inbox_url` falls back to the mocks' own."""
    email_max_age: float | None = None
    """The target's email link lifetime in seconds (`--email-max-age`), when known."""

    @property
    def inbox_url(self) -> str | None:
        if self.smtp:
            return self.smtp
        return f"{self.mock_idp.rstrip('/')}/_inbox" if self.mock_idp else None


@dataclass
class CheckContext:
    """Everything a check may use; state that costs requests is built once and cached.

    `instance` is the check instance being run (`POPUP-001[error]`): the runner hands each check its own
    view (`for_instance`), sharing the client and the cache. `report_dir` is where browser artifacts go."""

    client: TargetClient
    profile: Profile
    inputs: Inputs = field(default_factory=Inputs)
    profile_reason: str = ""
    report_dir: Path = Path("reports")
    instance: str = ""
    sessions_used: list[str] = field(default_factory=list)
    """Where the sessions this instance used came from (`harness.sessions`), for its finding."""
    _cache: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    """One lock per cache key (shared with every view and pool thread), so a factory runs once per run."""

    @property
    def origin(self) -> str:
        return self.client.origin

    def for_instance(self, instance: str) -> CheckContext:
        """The same context (client, inputs, cache) naming the check instance it runs."""
        return replace(self, instance=instance, sessions_used=[])

    def once(self, key: str, factory: Callable[[], T], remember: tuple[type[Exception], ...] = (NotApplicable,)) -> T:
        """`factory()` once per run under `key`; one of `remember` is kept and raised again on every later call.
        Threads (the background pools, harness/pool.py) asking for the same key wait for the first one's result."""
        if key not in self._cache:
            with self._locks.setdefault(key, threading.Lock()):  # setdefault is atomic under the GIL
                if key not in self._cache:
                    try:
                        self._cache[key] = factory()
                    except remember as exc:
                        self._cache[key] = exc
        result = self._cache[key]
        if isinstance(result, Exception):
            raise result
        return cast(T, result)

    def mock_idp(self) -> MockIdp:
        """The one client of `--mock-idp` (control API, users, faults, discovery summary, sign-in clients), with
        the run's timeout and TLS settings; made once per run. Callers check `inputs.mock_idp` first."""
        url = str(self.inputs.mock_idp)
        return self.once("mock-idp", lambda: MockIdp(url, timeout=self.client.timeout, verify=self.client.verify))

    def note_session(self, source: str) -> None:
        """Record that this instance judged a session from `source` (named in its finding)."""
        if source not in self.sessions_used:
            self.sessions_used.append(source)

    def session(self) -> SessionCookies:
        """The run's signed-in session (`harness.sessions`: --credentials, --secret, then --mock-idp), else N/A."""
        return sessions.shared_session(self)

    def providers(self) -> dict[str, Any]:
        """The providers map (empty when the target does not answer one)."""

        def fetch() -> dict[str, Any]:
            try:
                body = self.client.action("providers").json()
            except Exception:  # noqa: BLE001 - a broken providers action is judged by its own checks
                body = {}
            return body if isinstance(body, dict) else {}

        return self.once("providers", fetch)

    def oauth_provider(self, provider_id: str) -> dict[str, Any]:
        """The provider entry, or N/A when this target does not configure that OAuth provider."""
        entry = self.providers().get(provider_id)
        if not isinstance(entry, dict) or entry.get("type") not in ("oauth", "oidc"):
            raise NotApplicable(f"provider {provider_id!r} is not configured on this target")
        return entry

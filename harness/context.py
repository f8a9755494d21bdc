"""What a check receives: the target client, the profile, the optional inputs, and lazily built state."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.client import TargetClient
from harness.findings import NotApplicable
from harness.profiles import Profile
from harness.signin import SessionCookies, SignInFailed, mint_session, sign_in_with_credentials

OAUTH_PROVIDERS = ("google", "azure-ad", "keycloak")
"""The documented OAuth provider ids (the page's `callback/{provider}` values)."""


@dataclass
class Inputs:
    """Optional knowledge about the target: its secret, a test user, a mock IdP, a custom popup page."""

    secret: str | None = None
    credentials: tuple[str, str] | None = None
    mock_idp: str | None = None
    popup_url: str | None = None


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
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.client.origin

    def for_instance(self, instance: str) -> CheckContext:
        """The same context (client, inputs, cache) naming the check instance it runs."""
        return replace(self, instance=instance)

    def session(self) -> SessionCookies:
        """A signed-in session: `--credentials` first, else a cookie minted with `--secret`, else N/A."""
        if "session" not in self._cache:
            self._cache["session"] = self._obtain_session()
        result: SessionCookies | Exception = self._cache["session"]
        if isinstance(result, Exception):
            raise result
        return result

    def _obtain_session(self) -> SessionCookies | Exception:
        if self.inputs.credentials:
            try:
                return sign_in_with_credentials(self.client, *self.inputs.credentials)
            except SignInFailed as exc:
                return NotApplicable(f"sign-in with --credentials failed: {exc}")
        if self.inputs.secret:
            return mint_session(self.client, self.profile, self.inputs.secret)
        return NotApplicable("no session: pass --credentials EMAIL:PASSWORD or --secret to check the session shape")

    def providers(self) -> dict[str, Any]:
        """The providers map (empty when the target does not answer one)."""
        if "providers" not in self._cache:
            try:
                body = self.client.action("providers").json()
            except Exception:  # noqa: BLE001 - a broken providers action is judged by its own checks
                body = {}
            self._cache["providers"] = body if isinstance(body, dict) else {}
        providers: dict[str, Any] = self._cache["providers"]
        return providers

    def oauth_provider(self, provider_id: str) -> dict[str, Any]:
        """The provider entry, or N/A when this target does not configure that OAuth provider."""
        entry = self.providers().get(provider_id)
        if not isinstance(entry, dict) or entry.get("type") not in ("oauth", "oidc"):
            raise NotApplicable(f"provider {provider_id!r} is not configured on this target")
        return entry

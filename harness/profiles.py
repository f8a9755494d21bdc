"""What "correct" means for a target, as data: one `Profile` per library flavour or deployment.

Profiles come in two layers. A library layer (`authjs-v5`, `nextauth-v4`) holds what the library does by
default; a deployment layer (`algapsa`) is built by `deploy()` from its library plus the deployment's own
configuration facts, each with its source, so it inherits every library fact (RP gaps, error destinations, cookie
names) without copying them. `documented` is the API page's contract on its own.

Checks never branch on a profile's name; they read the expectation they need from the profile (an allowed
status set, the empty-session body, a cookie prefix, an error destination). Sources: shared/research/authjs.md
(library behaviour, [probe]-verified), research/algapsa.md (AlgaPSA's configuration) and the seed page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from harness.findings import Severity

ANY_BODY = object()
"""Sentinel: a profile that does not pin a body."""

LIBRARY_SESSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["user", "expires"],
    "properties": {
        "user": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"]},
                "email": {"type": ["string", "null"], "format": "email"},
                "image": {"type": ["string", "null"]},
            },
        },
        "expires": {"type": "string"},
    },
}

PAGE_MARKERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "signin": ("<title>Sign In</title>", 'name="csrfToken"'),
        "signout": ("<title>Sign Out</title>", 'name="csrfToken"'),
        "verify-request": ("<title>Verify Request</title>",),
        "error": ("<title>Error</title>",),
    }
)

V5_ERROR_PAGE = MappingProxyType(
    {
        "Configuration": 500,
        "AccessDenied": 403,
        "Verification": 403,
        "Default": 200,
        "configuration": 200,
        "OAuthSignin": 200,
    }
)
V4_ERROR_PAGE = MappingProxyType(
    {
        "Configuration": 500,
        "AccessDenied": 403,
        "Verification": 403,
        "Default": 200,
        "configuration": 500,
        "OAuthSignin": 302,
    }
)

DOCUMENTED_CLAIMS: Mapping[str, Any] = MappingProxyType(
    {
        "sub": "00000000-0000-4000-8000-0000000000a1",
        "id": "00000000-0000-4000-8000-0000000000a1",
        "email": "conformance@example.com",
        "name": "Conformance Probe",
        "username": "conformance",
        "user_type": "internal",
        "tenant": "00000000-0000-4000-8000-0000000000b2",
        "login_method": "credentials",
        "session_id": "00000000-0000-4000-8000-0000000000c3",
    }
)
LIBRARY_CLAIMS: Mapping[str, Any] = MappingProxyType(
    {
        "sub": "conformance-user",
        "name": "Conformance Probe",
        "email": "conformance@example.com",
    }
)


def _frozen(table: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(table))


_V5_CSRF_REJECTIONS = frozenset({("signin", "error", "MissingCSRF")})
"""@auth/core lib/index.ts: a POST with an unverified csrfToken throws MissingCSRF, a sign-in error, so every
action lands on `pages.signIn ?? basePath/signin` with `?error=MissingCSRF` (shared/research/authjs.md section 3)."""
_V4_CSRF_REJECTIONS = frozenset({("signin", "csrf", "true"), ("signout", "csrf", "true")})
"""next-auth 4.24.15 core/index.ts (POST branch): signin/* and callback/credentials redirect to
`${url}/signin?csrf=true`, signout to `${url}/signout?csrf=true` (shared/research/authjs.md section 3)."""
_JWT_ONLY = (
    "the library's default session strategy is a stateless JWE cookie (no adapter, no sessions table): sign-out "
    "clears the cookie in the browser, but a copy captured before keeps working until it expires"
)
"""Auth.js v5 / NextAuth v4 with `session.strategy = "jwt"` (the default without an adapter): signOut only
clears cookies (@auth/core lib/actions/signout.ts; v4 core/routes/signout.ts)."""


@dataclass(frozen=True)
class Profile:
    """The expectations one kind of target must meet; a field per difference, never an `if` in a check."""

    name: str
    description: str
    cookie_prefix: str
    empty_session: Any
    statuses: Mapping[str, frozenset[int]]
    unknown_action_body: Any
    error_page: Mapping[str, int]
    oauth_error_destinations: frozenset[tuple[str, str]]
    check_failure_destinations: frozenset[tuple[str, str]]
    session_schema: str | Mapping[str, Any]
    mint_claims: Mapping[str, Any]
    jwe: str
    no_store_actions: tuple[str, ...] = ("csrf", "session")
    tolerated_nulls: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    page_markers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: PAGE_MARKERS)
    signin_error_destinations: frozenset[tuple[str, str]] = frozenset(
        {("signin", "Configuration"), ("error", "Configuration")}
    )
    """Where POST signin/{provider} lands when the provider cannot be used (v5: OAuthSignInError on the sign-in
    page; a rejected discovery document [probe, next-auth 5.0.0-beta.32] on error?error=Configuration)."""
    idp_timeout: float | None = None
    """Seconds the target waits for the IdP's token endpoint; None when the library sets no timeout (RP-018)."""
    authorization_checks: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """Checks (pkce, state, nonce) the authorization request carries by provider id ("*": any other)."""
    code_refused_destinations: Mapping[str, frozenset[tuple[str, str]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """By provider id: where a callback may also land when the provider's token endpoint refuses the code."""
    csrf_rejections: frozenset[tuple[str, str, str]] = _V5_CSRF_REJECTIONS
    """Where a POST without a verified csrfToken lands: (last path segment, query name, value) of the 302."""
    csrf_protection: str = "token"
    """What guards the state-changing POSTs: "token" (Auth.js's double-submit csrfToken) or "origin" (the framework,
    with the csrf action disabled; `with_csrf_protection`)."""
    session_revocation: str = ""
    """Why a session cookie that is a JWE (the JWT strategy) may still work after sign-out, making FLOW-031 advisory;
    empty when the profile promises server-side sessions (AlgaPSA's sessions table). A target whose cookie is an
    opaque token (Auth.js `session.strategy = "database"`) must revoke under every profile."""
    library: str = ""
    """The library layer this profile is (its own name) or is deployed on (`deploy()`); empty for `documented`."""
    host_only_cookies: bool = False
    """True when the library sets its auth cookies without a Domain attribute (SEC-007 then refuses any Domain)."""
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """A deployment's configuration facts: the field (or check id) it sets -> where the fact comes from."""

    def allowed_statuses(self, probe: str) -> frozenset[int]:
        return self.statuses[probe]

    def severity_for(self, check_id: str, instance: str, default: Severity) -> Severity:
        return self.severity.get(instance, self.severity.get(check_id, default))

    def not_applicable_reason(self, check_id: str, instance: str) -> str | None:
        return self.not_applicable.get(instance, self.not_applicable.get(check_id))

    def checks_for(self, provider: str) -> frozenset[str]:
        return self.authorization_checks.get(provider, self.authorization_checks.get("*", frozenset()))


def _s(*codes: int) -> frozenset[int]:
    return frozenset(codes)


_DOCUMENTED_STATUSES = _frozen(
    {
        "csrf": _s(200),
        "providers": _s(200),
        "session": _s(200),
        "signin": _s(200, 302),
        "signin-provider": _s(200, 302),
        "signout": _s(200, 302),
        "error": _s(200, 302),
        "verify-request": _s(200, 302),
        "webauthn-options": _s(200, 302, 404),
        "callback-credentials": _s(200, 302),
        "callback-unknown": _s(302, 400, 404),
        "unknown-action": _s(400, 404),
    }
)
_V5_STATUSES = _frozen(
    {
        **_DOCUMENTED_STATUSES,
        "signin-provider": _s(302),
        "webauthn-options": _s(302, 404, 500),
        "callback-credentials": _s(302),
        "callback-unknown": _s(302),
        "unknown-action": _s(400),
    }
)
_V4_STATUSES = _frozen(
    {
        **_DOCUMENTED_STATUSES,
        "signin-provider": _s(200, 302),
        "webauthn-options": _s(400),
        "callback-credentials": _s(500),
        "callback-unknown": _s(400),
        "unknown-action": _s(400),
    }
)
_V5_OAUTH_ERROR = frozenset({("signin", "OAuthCallbackError"), ("error", "Configuration")})
_V5_CHECK_FAILURE = frozenset({("error", "Configuration")})
_V4_OAUTH_ERROR = frozenset(
    {("error", "Callback"), ("signin", "Callback"), ("error", "OAuthCallback"), ("signin", "OAuthCallback")}
)
# Known library gaps, reported as warnings under the library's own profile (its default behaviour) and as
# failures under `documented`; each with its source:
# - Auth.js v5 does not verify the ID token's signature: oauth4webapi 3.8.8 `validateJwt` checks alg and claims
#   only, relying on TLS to the token endpoint as OIDC Core 3.1.3.7(6) allows (build/index.js
#   processAuthorizationCodeResponse -> validateIdTokenClaims); the mocks serve plain http here, too.
# - next-auth v4 never compares the discovery document's issuer with the configured one: openid-client 5.7.1
#   `Issuer.discover` (lib/issuer.js:141) takes the document as it is, and the ID token is then checked against
#   that issuer. Keycloak's RFC 9207 `iss` on the authorization response still exposes the mismatch.
_V5_GAPS = {check_id: Severity.ADVISORY for check_id in ("RP-001", "RP-003", "RP-004")}
_V4_GAPS = {"RP-019": Severity.ADVISORY}
# - Auth.js v5 seals the WebAuthn challenge in a stateless cookie and only asks the browser to clear it
#   (@auth/core 0.41.3 lib/actions/callback/oauth/checks.js webauthnChallenge.use -> clearCookie): the captured
#   cookie verifies again for its 15 minutes, so a second assertion for the spent challenge (PASSKEY-003) and a
#   replayed registration (PASSKEY-004: handleLoginOrRegister finds the account and signs its owner in) succeed.
_V5_PASSKEY_GAPS = {check_id: Severity.ADVISORY for check_id in ("PASSKEY-003", "PASSKEY-004")}
_PKCE, _STATE = frozenset({"pkce"}), frozenset({"state"})
# AlgaPSA: every provider the default pkce, azure-ad `checks: ['pkce','state']` (research/algapsa.md section 1).
_ALGAPSA_CHECKS = _frozen({"azure-ad": _PKCE | _STATE, "*": _PKCE})
# @auth/core 0.41.3 lib/utils/providers.js:52 `c.checks ?? ["pkce"]`; no built-in provider sets checks.
_V5_CHECKS = _frozen({"*": _PKCE})
# @auth/core 0.41.3 lib/actions/callback/oauth/callback.js:128-144: an error body from the Entra token endpoint
# is an OAuthCallbackError (sign-in page), where every other provider's is a Configuration error.
_V5_CODE_REFUSED = _frozen({"azure-ad": frozenset({("signin", "OAuthCallbackError")})})
# next-auth 4.24.15 providers/google.js:19, providers/keycloak.js:18; core/lib/providers.js:62 `["state"]` otherwise.
_V4_CHECKS = _frozen({"google": _PKCE | _STATE, "keycloak": _PKCE | _STATE, "*": _STATE})
_LIBRARY_NA = {
    "SESS-003": "the library's default session carries only user.name/email/image and expires",
    "POPUP-001": "the library has no popup callback page (popup=1 is ignored; the popup mode is the documented API's)",
}
_V5_NA = {
    **_LIBRARY_NA,
    "RP-018": "Auth.js v5 sets no timeout on its IdP requests (oauth4webapi gets no AbortSignal; Node's fetch waits "
    "up to 300 s for headers): a slow token endpoint holds the callback that long, there is no timeout to exceed",
    "SCHEMA-001[GET /api/auth/session]": "the empty session is null, not the spec's {} (SESS-001 checks the profile's)",
}
_V4_NA = {
    **_LIBRARY_NA,
    "SCHEMA-001[GET /api/auth/webauthn-options]": "v4 has no webauthn-options action: 400 (ACT-001 checks it)",
    "SCHEMA-001[GET /api/auth/callback/{provider}]": (
        "v4 answers GET callback/credentials 500 and unknown providers 400 (CB-001/CB-002 check the profile's)"
    ),
}

# SESS-005 (stale session cookie cleared with Max-Age=0) is required where the library clears it: Auth.js v5
# and next-auth v4 answer a stale cookie with a Max-Age=0 Set-Cookie from their session action.
ALGAPSA_STATIC_SESSION = (
    "AlgaPSA serves GET session from a static route (`NextResponse.json((await auth()) ?? {})`) whose auth() call "
    "drops Set-Cookie headers, so a stale cookie is answered {} and left in place (research algapsa.md section 3)"
)

DOCUMENTED = Profile(
    name="documented",
    description="The seed page's contract: statuses 200/302/404, the documented schemas, {} for no session.",
    cookie_prefix="authjs",
    empty_session={},
    statuses=_DOCUMENTED_STATUSES,
    unknown_action_body=ANY_BODY,
    error_page=V5_ERROR_PAGE,
    oauth_error_destinations=_V5_OAUTH_ERROR,
    check_failure_destinations=_V5_CHECK_FAILURE,
    session_schema="AuthSessionAuthenticatedResponse",
    mint_claims=DOCUMENTED_CLAIMS,
    jwe="v5",
    # The API page does not promise that a stale session cookie is cleared, so SESS-005 only advises there.
    severity=_frozen({"CSRF-001": Severity.ADVISORY, "SESS-005": Severity.ADVISORY}),
    csrf_rejections=_V5_CSRF_REJECTIONS | _V4_CSRF_REJECTIONS,  # the page names no destination: either library's
)

AUTHJS_V5 = Profile(
    name="authjs-v5",
    description="Auth.js v5 defaults (@auth/core 0.41.3, next-auth 5.0.0-beta.32).",
    cookie_prefix="authjs",
    empty_session=None,
    statuses=_V5_STATUSES,
    unknown_action_body="Bad request.",
    error_page=V5_ERROR_PAGE,
    oauth_error_destinations=_V5_OAUTH_ERROR,
    check_failure_destinations=_V5_CHECK_FAILURE,
    session_schema=_frozen(LIBRARY_SESSION_SCHEMA),
    mint_claims=LIBRARY_CLAIMS,
    jwe="v5",
    not_applicable=_frozen(_V5_NA),
    severity=_frozen({**_V5_GAPS, **_V5_PASSKEY_GAPS}),
    authorization_checks=_V5_CHECKS,
    code_refused_destinations=_V5_CODE_REFUSED,
    session_revocation=_JWT_ONLY,
    # @auth/core 0.41.3 lib/utils/cookie.ts defaultCookies and next-auth 4.24.15 core/lib/cookie.ts: no `domain`
    host_only_cookies=True,
    library="authjs-v5",
)

NEXTAUTH_V4 = replace(
    AUTHJS_V5,
    name="nextauth-v4",
    description="NextAuth.js v4 defaults (next-auth 4.24.15).",
    cookie_prefix="next-auth",
    empty_session={},
    statuses=_V4_STATUSES,
    unknown_action_body="Error: This action with HTTP GET is not supported by NextAuth.js",
    error_page=V4_ERROR_PAGE,
    oauth_error_destinations=_V4_OAUTH_ERROR,
    check_failure_destinations=_V4_OAUTH_ERROR,
    jwe="v4",
    not_applicable=_frozen(_V4_NA),
    severity=_frozen(_V4_GAPS),
    signin_error_destinations=frozenset({("error", "OAuthSignin"), ("signin", "OAuthSignin")}),
    idp_timeout=3.5,  # openid-client 5.7.1 lib/helpers/request.js:46, `timeout: 3500` (next-auth sets no other)
    authorization_checks=_V4_CHECKS,
    code_refused_destinations=_frozen({}),  # v4: every refusal is OAuthCallback, already a check-failure one
    csrf_rejections=_V4_CSRF_REJECTIONS,
    library="nextauth-v4",
)

FRAMEWORK_CSRF = (
    "the csrf action is disabled and the framework guards POSTs by Origin (@auth/sveltekit 1.11.3 env.js sets "
    "skipCSRFCheck; @sveltejs/kit 2 answers a cross-site form POST 403); FLOW-024..027 judge that instead"
)
_FRAMEWORK_CSRF_NA = {
    **{f"CSRF-00{n}": FRAMEWORK_CSRF for n in range(1, 7)},
    **{f"ACT-00{n}[csrf]": FRAMEWORK_CSRF for n in range(1, 6)},
    "SCHEMA-001[GET /api/auth/csrf]": FRAMEWORK_CSRF,
    "SCHEMA-002[GET /api/auth/csrf]": FRAMEWORK_CSRF,
    "FLOW-020": FRAMEWORK_CSRF,
    "FLOW-021": FRAMEWORK_CSRF,
    "FLOW-022": FRAMEWORK_CSRF,
}
"""Checks of the csrfToken mechanism, not applicable where the target does not use it (@auth/core lib/index.js:
`csrfDisabled` skips the token; lib/pages/index.js answers GET csrf 404 and deletes the csrf cookie)."""


def with_csrf_protection(profile: Profile, protection: str) -> Profile:
    """`profile` for a target whose POSTs are guarded by `protection` ("token" leaves it as it is). The integration
    that disables the csrf action (@auth/sveltekit) also routes only Auth.js's own actions to it (dist/index.js:
    `isAuthAction(action)`, else SvelteKit's `resolve`): an unknown action is the framework's 404 page."""
    if protection == profile.csrf_protection:
        return profile
    return replace(
        profile,
        csrf_protection=protection,
        not_applicable=_frozen({**_FRAMEWORK_CSRF_NA, **profile.not_applicable}),
        statuses=_frozen({**profile.statuses, "unknown-action": profile.statuses["unknown-action"] | {404}}),
        unknown_action_body=ANY_BODY,
    )


# ------------------------------------------------------------------ deployment layers

LIBRARY_FACTS = (
    "cookie_prefix",
    "statuses",
    "unknown_action_body",
    "error_page",
    "oauth_error_destinations",
    "check_failure_destinations",
    "signin_error_destinations",
    "jwe",
    "no_store_actions",
    "page_markers",
    "idp_timeout",
    "code_refused_destinations",
    "csrf_rejections",
    "host_only_cookies",
)
"""Profile fields that are the library's behaviour: a deployment layer inherits them and may not set them."""


@dataclass(frozen=True)
class Fact:
    """One configuration fact of a deployment: the value it gives a Profile field, and where that comes from."""

    value: Any
    source: str


def deploy(
    library: Profile,
    name: str,
    description: str,
    *,
    facts: Mapping[str, Fact],
    severity: Mapping[str, Fact] | None = None,
    not_applicable: Mapping[str, str] | None = None,
    restores: Mapping[str, str] | None = None,
) -> Profile:
    """`library` with a deployment's configuration on top: its facts replace fields, its severities and
    not-applicable reasons add to the library's; `restores` names library not-applicable entries (check id ->
    why) that the deployment's configuration makes applicable again (e.g. a session callback that adds claims)."""
    clash = sorted(set(facts) & set(LIBRARY_FACTS))
    if clash:
        raise ValueError(f"profile {name}: {', '.join(clash)} are library facts of {library.name}, not configuration")
    extra_severity = dict(severity or {})
    restored = dict(restores or {})
    kept_na = {k: v for k, v in library.not_applicable.items() if k not in restored}
    sources = {field_name: fact.source for field_name, fact in facts.items()}
    sources |= {check: fact.source for check, fact in extra_severity.items()}
    sources |= {check: f"applicable again: {why}" for check, why in restored.items()}
    return replace(
        library,
        name=name,
        description=description,
        library=library.name,
        severity=_frozen({**library.severity, **{k: f.value for k, f in extra_severity.items()}}),
        not_applicable=_frozen({**kept_na, **(not_applicable or {})}),
        sources=_frozen(sources),
        **{field_name: fact.value for field_name, fact in facts.items()},
    )


_ALGAPSA_MD = "shared/research/algapsa.md"
ALGAPSA = deploy(
    AUTHJS_V5,
    "algapsa",
    "authjs-v5 + AlgaPSA's configuration (custom sign-in page, session callback claims, static session route).",
    facts={
        "empty_session": Fact({}, f"{_ALGAPSA_MD} section 3: the static route answers `session ?? {{}}`"),
        "session_schema": Fact(
            "AuthSessionAuthenticatedResponse", f"{_ALGAPSA_MD} section 3: the session callback's claims (the API page)"
        ),
        "mint_claims": Fact(DOCUMENTED_CLAIMS, f"{_ALGAPSA_MD} section 3: the jwt callback's claims"),
        "tolerated_nulls": Fact(("contactId",), f"{_ALGAPSA_MD} section 3: contactId is null for internal users"),
        "authorization_checks": Fact(_ALGAPSA_CHECKS, f"{_ALGAPSA_MD} section 1: azure-ad `checks: ['pkce','state']`"),
        "session_revocation": Fact(
            "", f"{_ALGAPSA_MD} section 3: every jwt callback rejects a session whose `sessions` row is revoked"
        ),
    },
    severity={
        "ACT-005[session]": Fact(
            Severity.ADVISORY,
            f"{_ALGAPSA_MD} section 3: the static session route sends no no-store Cache-Control",
        )
    },
    not_applicable={"SESS-005": ALGAPSA_STATIC_SESSION},
    restores={
        "SESS-003": "AlgaPSA's session callback adds its claims (algapsa.md section 3)",
        "POPUP-001": "AlgaPSA serves popup callback pages (algapsa.md section 5)",
        "SCHEMA-001[GET /api/auth/session]": "AlgaPSA's empty session is the spec's {} (algapsa.md section 3)",
    },
)
DEPLOYMENTS: tuple[Profile, ...] = (ALGAPSA,)

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (DOCUMENTED, ALGAPSA, AUTHJS_V5, NEXTAUTH_V4)})
PROFILE_CHOICES = (*PROFILES, "auto")

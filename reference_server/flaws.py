"""Deliberate flaws a test can switch on, one validation at a time, to prove a check fails on the real flaw.

The harness's fail tests need relying parties that are wrong in exactly one way (skip the CSRF check on sign-out,
accept an ID token with a foreign `aud`, ...). A response mutator cannot fake those: the flaw is in what the server
*accepts*. Each name here disables one rule; `Settings.flaws` holds the names switched on. Never exposed by the
CLI: a reference server with flaws is a test fixture, not a deployment.
"""

from __future__ import annotations

__all__ = ["KNOWN_FLAWS", "UnknownFlawError", "validate_flaws"]

KNOWN_FLAWS: dict[str, str] = {
    # name: the rule it disables (add one entry per flaw, next to the code that honours it)
    # Relying-party flaws, honoured in reference_server/oauth.py (checks RP-001..RP-020, harness/checks/rp.py):
    "skip-id-token-signature": "the ID token's signature is not verified",
    "accept-alg-none": "an unsigned (alg none) ID token is accepted",
    "trust-unknown-kid": "an ID token whose kid is not in the JWKS is accepted unverified",
    "trust-missing-kid": "an ID token without kid is accepted unverified",
    "skip-id-token-iss": "the ID token's iss is not compared with the issuer",
    "skip-id-token-aud": "the ID token's aud is not compared with the client id",
    "skip-id-token-azp": "extra audiences and a foreign azp are accepted",
    "skip-id-token-exp": "an expired ID token is accepted",
    "skip-id-token-iat": "an ID token issued in the future is accepted",
    "optional-id-token-iat": "an ID token without iat is accepted",
    "optional-id-token-sub": "an ID token without sub is accepted",
    "skip-nonce-check": "the ID token's nonce is not compared with the one sent",
    "accept-missing-nonce": "an ID token without the nonce that was sent is accepted",
    "skip-userinfo-sub": "a userinfo sub other than the ID token's is accepted",
    "swallow-token-error": "a token error response sends the browser back to the app as if nothing failed",
    "swallow-token-5xx": "a token endpoint 5xx sends the browser back to the app as if nothing failed",
    "swallow-token-json": "a token response that is not JSON sends the browser back to the app as if nothing failed",
    "no-idp-timeout": "requests to the IdP wait without a timeout",
    "skip-discovery-issuer": "a discovery issuer other than the configured one is accepted",
    "pin-first-jwks": "the first JWKS seen is cached forever (a rotated key is never fetched)",
    # reference_server/oauth.py
    "oauth-pkce-skipped": "PKCE is silently off: no code_challenge at sign-in, no code_verifier at the callback",
    "oauth-pkce-plain": "the authorization request sends code_challenge_method=plain (the verifier itself)",
    "oauth-state-unverified": "the callback neither requires nor compares the state cookie",
    "oauth-check-provider-unbound": "a check cookie sealed for one provider is accepted by another's callback",
    # reference_server/oauth.py + session.py
    "check-cookie-as-session": "check cookies are sealed with the session key and the session route serves them",
    "csrf-unchecked-credentials": "POST callback/credentials signs in without a verified csrfToken (actions.py)",
    "csrf-unchecked-signin": "POST signin/{provider} starts the OAuth flow without a verified csrfToken (actions.py)",
    "csrf-unchecked-signout": "POST signout signs out without a verified csrfToken (actions.py)",
    "signout-on-get": "GET signout signs the user out, as a link or an image would trigger it (actions.py)",
    "signout-keeps-session": "sign-out clears the cookie but leaves the sessions row active (actions.py)",
    "callback-url-hangs": "a malformed callbackUrl leaves the request hanging instead of an error (context.py)",
    "bearer-crash": "GET session parses a Bearer header without checks and crashes on a malformed one (session.py)",
    # reference_server/email_signin.py (checks EMAIL-001..EMAIL-009, harness/checks/email.py):
    "email-token-reusable": "an emailed sign-in link is not deleted when used: it signs in again",
    "email-token-never-expires": "an emailed sign-in link past its expiry still signs in",
    "email-token-any-address": "the token alone is looked up, the user is the link's email (another address)",
    "email-callback-url-unchecked": "the callbackUrl of the sign-in request and of the link is followed unchecked",
    "csrf-unchecked-email": "POST signin/email sends the link without a verified csrfToken (actions.py)",
    "email-token-in-verify-request": "the verify-request redirect carries the token",
    "email-token-in-redirect": "the redirect after a link sign-in carries the token",
    "email-identifier-not-normalized": "the address is used as typed: case and space variants are other accounts",
    # reference_server/passkey.py (checks PASSKEY-003..PASSKEY-007 and PASSKEY-010, harness/checks/passkey.py):
    "passkey-challenge-reusable": "a spent WebAuthn challenge is accepted again (the sealed cookie is replayable)",
    "passkey-origin-unchecked": "a passkey response is checked against the origin in its own clientDataJSON",
    "passkey-rp-id-unchecked": "a passkey assertion's RP ID hash is not compared with the server's RP ID",
    "passkey-counter-unchecked": "a passkey's signature counter is never compared with the stored one",
    "passkey-uv-optional": "a passkey assertion without the user-verified flag is accepted",
    "trust-forwarded-host": "the origin comes from X-Forwarded-Host (then Host), as trustHost does (context.py)",
}


class UnknownFlawError(ValueError):
    """A flaw name that no code honours: a typo would make a fail test pass for the wrong reason."""


def validate_flaws(names: frozenset[str]) -> frozenset[str]:
    unknown = sorted(names - KNOWN_FLAWS.keys())
    if unknown:
        raise UnknownFlawError(f"unknown flaws {unknown}; known: {sorted(KNOWN_FLAWS)}")
    return names

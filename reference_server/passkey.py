"""`POST callback/passkey`: verify a WebAuthn registration or assertion and sign the user in, as Auth.js v5 does.

Follows @auth/core 0.41.3 `lib/actions/callback/index.js` (webauthn branch) and `lib/utils/webauthn-utils.js`:
the form carries `action` (register | authenticate) and `data` (the credential as JSON); the challenge comes from
the sealed `authjs.challenge` cookie (`webauthn.read_challenge`), which the answer clears. Verification is
py_webauthn's (the `webauthn` package), with the Passkey provider's `requireUserVerification: true`, the RP ID
and origin from the request URL (`getRelayingParty`) and the signature counter check. Unlike Auth.js, whose
sealed cookie is stateless, a challenge is good for one ceremony: the store records it as spent.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import (
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_authenticator_data,
    verify_signature,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse

from reference_server.context import AuthContext, AuthResult
from reference_server.cookies import ResponseCookie
from reference_server.errors import AuthError, InvalidCheck, WebAuthnVerificationError
from reference_server.session import start_session
from reference_server.store.model import StoredCredential, User
from reference_server.webauthn import Challenge, read_challenge, relying_party

__all__ = ["passkey_callback"]

_VERIFY_ERRORS = (InvalidAuthenticationResponse, InvalidRegistrationResponse, InvalidJSONStructure, ValueError)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _credential_json(ctx: AuthContext) -> dict[str, Any]:
    try:
        data = json.loads(ctx.body.get("data") or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise AuthError("Invalid WebAuthn response")  # @auth/core: a plain AuthError, shown as Configuration
    return data


def _client_origin(data: dict[str, Any]) -> str:
    """The origin the browser wrote into clientDataJSON (only trusted under the `passkey-origin-unchecked` flaw)."""
    try:
        client = json.loads(_from_b64url(str(data["response"]["clientDataJSON"])))
        return str(client["origin"])
    except (KeyError, TypeError, ValueError):
        return ""


def _spend(ctx: AuthContext, challenge: Challenge) -> None:
    if not ctx.store.spend_challenge(challenge.value) and not ctx.settings.has_flaw("passkey-challenge-reusable"):
        raise InvalidCheck("WebAuthn challenge was already used")


def _expected(ctx: AuthContext, data: dict[str, Any]) -> tuple[str, str]:
    """(origin, RP ID) the credential must be bound to; a flaw takes the response's own instead."""
    rp_id, origin = relying_party(ctx)
    if ctx.settings.has_flaw("passkey-origin-unchecked"):
        origin = _client_origin(data) or origin
    return origin, rp_id


def _register(ctx: AuthContext, data: dict[str, Any], challenge: Challenge) -> tuple[User, str]:
    registering = challenge.register_data
    if not registering:
        raise InvalidCheck("Missing user registration data in WebAuthn challenge cookie")
    origin, rp_id = _expected(ctx, data)
    try:
        verified = verify_registration_response(
            credential=data,
            expected_challenge=_from_b64url(challenge.value),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except _VERIFY_ERRORS as error:
        raise WebAuthnVerificationError(str(error)) from error
    credential_id = _b64(verified.credential_id)
    known = ctx.store.authenticator(credential_id)
    if known is not None:  # only reachable with a replayed registration (a reusable challenge): sign its owner in
        owner = ctx.store.user_by_id(known.tenant, known.user_id)
        if owner is None:
            raise WebAuthnVerificationError("WebAuthn user not found")
        return owner, credential_id
    user = _registering_user(ctx, registering)
    transports = data.get("response", {}).get("transports")
    stored = StoredCredential(
        credential_id=credential_id,
        public_key=_b64(verified.credential_public_key),
        counter=verified.sign_count,
        transports=",".join(transports) if isinstance(transports, list) else None,
        device_type=str(verified.credential_device_type.value),
        backed_up=verified.credential_backed_up,
    )
    ctx.store.add_authenticator(user, stored)
    return user, credential_id


def _registering_user(ctx: AuthContext, registering: dict[str, Any]) -> User:
    """The signed-in user adding a passkey (its tenant and id are in the challenge), or a new account by e-mail."""
    tenant, user_id = registering.get("tenant"), registering.get("id")
    if isinstance(tenant, str) and isinstance(user_id, str):
        user = ctx.store.user_by_id(tenant, user_id)
        if user is not None:
            return user
    email = str(registering.get("email") or "")
    if not email:
        raise InvalidCheck("Missing user registration data in WebAuthn challenge cookie")
    existing = ctx.store.user_by_email(email)
    if existing is not None:  # the e-mail was taken between the options and the callback
        raise WebAuthnVerificationError("a user with this e-mail already exists")
    return ctx.store.create_passkey_user(email, registering.get("name"))


def _authenticate(ctx: AuthContext, data: dict[str, Any], challenge: Challenge) -> tuple[User, str]:
    credential_id = _b64(_from_b64url(data["id"]))
    stored = ctx.store.authenticator(credential_id)
    if stored is None:
        raise AuthError("WebAuthn authenticator not found in database")
    origin, rp_id = _expected(ctx, data)
    current = 0 if ctx.settings.has_flaw("passkey-counter-unchecked") else stored.counter
    try:
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=_from_b64url(challenge.value),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64.b64decode(stored.public_key),
            credential_current_sign_count=current,
            require_user_verification=not ctx.settings.has_flaw("passkey-uv-optional"),
        )
        new_count = verified.new_sign_count
    except _VERIFY_ERRORS as error:
        if not (ctx.settings.has_flaw("passkey-rp-id-unchecked") and "RP ID hash" in str(error)):
            raise WebAuthnVerificationError(str(error)) from error
        new_count = _verify_without_rp_id(data, stored, current)
    ctx.store.update_authenticator_counter(credential_id, new_count)
    return _owner(ctx, stored), credential_id


def _verify_without_rp_id(data: dict[str, Any], stored: StoredCredential, current: int) -> int:
    """The `passkey-rp-id-unchecked` flaw: every assertion check but the RP ID hash (flags, counter, signature)."""
    response = data.get("response") or {}
    try:
        auth_bytes = _from_b64url(str(response["authenticatorData"]))
        parsed = parse_authenticator_data(auth_bytes)
        signed = auth_bytes + hashlib.sha256(_from_b64url(str(response["clientDataJSON"]))).digest()
        key = decode_credential_public_key(base64.b64decode(stored.public_key))
        if not (parsed.flags.up and parsed.flags.uv) or (
            (parsed.sign_count > 0 or current > 0) and parsed.sign_count <= current
        ):
            raise WebAuthnVerificationError("flags or counter refused")
        verify_signature(
            public_key=decoded_public_key_to_cryptography(key),
            signature_alg=key.alg,
            signature=_from_b64url(str(response["signature"])),
            data=signed,
        )
    except (KeyError, TypeError, ValueError, InvalidSignature) as error:
        raise WebAuthnVerificationError(str(error)) from error
    return int(parsed.sign_count)


def _owner(ctx: AuthContext, stored: StoredCredential) -> User:
    user = ctx.store.user_by_id(stored.tenant, stored.user_id)
    if user is None or user.is_inactive:
        raise WebAuthnVerificationError("WebAuthn user not found")
    return user


def passkey_callback(ctx: AuthContext) -> AuthResult:
    """Verify the ceremony the form names, clear the challenge cookie, start the session."""
    action = ctx.body.get("action")
    if action not in ("register", "authenticate"):
        raise AuthError("Invalid action parameter")
    data = _credential_json(ctx)
    challenge = read_challenge(ctx)
    _spend(ctx, challenge)
    user, _ = (_register if action == "register" else _authenticate)(ctx, data, challenge)
    result = start_session(ctx, user, "passkey")
    cleared = ResponseCookie.clearing(ctx.names.challenge, ctx.names.secure)
    return AuthResult(status=result.status, redirect=result.redirect, cookies=[*result.cookies, cleared])

"""Proof Key for Code Exchange (RFC 7636 4.6): checked whenever a challenge was sent at /authorize."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from .errors import Reason
from .keys import b64url

CODE_VERIFIER_PATTERN = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CODE_CHALLENGE_METHODS: dict[str, Callable[[str], str]] = {
    "plain": lambda verifier: verifier,
    "S256": lambda verifier: b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
}


def verify(
    challenge: str | None, method: str | None, verifier: str | None, reject_verifier_without_challenge: bool
) -> None:
    """Raise a :class:`Reason` when the verifier does not prove possession of the challenge."""
    if not challenge:
        if verifier and reject_verifier_without_challenge:
            raise Reason("pkce_no_challenge")
        return
    if not verifier:
        raise Reason("pkce_missing_verifier")
    if not CODE_VERIFIER_PATTERN.match(verifier):
        raise Reason("pkce_invalid_verifier")
    transform = CODE_CHALLENGE_METHODS.get(method or "plain")
    if transform is None or transform(verifier) != challenge:
        raise Reason("pkce_mismatch")

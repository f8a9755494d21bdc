"""Passkey machinery for the PASSKEY checks: Chromium's virtual authenticator, real ceremonies, forged variants.

`Passkeys` adds a CTAP2 platform authenticator (resident keys, user verification, the user verified) to a Probe's
browser context through CDP (`WebAuthn.enable`, `WebAuthn.addVirtualAuthenticator`) and runs the Auth.js v5 client
flow on a harness page on the target's origin, as the built-in sign-in page's `webauthnScript` does: GET
`webauthn-options/{provider}`, `navigator.credentials.create/get` with those options, POST `callback/{provider}`
with `action` and `data` (the credential as SimpleWebAuthn's JSON). Requests go through the run's client (its TLS
settings) with the context's cookie jar, so the sealed challenge cookie travels as a browser sends it; a check
can save and re-send it to replay it.

Faulted assertions (another origin, another RP ID, a counter gone backwards, no user verification) cannot
come from an honest authenticator: `forge_assertion` signs them with the credential's own private key, read from
the virtual authenticator (`WebAuthn.getCredentials`), so only the fault differs from a real assertion. A check
first sends a correctly forged one (`forge_assertion` with no fault) and judges only if the target accepts that.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from harness.checks._browser import Probe
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable

__all__ = ["Ceremony", "Passkeys", "RegisteredPasskey", "passkey_provider", "require_domain_target"]

FOREIGN_ORIGIN = "https://passkey-foreign.conformance.invalid"
FOREIGN_RP_ID = "passkey-foreign.conformance.invalid"
_FLAG_UP, _FLAG_UV = 0x01, 0x04
_FLAGS_UP_UV = _FLAG_UP | _FLAG_UV

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}

_CODEC = """
  const bytes = (s) => { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) { s += '='; }
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); };
  const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const descriptors = (list) => (list || []).map((d) => ({...d, id: bytes(d.id)}));
"""
CREATE_SCRIPT = (
    "async (options) => {"
    + _CODEC
    + """
  const publicKey = {...options, challenge: bytes(options.challenge),
    user: {...options.user, id: bytes(options.user.id)}, excludeCredentials: descriptors(options.excludeCredentials)};
  const c = await navigator.credentials.create({publicKey});
  return {id: c.id, rawId: b64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(),
    response: {clientDataJSON: b64url(c.response.clientDataJSON),
      attestationObject: b64url(c.response.attestationObject),
      transports: c.response.getTransports ? c.response.getTransports() : []}};
}"""
)
GET_SCRIPT = (
    "async (options) => {"
    + _CODEC
    + """
  const publicKey = {...options, challenge: bytes(options.challenge),
    allowCredentials: descriptors(options.allowCredentials)};
  const c = await navigator.credentials.get({publicKey});
  return {id: c.id, rawId: b64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(),
    response: {clientDataJSON: b64url(c.response.clientDataJSON),
      authenticatorData: b64url(c.response.authenticatorData), signature: b64url(c.response.signature),
      userHandle: c.response.userHandle ? b64url(c.response.userHandle) : null}};
}"""
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def passkey_provider(ctx: CheckContext) -> str:
    """The id of the first WebAuthn provider in GET providers; N/A when there is none."""
    for provider_id, entry in ctx.providers().items():
        if isinstance(entry, dict) and entry.get("type") == "webauthn":
            return provider_id
    raise NotApplicable("GET providers lists no WebAuthn (passkey) provider")


def require_domain_target(ctx: CheckContext) -> None:
    """WebAuthn RP IDs are domains: a browser refuses a ceremony on an IP-address origin (SecurityError)."""
    host = urlsplit(ctx.origin).hostname or ""
    if host.replace(".", "").isdigit() or ":" in host:
        raise NotApplicable(
            f"WebAuthn needs a domain origin (RP IDs cannot be IP addresses): use http://localhost:PORT, not {host}"
        )


@dataclass
class Ceremony:
    """One webauthn-options answer: its status, body and the sealed challenge cookie it set (name, value, header)."""

    status: int
    body: Any
    cookie_name: str
    cookie_value: str
    set_cookie: str

    @property
    def options(self) -> dict[str, Any]:
        options = self.body.get("options") if isinstance(self.body, dict) else None
        return options if isinstance(options, dict) else {}


@dataclass
class RegisteredPasskey:
    email: str
    credential_id: str


@dataclass
class Posted:
    """The answer to POST callback/{provider}: status, Location, Set-Cookie headers and the session after it."""

    status: int
    location: str
    set_cookies: list[str]
    session: Any

    @property
    def signed_in_as(self) -> str | None:
        user = self.session.get("user") if isinstance(self.session, dict) else None
        return str(user.get("email") or "") if isinstance(user, dict) else None

    def summary(self) -> dict[str, Any]:
        return {"status": self.status, "location": self.location, "session": self.session}


def _sign(key: Any, data: bytes) -> bytes:
    """Sign as a WebAuthn authenticator does with this key type (COSE -7 ES256, -8 EdDSA, -257 RS256)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    raise NotApplicable(f"the virtual authenticator's key type {type(key).__name__} cannot be signed with here")


class Passkeys:
    """A virtual authenticator in the Probe's context and a page on the target's origin to run ceremonies on."""

    def __init__(self, probe: Probe) -> None:
        require_domain_target(probe.ctx)
        self.probe, self.ctx = probe, probe.ctx
        self.provider = passkey_provider(self.ctx)
        self.page = probe.page_on(self.ctx.origin, "opener")
        self.cdp = probe.context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        added = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        self.authenticator_id = str(added["authenticatorId"])

    # ---------------------------------------------------------------------------------------- requests

    def request(self, method: str, url: str, form: dict[str, str] | None = None) -> Exchange:
        """One request as the page's browser would send it: the context's cookies go with it, the cookies it sets
        come back into the context. It goes through the run's client (its timeout and TLS settings: Playwright's
        request API trusts neither `--ca-bundle` nor the browser's pins), and no redirect is followed."""
        jar = {c["name"]: c["value"] for c in self.probe.context.cookies(url)}
        exchange = self.ctx.client.request(method, url, cookies=jar, form=form)
        self._keep(exchange)
        return exchange

    def _keep(self, exchange: Exchange) -> None:
        for cookie in exchange.set_cookies:
            if not cookie.name:
                continue
            if cookie.clears:
                self.probe.context.clear_cookies(name=cookie.name)
                continue
            same_site = (cookie.get("samesite") or "lax").capitalize()
            self.probe.context.add_cookies(
                [
                    {
                        "name": cookie.name,
                        "value": cookie.value,
                        "url": self.ctx.origin + "/",
                        "httpOnly": cookie.has("httponly"),
                        "secure": cookie.has("secure"),
                        "sameSite": same_site if same_site in ("Lax", "Strict", "None") else "Lax",
                    }
                ]
            )

    def options(self, action: str | None, email: str | None = None) -> Ceremony:
        query = {k: v for k, v in (("action", action), ("email", email)) if v}
        url = self.ctx.client.url(f"webauthn-options/{self.provider}") + (f"?{urlencode(query)}" if query else "")
        response = self.request("GET", url)
        try:
            body: Any = response.json()
        except Exception:  # noqa: BLE001 - a non-JSON answer is judged by the caller
            body = {"non-json": response.text[:200]}
        name, value, header = "", "", ""
        for cookie in response.set_cookies:
            if "challenge" in cookie.name and cookie.value:
                name, value, header = cookie.name, cookie.value, cookie.raw
        return Ceremony(response.status, body, name, value, header)

    def post(self, action: str, data: dict[str, Any]) -> Posted:
        """POST the ceremony's result as the built-in page's form does; the session it leaves behind."""
        csrf_body = self.request("GET", self.ctx.client.url("csrf")).json()
        csrf = csrf_body.get("csrfToken", "") if isinstance(csrf_body, dict) else ""
        form = {"csrfToken": csrf, "action": action, "data": json.dumps(data), "callbackUrl": self.ctx.origin + "/"}
        response = self.request("POST", self.ctx.client.url(f"callback/{self.provider}"), form=form)
        cookies = response.headers.get_list("set-cookie")
        return Posted(response.status, response.location or "", cookies, self.session())

    def session(self) -> Any:
        response = self.request("GET", self.ctx.client.url("session"))
        try:
            return response.json()
        except Exception:  # noqa: BLE001 - a non-JSON session is no session here
            return None

    def sign_out(self) -> None:
        """Forget every cookie: the next ceremony starts as a stranger's browser."""
        self.probe.context.clear_cookies()

    def resend_cookie(self, ceremony: Ceremony) -> None:
        """Put a spent challenge cookie back, as an attacker replaying a captured request would send it."""
        self.probe.context.add_cookies(
            [{"name": ceremony.cookie_name, "value": ceremony.cookie_value, "url": self.ctx.origin}]
        )

    # ------------------------------------------------------------------------------------- ceremonies

    def create(self, ceremony: Ceremony) -> dict[str, Any]:
        created: dict[str, Any] = self.page.evaluate(CREATE_SCRIPT, ceremony.options)
        return created

    def get(self, ceremony: Ceremony) -> dict[str, Any]:
        got: dict[str, Any] = self.page.evaluate(GET_SCRIPT, ceremony.options)
        return got

    def register(self) -> tuple[RegisteredPasskey, Ceremony, dict[str, Any], Posted]:
        """Register a passkey for a new e-mail; N/A unless the target answers with a registration."""
        email = f"passkey-{secrets.token_hex(6)}@conformance.invalid"
        ceremony = self.options("register", email)
        if ceremony.status != 200 or not isinstance(ceremony.body, dict) or ceremony.body.get("action") != "register":
            raise NotApplicable(f"webauthn-options?action=register&email=... gave no registration: {ceremony.status}")
        data = self.create(ceremony)
        posted = self.post("register", data)
        return RegisteredPasskey(email, data["id"]), ceremony, data, posted

    def registered(self) -> RegisteredPasskey:
        """A registered passkey, signed out again; N/A when registering does not sign in (PASSKEY-001 judges it)."""
        passkey, _, _, posted = self.register()
        if posted.signed_in_as != passkey.email:
            raise NotApplicable(f"registering a passkey did not sign in (PASSKEY-001 reports it): {posted.summary()}")
        self.sign_out()
        return passkey

    def authenticate(self) -> tuple[Ceremony, dict[str, Any]]:
        ceremony = self.options("authenticate")
        if ceremony.status != 200 or not ceremony.options.get("challenge"):
            raise NotApplicable(f"webauthn-options?action=authenticate gave no options: {ceremony.status}")
        return ceremony, self.get(ceremony)

    # ------------------------------------------------------------------------------------------ forging

    def credential(self, passkey: RegisteredPasskey) -> dict[str, Any]:
        listed = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})["credentials"]
        wanted = _from_b64url(passkey.credential_id)
        for entry in listed:
            if base64.b64decode(entry["credentialId"]) == wanted:
                return dict(entry)
        raise NotApplicable("the virtual authenticator does not hold the registered credential")

    def forge_assertion(
        self,
        passkey: RegisteredPasskey,
        ceremony: Ceremony,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        user_verified: bool = True,
    ) -> dict[str, Any]:
        """An assertion for `ceremony`'s challenge signed with the passkey's key; a keyword changes one field.

        Without changes it is what the authenticator would send next (counter one above the authenticator's)."""
        held = self.credential(passkey)
        key = serialization.load_der_private_key(base64.b64decode(held["privateKey"]), password=None)
        count = int(held["signCount"]) + 1 if sign_count is None else sign_count
        rp = rp_id or str(ceremony.options.get("rpId") or urlsplit(self.ctx.origin).hostname)
        auth_data = (
            hashlib.sha256(rp.encode()).digest()
            + bytes([_FLAGS_UP_UV if user_verified else _FLAG_UP])
            + struct.pack(">I", count)
        )
        client = {
            "type": "webauthn.get",
            "challenge": ceremony.options.get("challenge"),
            "origin": origin or self.ctx.origin,
        }
        client_json = json.dumps(client, separators=(",", ":")).encode()
        signature = _sign(key, auth_data + hashlib.sha256(client_json).digest())
        if sign_count is None or sign_count > int(held["signCount"]):
            self._set_counter(held, count)
        return {
            "id": passkey.credential_id,
            "rawId": passkey.credential_id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": _b64url(client_json),
                "authenticatorData": _b64url(auth_data),
                "signature": _b64url(signature),
                "userHandle": _b64url(base64.b64decode(held["userHandle"])) if held.get("userHandle") else None,
            },
        }

    def _set_counter(self, held: dict[str, Any], count: int) -> None:
        """Keep the virtual authenticator's counter in step with a forged assertion it did not sign itself."""
        self.cdp.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": self.authenticator_id, "credentialId": held["credentialId"]},
        )
        self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.authenticator_id, "credential": {**held, "signCount": count}},
        )

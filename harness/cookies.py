"""Set-Cookie parsing with RFC 6265 attribute names, and the cookie-name rules Auth.js follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header: name, raw value and lower-cased attributes (`httponly` -> "")."""

    name: str
    value: str
    attributes: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def decoded(self) -> str:
        return unquote(self.value)

    @property
    def clears(self) -> bool:
        """True when the header deletes the cookie (Max-Age=0, or an Expires in the past with no value)."""
        max_age = self.attributes.get("max-age")
        if max_age is not None and max_age.strip().lstrip("-").isdigit():
            return int(max_age) <= 0
        return self.value == "" and "expires" in self.attributes and "1970" in self.attributes["expires"]

    def has(self, attribute: str) -> bool:
        return attribute.lower() in self.attributes

    def get(self, attribute: str) -> str | None:
        return self.attributes.get(attribute.lower())


def parse_set_cookie(header: str) -> SetCookie:
    """Parse one Set-Cookie header value (never raises; a malformed header gives an empty name)."""
    first, *rest = header.split(";")
    name, _, value = first.partition("=")
    attributes: dict[str, str] = {}
    for part in rest:
        key, _, val = part.strip().partition("=")
        if key:
            attributes[key.strip().lower()] = val.strip()
    return SetCookie(name.strip(), value.strip().strip('"'), attributes, header)


def cookie_name(base: str, *, prefix: str, secure: bool, host_prefix: bool = False) -> str:
    """An Auth.js cookie name: `authjs.csrf-token`, `__Host-authjs.csrf-token`, `__Secure-next-auth.state`."""
    if not secure:
        return f"{prefix}.{base}"
    return f"{'__Host-' if host_prefix else '__Secure-'}{prefix}.{base}"


def strip_prefix(name: str) -> str:
    for prefix in ("__Host-", "__Secure-"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name

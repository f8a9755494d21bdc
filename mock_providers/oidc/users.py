"""Deterministic people to sign in as: faker-generated per vendor (fixed seed) plus configured ones."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from faker import Faker

from .control_schema import validate

USER_FIELDS = (
    "sub",
    "email",
    "name",
    "given_name",
    "family_name",
    "picture",
    "locale",
    "email_verified",
    "photo",
    "roles",
    "tenant",
)


@dataclass
class User:
    """A person at the IdP; vendors turn it into claims. ``claims`` are merged into tokens verbatim."""

    sub: str
    email: str
    name: str
    given_name: str = ""
    family_name: str = ""
    picture: str | None = None
    locale: str | None = "en"
    email_verified: bool = True
    photo: bool = True
    roles: list[str] = field(default_factory=list)
    tenant: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def username(self) -> str:
        return self.email.split("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.email.split("@", 1)[-1]

    def public_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def user_from_mapping(data: Mapping[str, Any], default_sub: str) -> User:
    """Known fields go to attributes, anything else becomes an extra claim.

    Raises :class:`ControlInputError` (a ValueError naming the field) unless ``data`` fits the ``User`` schema.
    """
    validate("User", dict(data) if isinstance(data, Mapping) else data)
    email = data["email"]
    known = {k: data[k] for k in USER_FIELDS if k in data}
    extra = {k: v for k, v in data.items() if k not in USER_FIELDS and k != "claims"}
    claims = dict(data.get("claims") or {}) | extra
    known.setdefault("sub", default_sub)
    _consistent_names(known, email)
    known["sub"] = str(known["sub"])
    return User(**known, claims=claims)


def _consistent_names(known: dict[str, Any], email: str) -> None:
    """`name`, `given_name` and `family_name` agree: "Ada Lovelace" gives Ada / Lovelace, and the parts a name."""
    if "name" not in known:
        parts = " ".join(p for p in (known.get("given_name"), known.get("family_name")) if p)
        known["name"] = parts or email.split("@", 1)[0]
    given, _, family = str(known["name"]).strip().rpartition(" ")
    if not given:  # one word: a given name only
        given, family = family, ""
    known.setdefault("given_name", given)
    known.setdefault("family_name", family)


def avatar(name: str) -> str:
    """A local picture: an SVG with the initials as a data: URI (the login page and apps load nothing remote)."""
    initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
    hue = sum(map(ord, name)) % 360
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'>"
        f"<rect width='96' height='96' fill='hsl({hue},45%,45%)'/>"
        "<text x='48' y='60' font-size='36' text-anchor='middle' fill='white' font-family='sans-serif'>"
        f"{initials}</text></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


class UserDirectory:
    """Seeded users first (stable order), configured ones after; ``reset`` restores the seeded state."""

    def __init__(self, seed: int, count: int, make_sub: Any, extra: Iterable[Mapping[str, Any]] = ()) -> None:
        self._make_sub = make_sub
        self._faker = Faker()
        self._faker.seed_instance(seed)
        self._initial = [self._fake(i) for i in range(count)]
        self._initial += [user_from_mapping(u, self._make_sub(self._faker)) for u in extra]
        self.users: list[User] = []
        self.reset()

    def _fake(self, index: int) -> User:
        first, last = self._faker.first_name(), self._faker.last_name()
        domain = "gmail.com" if index == 2 else "example.com"
        return User(
            sub=self._make_sub(self._faker),
            email=f"{first}.{last}@{domain}".lower(),
            name=f"{first} {last}",
            given_name=first,
            family_name=last,
            picture=avatar(f"{first} {last}"),
            photo=index != 1,
            roles=["user"] + (["admin"] if index == 0 else []),
        )

    def reset(self) -> None:
        self.users = [replace(u, roles=list(u.roles), claims=dict(u.claims)) for u in self._initial]

    def find(self, key: str | None) -> User | None:
        """Look up by sub, email or username (what ``login_hint`` carries)."""
        if not key:
            return None
        key = key.strip().lower()
        return next((u for u in self.users if key in (u.sub.lower(), u.email.lower(), u.username.lower())), None)

    def add(self, data: Mapping[str, Any]) -> User:
        user = user_from_mapping(data, self._make_sub(self._faker))
        existing = self.find(user.sub) or self.find(user.email)
        if existing:
            self.users.remove(existing)
        self.users.append(user)
        return user

    def patch(self, key: str, changes: Mapping[str, Any]) -> User:
        validate("UserPatch", dict(changes))
        user = self.find(key)
        if user is None:
            raise KeyError(key)
        for name, value in changes.items():
            if name == "claims":
                user.claims.update(value)
            elif name in USER_FIELDS and name != "sub":
                setattr(user, name, value)
            else:
                user.claims[name] = value
        return user


def numeric_sub(faker: Faker) -> str:
    """Google: a 21-digit number as a string."""
    return "1" + "".join(str(faker.random_digit()) for _ in range(20))


def guid_sub(faker: Faker) -> str:
    """Keycloak / Entra object id: a UUID from the seeded generator."""
    return str(uuid.UUID(int=faker.random.getrandbits(128), version=4))

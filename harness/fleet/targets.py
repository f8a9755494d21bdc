"""The targets file of `nextauth-conformance check --targets FILE`, and `--shard i/n` over it.

    targets:
      - name: staging                      # unique; names the column, the report files and the JUnit suite
        url: https://staging.example.com   # an http(s) origin, or `embedded` (the reference server)
        profile: algapsa                   # default documented
        credentials: ${STAGING_USER}       # EMAIL:PASSWORD; ${VAR} is read from the environment
        secret: ${STAGING_AUTH_SECRET}
        mock-idp: http://127.0.0.1:4010
        base-path: /api/auth
        waivers: staging-waivers.yaml      # relative paths are relative to the targets file
        baseline: staging-baseline.json
        args: ["-m", "not browser"]        # extra pytest arguments for this target only

Anything else is an error (one line, exit 4): a missing file, bad YAML, an unknown field, a duplicate name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.errors import UsageError
from harness.profiles import PROFILE_CHOICES

EMBEDDED = "embedded"
FIELDS = ("name", "url", "profile", "credentials", "secret", "mock-idp", "base-path", "waivers", "baseline", "args")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SHARD = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Target:
    """One deployment to check, with the inputs it needs."""

    name: str
    url: str
    profile: str = "documented"
    credentials: str | None = None
    secret: str | None = None
    mock_idp: str | None = None
    base_path: str | None = None
    waivers: str | None = None
    baseline: str | None = None
    args: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        return self.url == EMBEDDED


def _expand(value: str, where: str) -> str:
    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise UsageError(f"{where}: environment variable {name} is not set")
        return os.environ[name]

    return _VAR.sub(variable, value)


def _target(entry: Any, index: int, file: Path) -> Target:
    where = f"targets file {file}, entry {index}"
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: expected a mapping with name and url, got {type(entry).__name__}")
    unknown = sorted(set(map(str, entry)) - set(FIELDS))
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(FIELDS)})")
    for required in ("name", "url"):
        if not entry.get(required):
            raise UsageError(f"{where}: missing {required!r}")
    name, url = str(entry["name"]), str(entry["url"]).rstrip("/")
    if not _NAME.match(name):
        raise UsageError(f"{where}: name {name!r} must be letters, digits, '.', '_' or '-'")
    if url != EMBEDDED and not url.startswith(("http://", "https://")):
        raise UsageError(f"{where}: url must be an http(s) origin or 'embedded', got {url!r}")
    profile = str(entry.get("profile", "documented"))
    if profile not in PROFILE_CHOICES:
        raise UsageError(f"{where}: unknown profile {profile!r} (known: {', '.join(PROFILE_CHOICES)})")
    args = entry.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str | int | float) for a in args):
        raise UsageError(f"{where}: args must be a list of strings")

    def text(key: str) -> str | None:
        return _expand(str(entry[key]), where) if entry.get(key) is not None else None

    def path(key: str) -> str | None:
        value = text(key)
        return str((file.parent / value).resolve()) if value else None

    return Target(
        name,
        url,
        profile,
        text("credentials"),
        text("secret"),
        text("mock-idp"),
        text("base-path"),
        path("waivers"),
        path("baseline"),
        tuple(_expand(str(a), where) for a in args),
    )


def load_targets(path: str | Path) -> list[Target]:
    """The targets of a YAML (or JSON) file: a list, or a mapping with a `targets:` list."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read targets file {file}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"targets file {file} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if isinstance(data, dict):
        extra = sorted(set(data) - {"targets"})
        if extra:
            raise UsageError(f"targets file {file}: unknown top-level field {extra[0]!r} (expected 'targets')")
        data = data.get("targets")
    if not isinstance(data, list) or not data:
        raise UsageError(f"targets file {file}: expected a non-empty list of targets (under 'targets:')")
    targets = [_target(entry, index, file) for index, entry in enumerate(data, 1)]
    names = [t.name for t in targets]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UsageError(f"targets file {file}: the name {duplicate!r} is used twice")
    return targets


def parse_shard(spec: str) -> tuple[int, int]:
    """`2/3` -> (2, 3); `UsageError` unless 1 <= i <= n."""
    match = _SHARD.match(spec.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"--shard must be I/N with 1 <= I <= N (e.g. 1/3), got {spec!r}")
    return int(match.group(1)), int(match.group(2))


def shard(targets: list[Target], spec: str) -> list[Target]:
    """Shard i of n: every n-th target from the i-th (file order), so shards differ in size by one at most."""
    index, count = parse_shard(spec)
    return targets[index - 1 :: count]

"""The waiver file: check ids expected to fail on this target, each with a reason.

YAML or JSON, either a list under `waivers:` (`- id: SEC-003` / `reason: ...`) or a mapping `{id: reason}`.
An id may name a whole check (`SEC-001`) or one instance (`SEC-001[protocol-relative]`). A waived check
that passes is a stale waiver and fails the run, so the file shrinks as the target improves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.errors import UsageError

_KEY = re.compile(r"^([A-Z]+-\d{3})(\[[^\]]+\])?$")


def load_waivers(path: str | Path, known_ids: Iterable[str]) -> dict[str, str]:
    """`{instance-or-id: reason}`; `UsageError` with one line for a missing file, bad syntax or unknown id."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read waivers file {file}: {exc.strerror}") from None
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(
            f"waivers file {file} is not valid {file.suffix.lstrip('.') or 'YAML'}: {str(exc).splitlines()[0]}"
        ) from None
    waivers = _normalise(data, file)
    known = set(known_ids)
    for key in waivers:
        match = _KEY.match(key)
        if not match or match.group(1) not in known:
            raise UsageError(f"waivers file {file}: unknown check id {key!r}")
    return waivers


def _normalise(data: Any, file: Path) -> dict[str, str]:
    if isinstance(data, Mapping) and "waivers" in data:
        data = data["waivers"]
    if data is None:
        return {}
    if isinstance(data, Mapping):
        entries = [{"id": k, "reason": v} for k, v in data.items()]
    elif isinstance(data, list):
        entries = data
    else:
        raise UsageError(f"waivers file {file}: expected a list of {{id, reason}} or a mapping id -> reason")
    waivers: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not str(entry.get("reason") or "").strip():
            raise UsageError(f"waivers file {file}: every waiver needs an id and a non-empty reason ({entry!r})")
        waivers[str(entry["id"]).strip()] = str(entry["reason"]).strip()
    return waivers


def waiver_for(waivers: Mapping[str, str], check_id: str, instance: str) -> str | None:
    return waivers.get(instance, waivers.get(check_id))

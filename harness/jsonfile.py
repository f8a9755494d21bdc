"""Reading a JSON file the user named (baseline, HAR, report): one `UsageError` line instead of a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError


def read_json(path: str | Path, what: str) -> Any:
    """The parsed file; `UsageError("cannot read <what> <path>: ..." / "<what> <path> is not JSON: ...")`."""
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {what} {file}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{what} {file} is not JSON: {exc}") from None

"""Text a target chose, made safe for every report format.

A finding carries what the target answered (fuzzed query values, headers, bodies), so a report may be handed
control bytes, lone surrogates (bytes that were not UTF-8, decoded with `surrogateescape`) or kilobytes of one
value. XML 1.0 forbids most control bytes, JSON parsers outside Python reject lone surrogates, Markdown turns
backticks, pipes and newlines into structure, and a terminal obeys escape sequences. Every writer passes what it
did not write itself through here: forbidden characters become visible escapes (`\\x01`, the original byte for
invalid UTF-8), and names are bounded.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

#: Characters XML 1.0 forbids, C1 controls and DEL (terminal escapes), lone surrogates, non-characters.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})
#: Longest instance name a report prints; longer ones keep a prefix and a digest of the whole.
KEY_LIMIT = 160


def _escape(match: re.Match[str]) -> str:
    char = ord(match.group())
    if 0xDC80 <= char <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{char - 0xDC00:02x}"
    return f"\\x{char:02x}" if char <= 0xFF else f"\\u{char:04x}"


def printable(text: str) -> str:
    """`text` with every character a report format forbids written as a visible escape; tabs and newlines kept."""
    return _FORBIDDEN.sub(_escape, text)


def one_line(text: str) -> str:
    """`printable(text)` on one line: tabs and line breaks escaped too."""
    return printable(text).translate(_LINE_BREAKS)


def bounded(text: str, limit: int = KEY_LIMIT) -> str:
    """`text` if it fits in `limit` characters, else a prefix and an 8-character digest of the whole (stable)."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{text[: limit - 13]}...~{digest}]" if text.endswith("]") else f"{text[: limit - 12]}...~{digest}"


def data(value: Any) -> Any:
    """JSON-like `value` with every string (keys included) `printable`; bytes decoded, other leaves as text."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, bytes):
        return printable(value.decode("utf-8", "surrogateescape"))
    if isinstance(value, dict):
        return {printable(str(k)): data(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [data(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return printable(str(value))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&#!])")
_MD_BLOCK_START = re.compile(r"^(\s*)(\d+)([.)])")


def md_text(text: str) -> str:
    """Target text as one line of Markdown prose: printable, one line, the punctuation that makes structure escaped."""
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    escaped = _MD_BLOCK_START.sub(r"\1\2\\\3", escaped)
    return "\\" + escaped if escaped[:1] in ("-", "+", "=") else escaped


def md_code(text: str) -> str:
    """Target text as a Markdown code span on one line: a backtick fence longer than any run inside."""
    body = one_line(text)
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_fence(text: str, info: str = "") -> list[str]:
    """Target text as a fenced Markdown code block: a fence longer than any backtick run inside."""
    body = printable(text)
    longest = max((len(run) for run in re.findall("`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return [fence + info, body, fence]

"""The shipped Node preload (vendor_hosts.cjs) that sends the vendors' hard-coded hosts to the running mocks.

``nextauth-conformance mocks`` prints :func:`preload_env`; tests that start a Node app pass it in the app's
environment. The preload needs only the mock's URL: plain http is enough, the app still sees https vendor URLs.
Its host list is generated from the vendor catalog: ``python -m mock_providers.node_preload`` rewrites the block
between the BEGIN/END generated markers (:func:`render`), and a test fails while the file differs from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from spec.providers import impersonated_hosts

PRELOAD_PATH = Path(__file__).resolve().with_name("vendor_hosts.cjs")
MOCK_URL_ENV = "NEXTAUTH_CONFORMANCE_MOCK_URL"
_GENERATED = re.compile(r"(// BEGIN generated[^\n]*\n)(.*?)(// END generated\n)", re.DOTALL)


def node_options(path: Path = PRELOAD_PATH) -> str:
    """``--require <path>``, quoted the way NODE_OPTIONS reads a path with spaces."""
    text = str(path)
    return f'--require "{text}"' if " " in text else f"--require {text}"


def preload_env(mock_url: str) -> dict[str, str]:
    """The environment that makes a Node app's requests to vendor hosts reach the mocks at ``mock_url``."""
    return {"NODE_OPTIONS": node_options(), MOCK_URL_ENV: mock_url}


def render(source: str, hosts: Sequence[str] | None = None) -> str:
    """`source` (the preload's text) with its generated block holding `hosts` (default: the catalog's)."""
    listed = "".join(f"  {json.dumps(host)},\n" for host in (impersonated_hosts() if hosts is None else hosts))
    block = f"const VENDOR_HOSTS = new Set([\n{listed}]);\n"
    rendered, count = _GENERATED.subn(lambda m: m.group(1) + block + m.group(3), source)
    if count != 1:
        raise ValueError("the preload has no single '// BEGIN generated' ... '// END generated' block")
    return rendered


def main() -> None:
    source = PRELOAD_PATH.read_text(encoding="utf-8")
    rendered = render(source)
    if rendered != source:
        PRELOAD_PATH.write_text(rendered, encoding="utf-8")
    print(f"{PRELOAD_PATH.name}: {'rewritten' if rendered != source else 'up to date'}")


if __name__ == "__main__":
    main()

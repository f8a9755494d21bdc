"""The wheel carries everything the installed tool needs outside this checkout: the spec, the SQL schema, the
packaged suite, the plugin entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = [
    "spec/openapi.yaml",
    "spec/published.yaml",
    "spec/clauses.yaml",
    "spec/providers.yaml",
    "spec/providers.py",
    "spec/schemas/SessionResponse.json",
    "reference_server/store/migrations/0001_initial.sql",
    "harness/suite/test_checks.py",
    "harness/suite/test_schema.py",
    "harness/plugin.py",
    "mock_providers/pytest_plugin.py",
    "mock_providers/oidc/token.py",
    "mock_providers/oidc/control_openapi.yaml",
    "mock_providers/vendor_hosts.cjs",
]


def test_wheel_contains_data_files_and_entry_points(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("nextauth_conformance-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in metadata  # an SPDX expression: no setuptools license deprecation
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert [name for name in REQUIRED if name not in names] == []
    assert not any(name.startswith("tests/") for name in names)
    assert "nextauth_conformance = harness.plugin" in entry_points
    assert "nextauth_conformance_mocks = mock_providers.pytest_plugin" in entry_points
    assert "nextauth-conformance = harness.cli:main" in entry_points

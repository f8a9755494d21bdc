"""The `mock_idp` fixture works in any project's tests once the package is installed (pytest11 entry point)."""

from __future__ import annotations

import pytest


def test_mock_idp_fixture_serves_discovery_and_resets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_app="""
        import httpx

        def test_discovery(mock_idp):
            issuer = mock_idp.issuer("keycloak")
            document = httpx.get(issuer + "/.well-known/openid-configuration", timeout=5).json()
            assert document["issuer"] == issuer

        def test_clean(mock_idp_clean):
            mock_idp_clean.inject_fault("google", "token", "error", error="invalid_grant")
            assert mock_idp_clean.requests() == []
    """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)

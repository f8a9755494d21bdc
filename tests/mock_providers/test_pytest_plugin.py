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

        def test_inbox(mock_idp):
            import smtplib
            from urllib.parse import urlsplit

            parts = urlsplit(mock_idp.smtp_url)
            with smtplib.SMTP(parts.hostname, parts.port, timeout=5) as smtp:
                smtp.sendmail("app@example.com", ["ada@example.com"], "Subject: x\\r\\n\\r\\nhttp://app.test/cb?token=1\\r\\n")
            assert mock_idp.links("ada@example.com") == ["http://app.test/cb?token=1"]

        def test_inbox_clean(mock_idp_clean):
            assert mock_idp_clean.messages() == []
    """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=4)

"""Local Google, Microsoft Entra ID and Keycloak OpenID providers for NextAuth / Auth.js apps.

Start them with ``python -m mock_providers`` (or ``nextauth-conformance mocks``), or in tests with
:func:`mock_providers.testing.running_mocks`.
"""

from mock_providers.options import MockOptions

__all__ = ["MockOptions"]

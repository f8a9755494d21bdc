"""A real Python implementation of the NextAuth/Auth.js catch-all route, to the documented contract."""

from reference_server.app import create_app
from reference_server.settings import OAuthProviderConfig, Pages, Settings

__all__ = ["OAuthProviderConfig", "Pages", "Settings", "create_app"]

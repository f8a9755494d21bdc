"""Shared OpenID Connect core (OIDC Core 1.0, RFC 6749, RFC 7636, RFC 8414) used by every vendor overlay."""

"""Where the mock is being reached from, so every URL it prints matches what the client used.

Shared mode: one port, vendors under path prefixes (``/google``, ``/entra``, ``/graph``, ``/keycloak``) and
the origin comes from the request's scheme and Host (or a configured public URL). Impersonation mode: the
request's Host is a vendor's real host name (``accounts.google.com``); URLs use the vendor host names over
https with the public HTTPS port (omitted when 443).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

SITE_SCOPE_KEY = "mock.site"


@dataclass(frozen=True)
class Site:
    scheme: str
    authority: str
    impersonating: bool = False
    public_https_port: int | None = None
    public_url: str | None = None

    def origin(self, real_host: str, shared_prefix: str) -> str:
        if self.impersonating:
            port = self.public_https_port
            return f"https://{real_host}" + ("" if port in (None, 443) else f":{port}")
        base = self.public_url.rstrip("/") if self.public_url else f"{self.scheme}://{self.authority}"
        return base + shared_prefix


def site_of(request: Request) -> Site:
    """The dispatcher stores a Site in the scope; a vendor app mounted alone falls back to the request URL."""
    site = request.scope.get(SITE_SCOPE_KEY)
    if isinstance(site, Site):
        return site
    return Site(scheme=request.url.scheme, authority=request.url.netloc)

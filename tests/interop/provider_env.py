"""The provider environment for an interop app: every OAuth issuer on the mock IdPs, as each library needs it.

next-auth v4 gets a concrete Entra tenant issuer (openid-client substitutes `{tenantid}` only on
login.microsoftonline.com); Auth.js v5 gets the `common` issuer over HTTPS (it re-discovers at `/{tid}/v2.0`
with HTTPS enforced). The hard-coded Graph photo fetch reaches the mock's Graph stand-in through the preload
the package ships (mock_providers/vendor_hosts.cjs), as a user of ``nextauth-conformance mocks`` would load it.
"""

from __future__ import annotations

from mock_providers.node_preload import preload_env
from mock_providers.testing import RunningMocks


def app_env(app_name: str, mocks: RunningMocks) -> dict[str, str]:
    """The provider env for one app, every issuer on the mocks."""
    assert mocks.ca_path is not None and mocks.https_url is not None
    if app_name == "nextauth-v4":
        # openid-client v5 substitutes {tenantid} only for login.microsoftonline.com: use a GUID tenant,
        # whose discovery and id_token carry the same concrete issuer.
        entra_issuer = mocks.issuer("entra", tenant=mocks.entra_tenant_id)
    else:
        # Auth.js v5 re-discovers at /{tid}/v2.0 with HTTPS enforced: the common issuer over https.
        entra_issuer = mocks.issuer("entra", https=True)
    return {
        "GOOGLE_CLIENT_ID": mocks.client_id("google"),
        "GOOGLE_CLIENT_SECRET": mocks.client_secret("google") or "",
        "GOOGLE_ISSUER": mocks.issuer("google"),
        "AZURE_AD_CLIENT_ID": mocks.client_id("entra"),
        "AZURE_AD_CLIENT_SECRET": mocks.client_secret("entra") or "",
        "AZURE_AD_ISSUER": entra_issuer,
        "KEYCLOAK_CLIENT_ID": mocks.client_id("keycloak"),
        "KEYCLOAK_CLIENT_SECRET": mocks.client_secret("keycloak") or "",
        "KEYCLOAK_ISSUER": mocks.issuer("keycloak"),
        # https://graph.microsoft.com (photo fetch) -> the mocks, by the shipped preload; trust the mocks' CA
        # for the https Entra issuer.
        **preload_env(mocks.http_url),
        "NODE_EXTRA_CA_CERTS": str(mocks.ca_path),
    }


def vendor_default_env(mocks: RunningMocks) -> dict[str, str]:
    """Google and Entra with only client credentials: the libraries' own vendor URLs (accounts.google.com,
    login.microsoftonline.com/common), reached offline through the shipped preload alone."""
    return {
        "GOOGLE_CLIENT_ID": mocks.client_id("google"),
        "GOOGLE_CLIENT_SECRET": mocks.client_secret("google") or "",
        "AZURE_AD_CLIENT_ID": mocks.client_id("entra"),
        "AZURE_AD_CLIENT_SECRET": mocks.client_secret("entra") or "",
        **preload_env(mocks.http_url),
    }

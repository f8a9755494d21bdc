-- Passkeys (WebAuthn): one row per registered credential, as Auth.js's Authenticator model holds it (credential id
-- and public key base64, the signature counter, transports), bound to a user; and the challenges already spent, so
-- a sealed challenge cookie is good for one ceremony only.
CREATE TABLE IF NOT EXISTS authenticators (
    credential_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    counter BIGINT NOT NULL DEFAULT 0,
    transports TEXT,
    device_type TEXT,
    backed_up INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, user_id)
);
CREATE INDEX IF NOT EXISTS authenticators_by_user ON authenticators (tenant, user_id);
CREATE TABLE IF NOT EXISTS spent_webauthn_challenges (
    challenge TEXT PRIMARY KEY,
    spent_at TEXT NOT NULL
);

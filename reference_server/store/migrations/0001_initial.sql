-- AlgaPSA's users and sessions columns (server/migrations, research/algapsa.md section 9), in types SQLite and
-- PostgreSQL both take. tenants/tenant_addons/contacts hold just what the session JSON reads from them.
CREATE TABLE IF NOT EXISTS tenants (
    tenant TEXT PRIMARY KEY,
    company_name TEXT NOT NULL,
    plan TEXT,
    product_code TEXT NOT NULL DEFAULT 'psa',
    subscription_status TEXT CHECK (subscription_status IN ('active', 'trialing', 'past_due', 'unpaid')),
    trial_end TEXT,
    solo_pro_trial_end TEXT
);
CREATE TABLE IF NOT EXISTS tenant_addons (
    tenant TEXT NOT NULL REFERENCES tenants (tenant),
    addon_key TEXT NOT NULL,
    expires_at TEXT,
    PRIMARY KEY (tenant, addon_key)
);
CREATE TABLE IF NOT EXISTS contacts (
    tenant TEXT NOT NULL REFERENCES tenants (tenant),
    contact_name_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    PRIMARY KEY (tenant, contact_name_id)
);
CREATE TABLE IF NOT EXISTS users (
    tenant TEXT NOT NULL REFERENCES tenants (tenant),
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    hashed_password TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    email TEXT NOT NULL,
    icon TEXT,
    two_factor_enabled INTEGER NOT NULL DEFAULT 0,
    two_factor_secret TEXT,
    is_inactive INTEGER NOT NULL DEFAULT 0,
    user_type TEXT NOT NULL DEFAULT 'internal' CHECK (user_type IN ('internal', 'client')),
    contact_id TEXT,
    last_login_at TEXT,
    last_login_method TEXT,
    two_factor_required_new_device INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, user_id, email),
    UNIQUE (tenant, user_id)
);
CREATE TABLE IF NOT EXISTS sessions (
    tenant TEXT NOT NULL REFERENCES tenants (tenant),
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    token TEXT,
    created_at TEXT,
    updated_at TEXT,
    ip_address VARCHAR(45),
    location_data TEXT,
    user_agent TEXT,
    device_fingerprint TEXT,
    device_name TEXT,
    device_type TEXT,
    last_activity_at TEXT,
    expires_at TEXT,
    revoked_at TEXT,
    revoked_reason TEXT CHECK (revoked_reason IN ('user_logout', 'user_logout_all', 'admin_revoke', 'max_sessions',
                                                  'security', 'scim', 'inactivity', 'expired')),
    login_method TEXT,
    PRIMARY KEY (tenant, session_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, user_id)
);
CREATE INDEX IF NOT EXISTS sessions_active_by_user ON sessions (tenant, user_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS sessions_active_by_expiry ON sessions (tenant, expires_at) WHERE revoked_at IS NULL;

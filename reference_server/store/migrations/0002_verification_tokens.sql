-- Email (magic link) sign-in: Auth.js's VerificationToken (@auth/core adapters.ts), one row per link sent. `token`
-- is sha256(token + secret) in hex, never the token itself (lib/actions/signin/send-token.ts); a row is deleted
-- when its link is used (useVerificationToken), so a link works once. `expires` is an ISO-8601 UTC timestamp.
CREATE TABLE IF NOT EXISTS verification_tokens (
    identifier TEXT NOT NULL,
    token TEXT NOT NULL,
    expires TEXT NOT NULL,
    PRIMARY KEY (identifier, token)
);
CREATE INDEX IF NOT EXISTS verification_tokens_by_expiry ON verification_tokens (expires);

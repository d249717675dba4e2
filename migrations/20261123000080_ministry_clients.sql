-- Ministry systems authenticate as OAuth 2.0 clients (client credentials).
-- The secret is stored only as an Argon2id PHC string; a revoked client's
-- tokens stop working at once (every request checks revoked_at).
CREATE TABLE ministry_clients (
    id            text PRIMARY KEY,
    ministry_code text        NOT NULL REFERENCES ministries (code),
    name          text        NOT NULL,
    secret_hash   text        NOT NULL,
    scopes        text[]      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

-- The ES256 key that signs access tokens, made at the first start (PKCS#8
-- PEM). Kept in the database so every API process signs with the same key.
CREATE TABLE oauth_signing_keys (
    kid         text PRIMARY KEY,
    private_pem text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

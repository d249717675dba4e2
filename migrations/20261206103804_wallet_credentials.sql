-- Wallet credentials (SD-JWT VC over OpenID4VCI, pre-authorized code flow).
-- Protocol state, like OAuth tokens: not events. Codes, transaction codes and
-- access tokens are stored as SHA-256 digests only.

-- One offer the holder asked for: its pre-authorized code (single use), its
-- transaction code (sent to the holder's inbox and mail, never in the offer)
-- and the wrong tries (5 lock it).
CREATE TABLE credential_offers
(
    id                uuid PRIMARY KEY,
    registration_id   uuid        NOT NULL,
    owner             text        NOT NULL,
    configuration_id  text        NOT NULL,
    code_hash         bytea       NOT NULL UNIQUE,
    tx_code_hash      bytea       NOT NULL,
    failed_attempts   integer     NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    redeemed_at       timestamptz,
    locked_at         timestamptz
);

CREATE INDEX credential_offers_by_registration ON credential_offers (registration_id, created_at DESC);

-- The access token a redeemed offer gave: one credential request.
CREATE TABLE credential_access_tokens
(
    token_hash  bytea PRIMARY KEY,
    offer_id    uuid        NOT NULL REFERENCES credential_offers (id),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- Nonces (c_nonce) a key proof must answer; deleted when used (single use).
CREATE TABLE credential_nonces
(
    nonce       text PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX credential_nonces_expiry ON credential_nonces (expires_at);

-- Every wallet credential issued: which registration, under which of its
-- certificates (a re-issue, a change of name or a deletion supersedes that
-- certificate and so revokes the credential), bound to which wallet key,
-- with its status-list entry.
CREATE TABLE wallet_credentials
(
    id                uuid PRIMARY KEY,
    registration_id   uuid        NOT NULL,
    offer_id          uuid        NOT NULL UNIQUE REFERENCES credential_offers (id),
    configuration_id  text        NOT NULL,
    certificate_id    uuid        NOT NULL,
    holder_key        text        NOT NULL,
    status_index      bigint      NOT NULL,
    status_uri        text        NOT NULL,
    issued_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL
);

CREATE INDEX wallet_credentials_by_registration ON wallet_credentials (registration_id, issued_at DESC);

-- The token signing key is kept encrypted (AES-256-GCM under a key derived
-- from the vault key, its kid as associated data), never as plaintext PEM.
-- A key found in plaintext at start-up (stored by earlier versions, so in
-- every backup since) is retired and its private part erased: a new sealed
-- key signs from then on, and tokens of a retired key are refused.
ALTER TABLE oauth_signing_keys
    ALTER COLUMN private_pem DROP NOT NULL,
    ADD COLUMN nonce      bytea,
    ADD COLUMN sealed_key bytea,
    ADD COLUMN retired_at timestamptz;

-- A key in use is sealed; a plaintext one can only be an old row that the
-- next start retires.
ALTER TABLE oauth_signing_keys ADD CONSTRAINT oauth_signing_keys_sealed_or_old
    CHECK (sealed_key IS NOT NULL AND nonce IS NOT NULL AND private_pem IS NULL
           OR sealed_key IS NULL AND nonce IS NULL);

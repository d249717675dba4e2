-- The My Number vault. Numbers are AES-256-GCM encrypted and found by an HMAC
-- token; events refer to a row by id only. Shredding drops the ciphertext.
CREATE TABLE my_number_vault
(
    id           uuid PRIMARY KEY,
    lookup_token bytea       NOT NULL UNIQUE,
    nonce        bytea       NOT NULL,
    ciphertext   bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    shredded_at  timestamptz
);

-- Every reveal is audited: who, why, when.
CREATE TABLE my_number_reveals
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vault_id    uuid        NOT NULL REFERENCES my_number_vault (id),
    revealed_by text        NOT NULL,
    purpose     text        NOT NULL,
    revealed_at timestamptz NOT NULL DEFAULT now()
);

-- Initial settings made without an identity the provider verified (development
-- only) wait here until the one-time code sent by post to the address on the
-- register is entered. The code is kept only as SHA-256 over the row id and
-- the code; the My Number is already sealed in the vault (my_number_ref).
CREATE TABLE pending_links (
    id uuid PRIMARY KEY,
    registration_id uuid NOT NULL,
    owner text NOT NULL,
    my_number_ref uuid NOT NULL,
    code_hash bytea NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX pending_links_registration ON pending_links (registration_id, created_at);

-- Idempotency keys are scoped to the caller, the method and the path: the same
-- key sent to two registrations' change-request endpoints files two requests.
-- A claim carries a token and a lease: a claim whose request died (a crash, a
-- dropped client) is taken over once the lease is over, and the answer is only
-- recorded by the claim's own token, in the command's transaction.
DELETE FROM idempotency_keys WHERE response_status IS NULL;
ALTER TABLE idempotency_keys
    ADD COLUMN method      text NOT NULL DEFAULT 'POST',
    ADD COLUMN path        text NOT NULL DEFAULT '',
    ADD COLUMN claim_token uuid,
    ADD COLUMN lease_until timestamptz;
ALTER TABLE idempotency_keys ALTER COLUMN method DROP DEFAULT, ALTER COLUMN path DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (principal, method, path, key);

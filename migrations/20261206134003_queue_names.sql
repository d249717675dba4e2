-- Issue 22: the applicant's name in each queue row (staff only; every list
-- that shows names is audited as a read).
--
-- A registration's row keeps the name it was applied with; a change
-- request's row names the registration it concerns. Reads take the current
-- name from the register (after a change of name, the new one) and fall back
-- to the application's while the case is not on the register yet.
ALTER TABLE examiner_queue
    ADD COLUMN registration_id uuid,
    ADD COLUMN family_name     text,
    ADD COLUMN given_name      text;

-- The new columns are derived from events like the rest of the view: empty it
-- and let the subscription replay the stream (what `rebuild-projection` does),
-- in this migration's transaction.
TRUNCATE examiner_queue;
UPDATE subscription_checkpoints
SET last_transaction_id = '0', last_global_position = 0, events_processed = 0,
    updated_at = now(), last_error = NULL, failing_since = NULL
WHERE name = 'examiner_queue';

-- The status-notice pass is woken by a NOTIFY when a status change is
-- recorded, instead of polling every half second in every worker process.
-- Status changes are rare (revocations, suspensions), so a NOTIFY in their
-- transactions does not serialise the busy commits (see migration ..071).
CREATE OR REPLACE FUNCTION record_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    recorded bigint;
BEGIN
    INSERT INTO status_changes (owner_id, from_status, to_status)
    SELECT n.owner_id, o.status, n.status
    FROM changed_new n JOIN changed_old o USING (owner_id)
    WHERE n.status <> o.status;
    GET DIAGNOSTICS recorded = ROW_COUNT;
    IF recorded > 0 THEN
        PERFORM pg_notify('shikaku_status_changes', '');
    END IF;
    RETURN NULL;
END $$;

-- A change whose registration has no recipient yet is put off until
-- `retry_at`, so it no longer holds the changes behind it in the pass.
ALTER TABLE status_changes ADD COLUMN retry_at timestamptz;

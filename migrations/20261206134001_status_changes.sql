-- Telling holders when a certificate or wallet credential of theirs is
-- revoked or suspended: every change of a status-list entry is recorded in
-- the transaction that makes it (a trigger, so no writer can forget it), and
-- the notice pass turns the records into inbox notices and mail jobs in one
-- transaction of its own. A replay that sets an entry to the state it is in
-- changes nothing and records nothing, so a rebuild tells no one again.

-- Whose entry it is: the registration the certificate or credential certifies.
ALTER TABLE status_list_entries ADD COLUMN registration_id uuid;
UPDATE status_list_entries e SET registration_id = s.registration_id
FROM certificate_status s WHERE s.certificate_id = e.owner_id;
UPDATE status_list_entries e SET registration_id = w.registration_id
FROM wallet_credentials w WHERE w.id = e.owner_id;
CREATE INDEX status_list_entries_registration ON status_list_entries (registration_id)
    WHERE registration_id IS NOT NULL;

CREATE TABLE status_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id     uuid        NOT NULL,
    from_status  smallint    NOT NULL,
    to_status    smallint    NOT NULL,
    -- The transaction's start: the changes one event made share it, and
    -- are told in one notice.
    changed_at   timestamptz NOT NULL DEFAULT now(),
    -- When the notice pass handled it (a notice written, or none due).
    told_at      timestamptz
);
CREATE INDEX status_changes_untold ON status_changes (id) WHERE told_at IS NULL;

CREATE FUNCTION record_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO status_changes (owner_id, from_status, to_status)
    SELECT n.owner_id, o.status, n.status
    FROM changed_new n JOIN changed_old o USING (owner_id)
    WHERE n.status <> o.status;
    RETURN NULL;
END $$;

CREATE TRIGGER status_list_entries_changed
    AFTER UPDATE ON status_list_entries
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION record_status_changes();

-- The certificate status view now revokes the wallet credentials that stood
-- on a revoked certificate in the same transaction (one notice, not two):
-- the separate subscription that did it is gone.
DELETE FROM subscription_checkpoints WHERE name = 'wallet_credential_status';

-- Issue 20: every read is accounted for, and each holder can see the reads of
-- their own data.
--
-- A read of a document names it (with the case it was read through).
ALTER TABLE audit_log ADD COLUMN attachment_id uuid;

-- The opaque id a holder sees for each accessor: stable (the same examiner is
-- the same id in every entry), unguessable from the actor's name, and mapped
-- back only by the office. Never edited or deleted, like the log it explains.
CREATE TABLE audit_accessors (
    actor      text        PRIMARY KEY,
    ref        uuid        NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    first_seen timestamptz NOT NULL DEFAULT now()
);

INSERT INTO audit_accessors (actor)
SELECT DISTINCT actor FROM audit_log
ON CONFLICT (actor) DO NOTHING;

CREATE TRIGGER audit_accessors_append_only
    BEFORE UPDATE OR DELETE ON audit_accessors
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_accessors_no_truncate
    BEFORE TRUNCATE ON audit_accessors
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Every record's actor gets its opaque id as the record is written, whoever
-- writes it.
CREATE FUNCTION audit_accessor_known() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_accessors (actor) VALUES (NEW.actor) ON CONFLICT (actor) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_accessor
    AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_accessor_known();

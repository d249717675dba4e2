-- Who read a case's personal particulars, or revealed a My Number, and why.
-- Append-only like the events: nothing edits or deletes a record.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text        NOT NULL,
    role       text        NOT NULL,
    -- READ_REGISTRATION, READ_CHANGE_REQUEST or REVEAL_MY_NUMBER.
    action     text        NOT NULL,
    case_id    uuid,
    vault_id   uuid,
    request_id text,
    purpose    text
);

CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_case ON audit_log (case_id, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'P0001';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

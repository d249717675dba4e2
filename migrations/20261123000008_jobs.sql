-- The job queue (outbox): fed only by subscriptions, inside their batch
-- transaction, so a job exists if and only if the event behind it committed.
CREATE TABLE jobs
(
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL,
    dedupe_key   text        NOT NULL,
    payload      jsonb       NOT NULL,
    state        text        NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
    run_at       timestamptz NOT NULL DEFAULT now(),
    attempts     integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    locked_until timestamptz,
    locked_by    text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, dedupe_key)
);

-- Claiming reads only the jobs that may still run.
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_by_state ON jobs (state, kind, id);

-- Wakes workers; identical notifications of one transaction are folded.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shikaku_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify
    AFTER INSERT OR UPDATE OF state, run_at ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();

-- Issue 21: the development test clock. The application's time is the real
-- time plus this offset (one row, so every process and a restarted one
-- agree); `POST /v1/admin/test-clock` moves it forward in development only,
-- so production's offset stays zero and app_now() is now() there.
CREATE TABLE app_clock
(
    only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    offset_seconds bigint      NOT NULL DEFAULT 0 CHECK (offset_seconds >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO app_clock DEFAULT VALUES;

-- The application's time in SQL: scheduled effects (a suspension lifting, an
-- expiry, a reminder) are due by it. Leases stay on the real clock.
CREATE FUNCTION app_now() RETURNS timestamptz
    LANGUAGE sql STABLE
AS $$
    SELECT now() + make_interval(secs => coalesce((SELECT offset_seconds FROM app_clock), 0))
$$;

-- As in 20261206103702_job_payloads.sql, with one change: a queued job is due
-- by the application's time (read once per claim), not the real time.
CREATE OR REPLACE FUNCTION claim_jobs(wanted text[], worker text, lease_seconds float8, how_many integer)
    RETURNS TABLE (id bigint, kind text, dedupe_key text, payload jsonb,
                   attempts integer, max_attempts integer)
    LANGUAGE plpgsql
    SET enable_bitmapscan = off
    SET enable_sort = off
AS $$
#variable_conflict use_column
DECLARE
    claimed integer;
    due timestamptz := app_now();
BEGIN
    RETURN QUERY
    WITH c AS (
        UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
               locked_until = now() + make_interval(secs => lease_seconds), locked_by = worker,
               updated_at = now()
        FROM (SELECT q.id FROM jobs q
              WHERE q.state = 'queued' AND q.run_at <= due AND q.kind = ANY(wanted)
              ORDER BY q.id LIMIT how_many FOR UPDATE SKIP LOCKED) t
        WHERE j.id = t.id
        RETURNING j.id, j.kind, j.dedupe_key, j.attempts, j.max_attempts)
    SELECT c.id, c.kind, c.dedupe_key, p.payload, c.attempts, c.max_attempts
    FROM c JOIN job_payloads p ON p.id = c.id;
    GET DIAGNOSTICS claimed = ROW_COUNT;
    IF claimed < how_many THEN
        RETURN QUERY
        WITH c AS (
            UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
                   locked_until = now() + make_interval(secs => lease_seconds), locked_by = worker,
                   updated_at = now()
            FROM (SELECT l.id FROM jobs l
                  WHERE l.state = 'running' AND l.locked_until < now() AND l.kind = ANY(wanted)
                  ORDER BY l.locked_until, l.id LIMIT how_many - claimed FOR UPDATE SKIP LOCKED) t
            WHERE j.id = t.id
            RETURNING j.id, j.kind, j.dedupe_key, j.attempts, j.max_attempts)
        SELECT c.id, c.kind, c.dedupe_key, p.payload, c.attempts, c.max_attempts
        FROM c JOIN job_payloads p ON p.id = c.id;
    END IF;
END
$$;

-- Every job changes state twice (claimed, then finished), and neither change
-- can be a HOT update: the state is in the predicates of the claim indexes.
-- Each change therefore wrote a whole new row version and an entry in every
-- index, and the row carried the payload (a rendered mail is a few kB), so
-- every state change copied the mail. The payload now lives in a table of its
-- own, written once with the job and read once by the claim; the row that
-- changes is narrow (about 150 bytes).
--
-- No foreign key: a check on insert would lock the job's row (FOR KEY SHARE)
-- and dirty it once more; both rows are written by one statement.
CREATE TABLE job_payloads
(
    id      bigint PRIMARY KEY,
    payload jsonb NOT NULL
);

INSERT INTO job_payloads (id, payload)
SELECT id, payload FROM jobs;

-- Same claim order and pinned plan as in 20261125000010_claim_jobs.sql; the
-- payloads of the claimed jobs come from their own table.
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
BEGIN
    RETURN QUERY
    WITH c AS (
        UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
               locked_until = now() + make_interval(secs => lease_seconds), locked_by = worker,
               updated_at = now()
        FROM (SELECT q.id FROM jobs q
              WHERE q.state = 'queued' AND q.run_at <= now() AND q.kind = ANY(wanted)
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

ALTER TABLE jobs DROP COLUMN payload;

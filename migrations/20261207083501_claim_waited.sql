-- Issue 25: a claim tells how long the jobs it took had waited.
--
-- The worker yields to interactive requests, but not once its jobs wait
-- longer than a bound (eventstore::pressure::MAX_BEHIND): the wait of the
-- jobs it claims is the signal, the same figure the sustained benchmark
-- holds under a second. `waited` is each job's time past its run_at by the
-- application's clock (the clock that made it due). Same walk, same locks
-- as 20261206223701_job_queue.sql; only the returned columns grew, which a
-- function can change only by being created again.
DROP FUNCTION claim_jobs(text[], text, float8, integer);

CREATE FUNCTION claim_jobs(wanted text[], worker text, lease_seconds float8, how_many integer)
    RETURNS TABLE (id bigint, kind text, dedupe_key text, payload jsonb,
                   attempts integer, max_attempts integer, waited float8)
    LANGUAGE plpgsql
    SET enable_bitmapscan = off
    SET enable_sort = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    due timestamptz := app_now();
BEGIN
    RETURN QUERY
    WITH c AS (
        UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
               locked_until = now() + make_interval(secs => lease_seconds), locked_by = worker,
               updated_at = now()
        FROM (SELECT l.id FROM job_queue q JOIN jobs l ON l.id = q.id + 0
              WHERE NOT q.dead AND q.due_at <= due AND q.kind = ANY(wanted)
                AND (l.state = 'queued' OR (l.state = 'running' AND l.locked_until < now()))
              ORDER BY q.id LIMIT how_many FOR UPDATE OF l SKIP LOCKED) t
        WHERE j.id = t.id
        RETURNING j.id, j.kind, j.dedupe_key, j.attempts, j.max_attempts, j.run_at)
    SELECT c.id, c.kind, c.dedupe_key, p.payload, c.attempts, c.max_attempts,
           greatest(extract(epoch FROM due - c.run_at), 0)::float8
    FROM c JOIN job_payloads p ON p.id = c.id;
END
$$;

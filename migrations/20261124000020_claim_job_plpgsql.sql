-- claim_job as PL/pgSQL: a LANGUAGE sql function that is not inlined is
-- planned again on every call, and planning the claim (0.3-0.7 ms) cost more
-- than running it. PL/pgSQL keeps the plan for the session. Same statement,
-- same pinned plan as in 20261124000010_job_claim.sql.
CREATE OR REPLACE FUNCTION claim_job(wanted text[], worker text, lease_seconds float8)
    RETURNS TABLE (id bigint, kind text, dedupe_key text, payload jsonb,
                   attempts integer, max_attempts integer)
    LANGUAGE plpgsql
    SET enable_bitmapscan = off
    SET enable_sort = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
           locked_until = now() + make_interval(secs => lease_seconds), locked_by = worker,
           updated_at = now()
    WHERE j.id = coalesce(
        (SELECT q.id FROM jobs q
         WHERE q.state = 'queued' AND q.run_at <= now() AND q.kind = ANY(wanted)
         ORDER BY q.id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (SELECT l.id FROM jobs l
         WHERE l.state = 'running' AND l.locked_until < now() AND l.kind = ANY(wanted)
         ORDER BY l.locked_until, l.id LIMIT 1 FOR UPDATE SKIP LOCKED))
    RETURNING j.id, j.kind, j.dedupe_key, j.payload, j.attempts, j.max_attempts;
END
$$;

-- Issue 25: the queue's trigger compares a statement's rows before it looks
-- at job_queue, and joins them by hash.
--
-- claim_jobs turns hash and merge joins off for its walk (SET on the
-- function), and a function's settings hold for the triggers its statements
-- fire: a connection whose first use of the trigger of
-- 20261207103601_job_queue_skips_claims.sql came from a claim kept a plan
-- that joined the rows as they were with the rows as they are by a nested
-- loop (64 x 64 for a claim of 64), and every plan joined job_queue before
-- comparing, so each claim still looked up its rows there (0.75 ms a claim
-- in the bench's cascade, to find that nothing changed). The trigger now
-- looks for rows that differ first, in the two tuplestores alone and with
-- join settings of its own, and updates job_queue only when there are some.
CREATE OR REPLACE FUNCTION job_queue_changed() RETURNS trigger LANGUAGE plpgsql
    SET enable_hashjoin = on
    SET enable_mergejoin = on
    SET enable_sort = on
AS $$
BEGIN
    DELETE FROM job_queue q USING changed c WHERE q.id = c.id AND c.state = 'succeeded';
    IF EXISTS (SELECT FROM changed c JOIN before o ON o.id = c.id
               WHERE c.state <> 'succeeded' AND o.state <> 'succeeded'
                 AND (c.kind, c.state = 'dead', c.run_at)
                     IS DISTINCT FROM (o.kind, o.state = 'dead', o.run_at)) THEN
        UPDATE job_queue q SET kind = c.kind, dead = c.state = 'dead', due_at = c.run_at
        FROM changed c JOIN before o ON o.id = c.id
        WHERE q.id = c.id AND c.state <> 'succeeded' AND o.state <> 'succeeded'
          AND (c.kind, c.state = 'dead', c.run_at)
              IS DISTINCT FROM (o.kind, o.state = 'dead', o.run_at);
    END IF;
    -- A succeeded job queued again (from the CLI or the admin API).
    INSERT INTO job_queue (id, kind, dead, due_at)
    SELECT c.id, c.kind, c.state = 'dead', c.run_at FROM changed c JOIN before o ON o.id = c.id
    WHERE c.state <> 'succeeded' AND o.state = 'succeeded'
      AND NOT EXISTS (SELECT FROM job_queue q WHERE q.id = c.id);
    RETURN NULL;
END
$$;

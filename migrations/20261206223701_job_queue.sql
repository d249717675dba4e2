-- Issue 25: state changes that are HOT updates.
--
-- Every job changes state twice (claimed, then finished) and neither change
-- could be a HOT update: the state and the lease end were predicates or
-- columns of the partial indexes the claims walk (jobs_queued, jobs_leased,
-- jobs_dead), so each change wrote a new row version wherever there was room
-- and an entry into the primary key and the lease index (n_tup_hot_upd was 0
-- of 188,640 updates draining 100,000 jobs).
--
-- Those indexes now live on a narrow table of their own, job_queue: one row
-- per job not done (queued, running or dead), kept by statement triggers on
-- jobs, so every writer (the queue, the CLI, an operator's SQL, a test) keeps
-- it right. A claim walks it and writes nothing to it; a finish deletes the
-- job's row (a mark on the row: no new version, no index entry). jobs keeps
-- only its primary key, so a claim and a finish are HOT updates: the new
-- version goes into the room the fillfactor leaves on the page and no index
-- is written. Measured with pgbench draining 100,000 no-op jobs, 16 a claim:
-- 568 -> 382 bytes of WAL a job, n_tup_hot_upd 0 -> 100% of n_tup_upd.
CREATE TABLE job_queue
(
    id     bigint PRIMARY KEY,
    kind   text        NOT NULL,
    -- Dead jobs wait for a person; they are never claimed.
    dead   boolean     NOT NULL,
    -- The job's run_at: not claimed before it (by the application's time).
    due_at timestamptz NOT NULL
) WITH (fillfactor = 70);
-- Claims walk the jobs that may run in id order; people list the dead ones.
-- A claim does not write this table at all (a job's lease is on its own row,
-- checked by the claim); a retry only moves due_at, which no index holds (a
-- HOT update); only a job dying or coming back changes an indexed column.
CREATE INDEX job_queue_waiting ON job_queue (id) WHERE NOT dead;
CREATE INDEX job_queue_dead ON job_queue (id) WHERE dead;

-- The jobs already there keep their place in the queue.
INSERT INTO job_queue (id, kind, dead, due_at)
SELECT id, kind, state = 'dead', run_at FROM jobs WHERE state <> 'succeeded';

CREATE FUNCTION job_queue_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_queue (id, kind, dead, due_at)
    SELECT a.id, a.kind, a.state = 'dead', a.run_at FROM added a WHERE a.state <> 'succeeded';
    RETURN NULL;
END
$$;

-- One statement per table for all the rows a statement changed: a finished
-- job leaves the queue, any other change is copied, and a row whose queue
-- columns did not change (a claim, a renewed lease) is not written. Plain
-- UPDATE and INSERT, not an upsert: ON CONFLICT locks each row it updates
-- first, one more WAL record a job.
CREATE FUNCTION job_queue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_queue q USING changed c WHERE q.id = c.id AND c.state = 'succeeded';
    UPDATE job_queue q SET kind = c.kind, dead = c.state = 'dead', due_at = c.run_at
    FROM changed c
    WHERE q.id = c.id AND c.state <> 'succeeded'
      AND (q.kind, q.dead, q.due_at) IS DISTINCT FROM (c.kind, c.state = 'dead', c.run_at);
    -- A succeeded job queued again (from the CLI or the admin API).
    INSERT INTO job_queue (id, kind, dead, due_at)
    SELECT c.id, c.kind, c.state = 'dead', c.run_at FROM changed c
    WHERE c.state <> 'succeeded' AND NOT EXISTS (SELECT FROM job_queue q WHERE q.id = c.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION job_queue_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_queue q USING removed r WHERE q.id = r.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_queue_added AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION job_queue_added();
CREATE TRIGGER job_queue_changed AFTER UPDATE ON jobs
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION job_queue_changed();
CREATE TRIGGER job_queue_removed AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION job_queue_removed();

DROP INDEX jobs_queued;
DROP INDEX jobs_leased;
DROP INDEX jobs_dead;

-- Room on each new page for the next versions of its rows (a claim and a
-- finish each write one); pages already full are left as they are (their
-- jobs are nearly all done, and rewriting the table would lock it).
ALTER TABLE jobs SET (fillfactor = 50);

-- The claim of 20261206161901_app_clock.sql found on job_queue, in one walk:
-- the oldest job that may run, queued and due by the application's time, or
-- running with a lease that ran out by the real time (before, all due queued
-- jobs went before any expired lease; now the older job goes first).
-- The job's own row is locked (not the queue's), as a finish locks it first
-- too: a claim taking over an expired lease and the old holder's finish of
-- the same job wait for each other in one order, never deadlock. The state
-- is checked again on the locked row, so a job finished meanwhile is not
-- taken. The join is on `q.id + 0`: with `q.id` the planner may take the
-- order from the primary key of jobs and walk every job ever run (seen:
-- 41,312 rows read for 16 claims); so the order comes from job_queue.
CREATE OR REPLACE FUNCTION claim_jobs(wanted text[], worker text, lease_seconds float8, how_many integer)
    RETURNS TABLE (id bigint, kind text, dedupe_key text, payload jsonb,
                   attempts integer, max_attempts integer)
    LANGUAGE plpgsql
    SET enable_bitmapscan = off
    SET enable_sort = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
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
        RETURNING j.id, j.kind, j.dedupe_key, j.attempts, j.max_attempts)
    SELECT c.id, c.kind, c.dedupe_key, p.payload, c.attempts, c.max_attempts
    FROM c JOIN job_payloads p ON p.id = c.id;
END
$$;

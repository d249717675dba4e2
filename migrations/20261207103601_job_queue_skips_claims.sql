-- Issue 25: a claim or a lease renewal no longer reads job_queue.
--
-- The statement trigger of 20261206223701_job_queue.sql compared every row
-- an UPDATE of jobs changed with its job_queue row, to write only those that
-- differ. A claim and a renewal never differ (they change the state between
-- queued and running, which the queue does not hold), yet each looked up
-- every row it changed: in the bench's cascade 4,902 such statements read
-- 1,030,063 buffers and wrote nothing (0.7 ms a claim, a fifth of it).
-- The trigger now sees the rows as they were too, and compares in memory:
-- only a row that finished, died, came back or moved its run_at or kind
-- touches the queue.
CREATE OR REPLACE FUNCTION job_queue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_queue q USING changed c WHERE q.id = c.id AND c.state = 'succeeded';
    UPDATE job_queue q SET kind = c.kind, dead = c.state = 'dead', due_at = c.run_at
    FROM changed c JOIN before o ON o.id = c.id
    WHERE q.id = c.id AND c.state <> 'succeeded' AND o.state <> 'succeeded'
      AND (c.kind, c.state = 'dead', c.run_at) IS DISTINCT FROM (o.kind, o.state = 'dead', o.run_at);
    -- A succeeded job queued again (from the CLI or the admin API).
    INSERT INTO job_queue (id, kind, dead, due_at)
    SELECT c.id, c.kind, c.state = 'dead', c.run_at FROM changed c JOIN before o ON o.id = c.id
    WHERE c.state <> 'succeeded' AND o.state = 'succeeded'
      AND NOT EXISTS (SELECT FROM job_queue q WHERE q.id = c.id);
    RETURN NULL;
END
$$;

DROP TRIGGER job_queue_changed ON jobs;
CREATE TRIGGER job_queue_changed AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION job_queue_changed();

-- Notifications without storms.
--
-- The jobs trigger fired on every claim (an UPDATE OF state, even one that
-- matched no row), and every notification woke every worker lane into
-- another claim: the workers notified themselves in a loop (3,600 claims for
-- 20 submits). Now only a job that becomes due notifies: a new job, or one
-- queued again.
DROP TRIGGER jobs_notify ON jobs;
CREATE TRIGGER jobs_notify_insert
    AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();
CREATE TRIGGER jobs_notify_requeue
    AFTER UPDATE OF state, run_at ON jobs
    FOR EACH ROW WHEN (NEW.state = 'queued' AND OLD.state IS DISTINCT FROM 'queued')
    EXECUTE FUNCTION jobs_notify();

-- A transaction that notifies takes a cluster-wide lock from its commit
-- until the commit is durable, so every command committed one at a time,
-- each waiting for its own WAL flush. Commands now wake the subscriptions
-- of their own process directly and tell other processes with one coalesced
-- NOTIFY outside any command (see projections/src/wake.rs).
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();

-- The queue counts change only with a case's status: the update trigger now
-- runs per row and only when the status changed, so flag and assignment
-- updates skip it (per statement, with transition tables, it cost three
-- times the update itself, on every event).
DROP TRIGGER examiner_queue_count_update ON examiner_queue;

CREATE FUNCTION examiner_queue_count_status_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO examiner_queue_counts AS c (status, cases)
    VALUES (OLD.status, -1), (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET cases = c.cases + EXCLUDED.cases;
    RETURN NULL;
END
$$;

CREATE TRIGGER examiner_queue_count_update
    AFTER UPDATE OF status ON examiner_queue
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION examiner_queue_count_status_change();

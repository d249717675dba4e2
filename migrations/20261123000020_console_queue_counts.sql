-- Cases per status for the console's queue page, kept by statement triggers on
-- the queue view so the page never counts a million rows. Rebuilding the view
-- (TRUNCATE, then replay) rebuilds the counts with it.

CREATE TABLE examiner_queue_counts
(
    status text PRIMARY KEY,
    cases  bigint NOT NULL DEFAULT 0
);

INSERT INTO examiner_queue_counts (status, cases)
SELECT status, count(*) FROM examiner_queue GROUP BY status;

CREATE FUNCTION examiner_queue_count() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM examiner_queue_counts;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO examiner_queue_counts AS c (status, cases)
        SELECT status, -count(*) FROM old_rows GROUP BY status
        ON CONFLICT (status) DO UPDATE SET cases = c.cases + EXCLUDED.cases;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO examiner_queue_counts AS c (status, cases)
        SELECT status, count(*) FROM new_rows GROUP BY status
        ON CONFLICT (status) DO UPDATE SET cases = c.cases + EXCLUDED.cases;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER examiner_queue_count_insert
    AFTER INSERT ON examiner_queue REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION examiner_queue_count();
CREATE TRIGGER examiner_queue_count_update
    AFTER UPDATE ON examiner_queue REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION examiner_queue_count();
CREATE TRIGGER examiner_queue_count_delete
    AFTER DELETE ON examiner_queue REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION examiner_queue_count();
CREATE TRIGGER examiner_queue_count_truncate
    AFTER TRUNCATE ON examiner_queue
    FOR EACH STATEMENT EXECUTE FUNCTION examiner_queue_count();

-- Issue 25 (found by the soak): the queue's default page, the open cases in
-- due order, walked examiner_queue_due and filtered out the decided cases.
-- Examiners decide the oldest first, so the decided ones gather at the front
-- of the due order and every page passed more of them as the day went on.
-- This index holds the open cases only; views/src/queue/listing.rs repeats
-- its predicate word for word in the query of the default page.
CREATE INDEX examiner_queue_open_due ON examiner_queue (due_at, case_id)
    WHERE status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN', 'DELETED',
                         'SUSPENDED', 'REVOKED', 'EXPIRED')
       OR flags @> '["LINK_DISPUTED"]';

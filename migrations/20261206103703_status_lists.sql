-- Status lists with states (IETF Token Status List, 2 bits per entry:
-- VALID 0, INVALID 1, SUSPENDED 2), shared by certificates and wallet
-- credentials. Positions are drawn at random from lists of at least 131,072
-- entries; a new list opens when one is 80 % full; a position is never reused.

-- One published list. Its URI is the public URL followed by `path`; the
-- first list keeps the path certificates issued before named.
CREATE TABLE status_lists (
    id          integer PRIMARY KEY,
    path        text NOT NULL UNIQUE,
    size        integer NOT NULL CHECK (size >= 131072),
    -- How many positions are taken (kept here so that allocating does not
    -- count the list; the allocator locks this row).
    allocated   integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One allocated position per certificate or credential (`owner_id`), kept
-- for good: the primary key makes a position impossible to hand out twice.
-- `status` is what the list publishes; the certificate status view and the
-- wallet credentials set it.
CREATE TABLE status_list_entries (
    list_id       integer NOT NULL REFERENCES status_lists (id),
    idx           integer NOT NULL CHECK (idx >= 0),
    owner_id      uuid NOT NULL UNIQUE,
    status        smallint NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
    allocated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, idx)
);
-- Building a list reads only the entries that are not VALID.
CREATE INDEX status_list_entries_not_valid ON status_list_entries (list_id, idx)
    WHERE status <> 0;

-- Certificates issued before keep their positions (issue order, 0, 1, 2, ...)
-- in the first list, at the URI they name; their status comes from the view.
INSERT INTO status_lists (id, path, size)
SELECT 1, '/v1/certificate-status-list',
       greatest(131072, (SELECT coalesce(max(status_index) + 1, 0) FROM certificate_status_indexes));
INSERT INTO status_list_entries (list_id, idx, owner_id, status, allocated_at)
SELECT 1, i.status_index, i.certificate_id,
       CASE WHEN s.revoked_at IS NULL THEN 0 ELSE 1 END, i.allocated_at
FROM certificate_status_indexes i
LEFT JOIN certificate_status s USING (certificate_id);
UPDATE status_lists SET allocated = (SELECT count(*) FROM status_list_entries) WHERE id = 1;

-- A position is unique within its list only (the entries say which list).
ALTER TABLE certificate_status DROP CONSTRAINT certificate_status_status_index_key;
DROP INDEX certificate_status_revoked;
DROP TABLE certificate_status_indexes;

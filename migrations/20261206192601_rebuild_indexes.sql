-- Secondary indexes a rebuild dropped, to build again once it has caught up
-- (or when a subscription starts after a rebuild that did not finish).
CREATE TABLE rebuild_set_aside_indexes
(
    index_name text PRIMARY KEY,
    table_name text NOT NULL,
    definition text NOT NULL
);

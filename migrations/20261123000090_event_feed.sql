-- The public event feed ministries read (GET /v1/events) and webhooks carry:
-- one row per public event, derived from the events by the `public_feed`
-- subscription in commit order. The key is the source event's commit-order
-- position (plus an ordinal: one event may yield two public events, e.g. a
-- deletion also revokes the certificate), so cursors survive restarts and
-- rebuilds, and the table only ever grows at its end.
CREATE TABLE feed_events
(
    transaction_id     xid8        NOT NULL,
    global_position    bigint      NOT NULL,
    ordinal            smallint    NOT NULL,
    id                 uuid        NOT NULL UNIQUE,
    event_type         text        NOT NULL,
    occurred_at        timestamptz NOT NULL,
    qualification_code text        NOT NULL,
    registration_id    uuid        NOT NULL,
    registration_number text,
    data               jsonb       NOT NULL,
    PRIMARY KEY (transaction_id, global_position, ordinal)
);

-- A ministry reads its qualifications' events in order.
CREATE INDEX feed_events_by_qualification
    ON feed_events (qualification_code, transaction_id, global_position, ordinal);

-- What the feed needs to know of a registration that its later events do not
-- carry: the qualification, the number once registered, the current certificate.
CREATE TABLE feed_registrations
(
    registration_id     uuid PRIMARY KEY,
    qualification_code  text NOT NULL,
    registration_number text,
    certificate_id      uuid
);

-- Views derived from events by subscriptions; each can be truncated and rebuilt.

CREATE TABLE registration_status
(
    id                  uuid PRIMARY KEY,
    owner               text,
    qualification_code  text        NOT NULL,
    channel             text        NOT NULL,
    status              text        NOT NULL,
    fee_total           bigint      NOT NULL DEFAULT 0,
    paid                boolean     NOT NULL DEFAULT false,
    submitted_at        timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    registration_number text,
    version             bigint      NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX registration_status_owner ON registration_status (owner, submitted_at, id);
CREATE INDEX registration_status_order ON registration_status (submitted_at, id);
CREATE INDEX registration_status_number ON registration_status (registration_number);

CREATE TABLE examiner_queue
(
    case_id            uuid PRIMARY KEY,
    case_type          text        NOT NULL,
    qualification_code text        NOT NULL,
    procedure          text        NOT NULL,
    status             text        NOT NULL,
    submitted_at       timestamptz NOT NULL,
    due_at             timestamptz NOT NULL,
    assigned_to        text,
    flags              jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX examiner_queue_due ON examiner_queue (due_at, case_id);
CREATE INDEX examiner_queue_status_due ON examiner_queue (status, due_at, case_id);
CREATE INDEX examiner_queue_qualification_due ON examiner_queue (qualification_code, due_at, case_id);
CREATE INDEX examiner_queue_assignee_due ON examiner_queue (assigned_to, due_at, case_id);

CREATE TABLE register
(
    qualification_code  text NOT NULL,
    registration_number text NOT NULL,
    registration_id     uuid NOT NULL UNIQUE,
    family_name         text NOT NULL,
    given_name          text NOT NULL,
    registered_on       date NOT NULL,
    status              text NOT NULL,
    PRIMARY KEY (qualification_code, registration_number)
);

-- Registration numbers: one counter per qualification, taken with a row lock.
CREATE TABLE registration_number_counters
(
    qualification_code text PRIMARY KEY REFERENCES qualifications (code),
    last_number        bigint NOT NULL DEFAULT 0
);

-- Idempotency-Key replay store for creating POSTs.
CREATE TABLE idempotency_keys
(
    principal       text        NOT NULL,
    key             text        NOT NULL,
    request_hash    bytea       NOT NULL,
    response_status smallint,
    response_body   bytea,
    response_headers jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);

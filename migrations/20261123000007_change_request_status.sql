-- Change requests for lists: the filer's and the holder's own, examiners' all.
CREATE TABLE change_request_status
(
    id                 uuid PRIMARY KEY,
    registration_id    uuid        NOT NULL,
    filed_by           text        NOT NULL,
    holder             text,
    kind               text        NOT NULL,
    channel            text        NOT NULL,
    qualification_code text        NOT NULL,
    status             text        NOT NULL,
    fee_total          bigint      NOT NULL DEFAULT 0,
    outcome            text,
    submitted_at       timestamptz NOT NULL,
    version            bigint      NOT NULL
);
CREATE INDEX change_request_status_filed_by ON change_request_status (filed_by, submitted_at, id);
CREATE INDEX change_request_status_holder ON change_request_status (holder, submitted_at, id);
CREATE INDEX change_request_status_registration ON change_request_status (registration_id, submitted_at, id);
CREATE INDEX change_request_status_order ON change_request_status (submitted_at, id);

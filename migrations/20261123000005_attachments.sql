-- Uploaded documents. The bytes live in the object store; this row says whose
-- they are and what they are. Unreferenced uploads are cleaned up after a while.
CREATE TABLE attachments
(
    id            uuid PRIMARY KEY,
    uploaded_by   text        NOT NULL,
    content_type  text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    referenced_at timestamptz
);
CREATE INDEX attachments_unreferenced ON attachments (created_at) WHERE referenced_at IS NULL;

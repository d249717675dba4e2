-- Console sessions ended before their expiry: one session (its sid, on
-- sign-out), or every session of an examiner that began before revoked_at
-- (sid NULL, revoked by an administrator). A row matters only while a
-- session it names could still be alive (8 hours); older rows are deleted
-- when new ones are written.
CREATE TABLE console_session_revocations (
    id bigserial PRIMARY KEY,
    sub text NOT NULL,
    sid text,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX console_session_revocations_sub ON console_session_revocations (sub);

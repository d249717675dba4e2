-- The registration-link lockout counts attempts per caller and per target
-- registration (qualification and number as given, whether it exists or not).
-- An attempt is recorded before it is examined and removed when it succeeds,
-- so parallel attempts cannot get past the limit.
ALTER TABLE link_failures
    ADD COLUMN id     bigserial PRIMARY KEY,
    ADD COLUMN target text;
CREATE INDEX link_failures_target ON link_failures (target, failed_at);

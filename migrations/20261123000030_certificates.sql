-- Digital qualification certificates.

-- Published verification keys (public halves only, as JWK). A retired key
-- stays published so the certificates it signed stay verifiable.
CREATE TABLE certificate_keys (
    kid         text PRIMARY KEY,
    jwk         jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- One status-list index per certificate id, allocated once, so a re-run
-- issuing job reuses its index instead of taking another.
CREATE TABLE certificate_status_indexes (
    certificate_id  uuid PRIMARY KEY,
    status_index    bigint GENERATED ALWAYS AS IDENTITY (START WITH 0 MINVALUE 0) UNIQUE,
    allocated_at    timestamptz NOT NULL DEFAULT now()
);

-- The status view, built from registration events by a subscription:
-- CertificateIssued adds a row (and supersedes the registration's older
-- certificates); a re-issue, a change of name or a deletion revokes.
CREATE TABLE certificate_status (
    certificate_id   uuid PRIMARY KEY,
    registration_id  uuid NOT NULL,
    status_index     bigint NOT NULL UNIQUE,
    kid              text NOT NULL,
    issued_at        timestamptz NOT NULL,
    revoked_at       timestamptz
);
CREATE INDEX certificate_status_registration ON certificate_status (registration_id);
CREATE INDEX certificate_status_revoked ON certificate_status (status_index)
    WHERE revoked_at IS NOT NULL;

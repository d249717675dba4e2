-- Failed attempts to link a registration to a My Number, per caller: five
-- within fifteen minutes lock further attempts so the register cannot be enumerated.
CREATE TABLE link_failures
(
    principal text        NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_failures_recent ON link_failures (principal, failed_at);

-- Outgoing webhooks (Standard Webhooks): a ministry's subscriptions and the
-- deliveries of feed events to them, delivered in order per subscription.
CREATE TABLE webhook_subscriptions
(
    id            uuid PRIMARY KEY,
    ministry      text        NOT NULL,
    url           text        NOT NULL,
    event_types   text[]      NOT NULL,
    -- whsec_<base64>: signs the deliveries, so it is kept (shown once to the ministry).
    secret        text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Set at the first failure of a run of failures, cleared by a success.
    failing_since timestamptz,
    disabled_at   timestamptz,
    disabled_reason text
);

CREATE INDEX webhook_subscriptions_by_ministry ON webhook_subscriptions (ministry, created_at);

CREATE TABLE webhook_deliveries
(
    -- The Standard Webhooks message id (header webhook-id), the same on every attempt.
    id               uuid PRIMARY KEY,
    -- Order of delivery within a subscription.
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    subscription_id  uuid        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- NULL for a test message.
    feed_event_id    uuid,
    event_type       text        NOT NULL,
    -- The exact body signed and sent on every attempt.
    body             text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    UNIQUE (subscription_id, feed_event_id)
);

-- The head of a subscription's queue: its oldest undelivered message.
CREATE INDEX webhook_deliveries_pending
    ON webhook_deliveries (subscription_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, seq);

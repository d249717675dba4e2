-- Stripe webhook deliveries, stored by event id before Stripe gets its 2xx:
-- a duplicate delivery finds its row and changes nothing.
CREATE TABLE stripe_inbox
(
    event_id    text PRIMARY KEY,
    event_type  text        NOT NULL,
    payload     jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Checkout sessions not yet paid, expired or abandoned, for reconciliation.
-- Derived from events by the payment_jobs subscription; rebuilt with it.
CREATE TABLE open_checkouts
(
    case_id    text PRIMARY KEY,
    case_type  text        NOT NULL,
    session_id text        NOT NULL,
    opened_at  timestamptz NOT NULL
);
CREATE INDEX open_checkouts_age ON open_checkouts (opened_at);

-- Notifications (issue 10). The inbox and the addressees are a view of the
-- events, built by the `notifications` subscription (rebuildable); deliveries
-- belong to the mail job and survive a rebuild, so nothing is mailed twice.

-- Who hears of each case: from its first event, updated when the holder changes.
CREATE TABLE notification_recipients
(
    case_id             uuid PRIMARY KEY,
    case_type           text    NOT NULL,
    qualification_code  text    NOT NULL,
    procedure           text    NOT NULL,
    -- No address: no mail, the inbox only.
    email               text,
    language            text    NOT NULL,
    -- The subject whose inbox shows the notices (none for paper cases).
    owner               text,
    -- The addressee's name (empty for the notifier of a death).
    family_name         text    NOT NULL DEFAULT '',
    given_name          text    NOT NULL DEFAULT '',
    -- The assessed fee, for the payment request sent with the checkout link.
    fee_total           bigint  NOT NULL DEFAULT 0,
    death               boolean NOT NULL DEFAULT false,
    registration_number text
);

-- Every notice, as mailed: the inbox.
CREATE TABLE notifications
(
    id         uuid PRIMARY KEY,
    message_id text        NOT NULL UNIQUE,
    case_type  text        NOT NULL,
    case_id    uuid        NOT NULL,
    sequence   bigint      NOT NULL,
    kind       text        NOT NULL,
    owner      text,
    email      text,
    language   text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX notifications_inbox ON notifications (owner, created_at DESC, id DESC);

-- Messages the SMTP server accepted (or the outbox holds): written by the mail
-- job after the acceptance, read before sending.
CREATE TABLE notification_deliveries
(
    message_id text PRIMARY KEY,
    transport  text        NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);

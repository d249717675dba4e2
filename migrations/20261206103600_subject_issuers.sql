-- Which issuer a caller's subject (the actor id every event and view
-- records) belongs to: bound at the subject's first authenticated request
-- and never changed by the server, so a subject minted by another issuer
-- (a second identity provider, development tokens, a ministry client id)
-- can never act as the person the first one named.
CREATE TABLE subject_issuers (
    subject text PRIMARY KEY,
    issuer text NOT NULL,
    bound_at timestamptz NOT NULL DEFAULT now()
);

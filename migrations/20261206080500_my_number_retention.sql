-- My Numbers that end (issue 20, findings 4 and 6).
--
-- Shredding removes the ciphertext AND the lookup token, so a shredded row can
-- neither be decrypted nor found again: storing the same number later makes a
-- new row (the unique index ignores NULL tokens).
ALTER TABLE my_number_vault ALTER COLUMN lookup_token DROP NOT NULL;
ALTER TABLE my_number_vault ALTER COLUMN nonce DROP NOT NULL;
-- 1: AES-256-GCM without associated data (rows written before this migration);
-- 2: the row id is the associated data, so a ciphertext copied to another row
-- does not decrypt. Start-up re-encrypts version-1 rows as version 2.
ALTER TABLE my_number_vault ADD COLUMN cipher_version smallint NOT NULL DEFAULT 1;
-- Rows shredded before kept their token: finish shredding them.
UPDATE my_number_vault
SET lookup_token = NULL, nonce = NULL, ciphertext = NULL,
    shredded_at = coalesce(shredded_at, now())
WHERE ciphertext IS NULL OR shredded_at IS NOT NULL;
ALTER TABLE my_number_vault ADD CONSTRAINT my_number_vault_shredded_whole
    CHECK ((shredded_at IS NULL) = (ciphertext IS NOT NULL AND lookup_token IS NOT NULL));

-- Which registrations refer to a vault row, read from the events (the truth):
-- an application's number and a holder's link.
CREATE INDEX events_my_number_ref ON events
    ((coalesce(payload -> 'ApplicationSubmitted' ->> 'my_number_ref',
               payload -> 'HolderLinked' ->> 'my_number_ref')))
    WHERE aggregate_type = 'QualificationRegistration'
      AND event_type IN ('ApplicationSubmitted', 'HolderLinked');

-- Flags an examiner must clear with a reason (MY_NUMBER_*) stay through the
-- register inquiry's updates like payment flags do; `remove` takes one away.
CREATE OR REPLACE FUNCTION payment_flags(flags jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(f), '[]'::jsonb)
    FROM jsonb_array_elements(flags) AS f
    WHERE f #>> '{}' LIKE 'PAYMENT\_%' OR f #>> '{}' LIKE 'MY\_NUMBER\_%'
$$;

CREATE OR REPLACE FUNCTION queue_flags_after(flags jsonb, case_procedure text, updates jsonb)
    RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS
$$
DECLARE
    u jsonb;
BEGIN
    FOR u IN SELECT value FROM jsonb_array_elements(updates) LOOP
        CASE u ->> 'op'
            WHEN 'pending' THEN
                IF case_procedure IN ('NEW_REGISTRATION', 'CHANGE_NAME', 'CHANGE_ADDRESS',
                                      'CHANGE_DOMICILE') THEN
                    flags := payment_flags(flags) || jsonb_build_array(u ->> 'flag');
                END IF;
            WHEN 'add' THEN
                IF NOT flags ? (u ->> 'flag') THEN
                    flags := flags || jsonb_build_array(u ->> 'flag');
                END IF;
            WHEN 'remove' THEN
                flags := flags - (u ->> 'flag');
            WHEN 'answered' THEN
                flags := payment_flags(flags) || (u -> 'flags');
        END CASE;
    END LOOP;
    RETURN flags;
END
$$;

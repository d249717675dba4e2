-- The examiner queue's flags after a batch's flag updates of one case, in
-- order, so that the subscription writes each case once per batch. Each
-- update is {"op": "pending"|"add"|"answered", "flag": text, "flags": [text]}:
--   pending  - the registers are being asked: the payment flags stay and the
--              pending flag replaces the rest, only for procedures whose
--              matters the registers confirm (as `Procedure::asks_registers`);
--   add      - one more flag, unless it is there (a payment problem);
--   answered - the registers answered: their flags replace all but payments.
CREATE FUNCTION queue_flags_after(flags jsonb, case_procedure text, updates jsonb)
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
            WHEN 'answered' THEN
                flags := payment_flags(flags) || (u -> 'flags');
        END CASE;
    END LOOP;
    RETURN flags;
END
$$;

-- The payment flags of a queue row: the register inquiry's pending and
-- answered updates replace only their own flags, never a payment problem.
CREATE FUNCTION payment_flags(flags jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(f), '[]'::jsonb)
    FROM jsonb_array_elements(flags) AS f
    WHERE f #>> '{}' LIKE 'PAYMENT\_%'
$$;

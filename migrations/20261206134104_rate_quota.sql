-- Takes one token from BUCKET like take_rate_token, and also answers the
-- tokens left after it, which the API sends in the IETF RateLimit header:
-- (0, left) when taken, (seconds until one is available, left) when not.
CREATE FUNCTION take_rate_quota(bucket text, per_second float8, burst float8,
                                OUT wait float8, OUT remaining float8)
    LANGUAGE plpgsql
AS $$
DECLARE
    available float8;
BEGIN
    INSERT INTO rate_buckets AS b (key, tokens, at)
    VALUES (bucket, burst, clock_timestamp())
    ON CONFLICT (key) DO UPDATE
        SET tokens = least(burst, b.tokens
                                  + extract(epoch FROM clock_timestamp() - b.at) * per_second),
            at     = clock_timestamp()
    RETURNING tokens INTO available;
    IF available >= 1 THEN
        UPDATE rate_buckets SET tokens = tokens - 1 WHERE key = bucket;
        -- Now and then, forget the buckets idle long enough to be full again.
        IF random() < 0.001 THEN
            DELETE FROM rate_buckets WHERE at < clock_timestamp() - interval '1 hour';
        END IF;
        wait := 0;
        remaining := available - 1;
        RETURN;
    END IF;
    wait := (1 - available) / per_second;
    remaining := available;
END
$$;

-- take_rate_quota replaces it.
DROP FUNCTION take_rate_token(text, float8, float8);

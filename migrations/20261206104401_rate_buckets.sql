-- Token buckets every process shares, so that a ministry client's request
-- rate holds across replicas and restarts (in memory, N replicas allowed N
-- times the rate and a restart forgot it).
CREATE TABLE rate_buckets
(
    key    text PRIMARY KEY,
    tokens float8      NOT NULL,
    at     timestamptz NOT NULL
);

-- Takes one token from BUCKET (created full with BURST tokens, refilled at
-- PER_SECOND): 0 when taken, else the seconds until one is available. One
-- call is one transaction; the row lock orders concurrent takers.
CREATE FUNCTION take_rate_token(bucket text, per_second float8, burst float8)
    RETURNS float8
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
        RETURN 0;
    END IF;
    RETURN (1 - available) / per_second;
END
$$;

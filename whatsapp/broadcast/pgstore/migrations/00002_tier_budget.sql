-- +goose Up
CREATE TABLE broadcast_tier_limits (
    workspace_id    text    NOT NULL,
    phone_number_id text    NOT NULL,
    per_day         integer NOT NULL,
    PRIMARY KEY (workspace_id, phone_number_id)
);

-- when each contact was last counted against the number's tier
CREATE TABLE broadcast_tier_contacts (
    workspace_id    text        NOT NULL,
    phone_number_id text        NOT NULL,
    contact         text        NOT NULL,
    at              timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, phone_number_id, contact)
);

-- newly counted contacts per hour: the window sums 25 hourly buckets, so
-- a contact is counted for at least 24 hours (never fewer)
CREATE TABLE broadcast_tier_hours (
    workspace_id    text        NOT NULL,
    phone_number_id text        NOT NULL,
    hour            timestamptz NOT NULL,
    n               integer     NOT NULL,
    PRIMARY KEY (workspace_id, phone_number_id, hour)
);

-- +goose StatementBegin
CREATE FUNCTION broadcast_tier_admit(p_ws text, p_phone text, p_contact text, p_now timestamptz)
RETURNS timestamptz LANGUAGE plpgsql AS $$
-- NULL: admitted (and counted); otherwise when to try again.
DECLARE
    lim    integer;
    last   timestamptz;
    used   bigint;
    oldest timestamptz;
    hr     timestamptz := date_trunc('hour', p_now);
BEGIN
    SELECT per_day INTO lim FROM broadcast_tier_limits
    WHERE workspace_id = p_ws AND phone_number_id = p_phone;
    IF lim IS NULL OR lim = 0 THEN
        RETURN NULL;
    END IF;
    -- one admission at a time per number, across instances
    PERFORM pg_advisory_xact_lock(hashtextextended('broadcast_tier/' || p_ws || '/' || p_phone, 0));
    SELECT at INTO last FROM broadcast_tier_contacts
    WHERE workspace_id = p_ws AND phone_number_id = p_phone AND contact = p_contact;
    IF last IS NOT NULL AND last > p_now - interval '24 hours' THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(sum(n), 0), min(hour) INTO used, oldest FROM broadcast_tier_hours
    WHERE workspace_id = p_ws AND phone_number_id = p_phone AND hour > hr - interval '25 hours';
    IF used >= lim THEN
        RETURN oldest + interval '25 hours';
    END IF;
    INSERT INTO broadcast_tier_contacts (workspace_id, phone_number_id, contact, at)
    VALUES (p_ws, p_phone, p_contact, p_now)
    ON CONFLICT (workspace_id, phone_number_id, contact) DO UPDATE SET at = EXCLUDED.at;
    INSERT INTO broadcast_tier_hours (workspace_id, phone_number_id, hour, n)
    VALUES (p_ws, p_phone, hr, 1)
    ON CONFLICT (workspace_id, phone_number_id, hour) DO UPDATE SET n = broadcast_tier_hours.n + 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION broadcast_tier_admit(text, text, text, timestamptz);
DROP TABLE broadcast_tier_hours;
DROP TABLE broadcast_tier_contacts;
DROP TABLE broadcast_tier_limits;

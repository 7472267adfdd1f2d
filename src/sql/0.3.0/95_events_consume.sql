-- ========================================================================
-- 0.3.0: events, part 2: consuming them, exactly once for a consumer
-- (issue 16 §3; doc/events.md; the tables and the writing of events are
-- 95_events.sql)
-- ========================================================================

-- consuming events ---------------------------------------------------------

-- the reseller whose events the session may claim: NULL is every reseller
-- (an admin with no tenant named); 42501 for anyone else
CREATE FUNCTION reseller_billing.event_scope(p_what text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    who     text := reseller_billing.acting_role();
    rid     bigint := reseller_billing.current_reseller();
BEGIN
    IF pg_catalog.pg_has_role(who, 'reseller_billing_admin', 'MEMBER') THEN
        RETURN rid;
    END IF;
    IF pg_catalog.pg_has_role(who, 'reseller_billing_reseller', 'MEMBER') AND rid IS NOT NULL THEN
        RETURN rid;
    END IF;
    RAISE EXCEPTION 'role % may not % events', who, p_what
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('The session acts for reseller %s (setting reseller_billing.reseller_id).', coalesce(rid::text, 'none')),
              HINT = 'A reseller application names its reseller (SET LOCAL reseller_billing.reseller_id); the back office may claim every reseller''s events.';
END $$;
COMMENT ON FUNCTION reseller_billing.event_scope(text) IS
    'internal: the reseller whose events the session may claim or acknowledge (NULL: every reseller, for an admin naming none); 42501 otherwise';

CREATE FUNCTION reseller_billing.event_consumer_check(p_consumer text, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_consumer IS NULL THEN
        RAISE EXCEPTION 'to % events, name the consumer', p_what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_consumer !~ '^[a-z][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'event consumer name "%" is not valid', p_consumer
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A consumer name is 1 to 63 characters: a lower-case letter, then lower-case letters, digits, "_", "." or "-"; it has %s characters.', length(p_consumer)),
                  HINT = 'For example ''mailer'' or ''crm.sync''.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.event_consumer_check(text, text) IS
    'internal: refuses a missing (22004) or malformed (22023) consumer name';

-- claim_events_of: the claim itself, of one reseller's events (scope) or of
-- every reseller's (NULL); claim_events checks the arguments and calls it
CREATE FUNCTION reseller_billing.claim_events_of(p_consumer text, p_max int, p_lease interval, scope bigint,
                                                 t timestamptz, who text)
    RETURNS TABLE (event_id bigint, reseller_id bigint, kind text, payload jsonb, occurred_at timestamptz, attempt int)
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH cand AS (
        SELECT e.reseller_id, e.event_id
          FROM reseller_billing.event e
         WHERE (scope IS NULL OR e.reseller_id = scope)
           AND NOT EXISTS (SELECT FROM reseller_billing.event_delivery d
                            WHERE d.reseller_id = e.reseller_id AND (scope IS NULL OR d.reseller_id = scope)
                              AND d.consumer = p_consumer AND d.event_id = e.event_id
                              AND (d.acked_at IS NOT NULL OR d.claimed_until > t))
         ORDER BY e.event_id
         LIMIT p_max
           FOR UPDATE OF e SKIP LOCKED
    ), claimed AS (
        -- the arbiter: a delivery row another session wrote or renewed
        -- since this statement's snapshot is seen here, locked, as it is now
        INSERT INTO reseller_billing.event_delivery AS d
               (reseller_id, consumer, event_id, attempts, claimed_by, claimed_at, claimed_until)
        SELECT c.reseller_id, p_consumer, c.event_id, 1, who, t, t + p_lease FROM cand c
        ON CONFLICT ON CONSTRAINT event_delivery_pkey DO UPDATE
           SET attempts = d.attempts + 1, claimed_by = EXCLUDED.claimed_by,
               claimed_at = EXCLUDED.claimed_at, claimed_until = EXCLUDED.claimed_until
         WHERE d.acked_at IS NULL AND d.claimed_until <= t
        RETURNING d.reseller_id, d.event_id, d.attempts
    )
    SELECT e.event_id, e.reseller_id, e.kind, e.payload, e.occurred_at, c.attempts
      FROM claimed c
      JOIN reseller_billing.event e ON e.reseller_id = c.reseller_id AND e.event_id = c.event_id
                                    AND (scope IS NULL OR e.reseller_id = scope)
     ORDER BY e.event_id;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.claim_events_of(text, int, interval, bigint, timestamptz, text) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.claim_events_of(text, int, interval, bigint, timestamptz, text) IS
    'internal: the claim of claim_events, of one reseller''s events or (NULL) of every reseller''s';

CREATE FUNCTION reseller_billing.claim_events(p_consumer text, p_max int, p_lease interval DEFAULT '00:05:00')
    RETURNS TABLE (event_id bigint, reseller_id bigint, kind text, payload jsonb, occurred_at timestamptz, attempt int)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    scope   bigint;
    t       timestamptz;
    who     text := reseller_billing.acting_role();
    r       bigint;
    n       int;
    got     int := 0;
BEGIN
    PERFORM reseller_billing.event_consumer_check(p_consumer, 'claim');
    IF p_max IS NULL THEN
        RAISE EXCEPTION 'to claim events, give the most to hand out' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_max < 1 OR p_max > 10000 THEN
        RAISE EXCEPTION 'a batch of % events cannot be claimed', p_max
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A batch is 1 to 10000 events; consumer %s asked for %s.', p_consumer, p_max);
    END IF;
    IF p_lease IS NULL THEN
        RAISE EXCEPTION 'to claim events, give the lease' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_lease <= '0'::interval OR p_lease > '1 day'::interval THEN
        RAISE EXCEPTION 'a lease of % cannot be given', p_lease
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A lease is longer than 0 and at most 1 day; consumer %s asked for %s.', p_consumer, p_lease);
    END IF;
    scope := reseller_billing.event_scope('claim');
    t := reseller_billing.event_lease_clock();
    IF scope IS NOT NULL OR NOT reseller_billing.distributed() THEN
        RETURN QUERY SELECT * FROM reseller_billing.claim_events_of(p_consumer, p_max, p_lease, scope, t, who);
        RETURN;
    END IF;
    -- on a Citus cluster a claim locks rows of one shard at a time: the
    -- batch is filled reseller by reseller (in reseller order, each one's
    -- events in order), from the resellers with events left to hand out
    FOR r IN
        SELECT DISTINCT e.reseller_id
          FROM reseller_billing.event e
         WHERE NOT EXISTS (SELECT FROM reseller_billing.event_delivery d
                            WHERE d.reseller_id = e.reseller_id AND d.consumer = p_consumer AND d.event_id = e.event_id
                              AND (d.acked_at IS NOT NULL OR d.claimed_until > t))
         ORDER BY 1
    LOOP
        RETURN QUERY SELECT * FROM reseller_billing.claim_events_of(p_consumer, p_max - got, p_lease, r, t, who);
        GET DIAGNOSTICS n = ROW_COUNT;
        got := got + n;
        EXIT WHEN got >= p_max;
    END LOOP;
END $$;
COMMENT ON FUNCTION reseller_billing.claim_events(text, int, interval) IS
    'hands a consumer up to max events it has not acknowledged and no session of it holds (never two sessions the same event), leased for lease (default 5 minutes); a reseller application claims its own reseller''s events only; see doc/events.md';

CREATE FUNCTION reseller_billing.ack_events(p_consumer text, p_ids bigint[])
    RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    scope   bigint;
    bad     bigint;
    n       int;
    claimed bigint[];
    t       timestamptz;
BEGIN
    PERFORM reseller_billing.event_consumer_check(p_consumer, 'acknowledge');
    IF p_ids IS NULL OR array_position(p_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'to acknowledge events, give their ids'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = CASE WHEN p_ids IS NULL THEN 'The list of ids is NULL.' ELSE 'The list of ids holds a NULL.' END;
    END IF;
    IF cardinality(p_ids) > 10000 THEN
        RAISE EXCEPTION '% events cannot be acknowledged at once', cardinality(p_ids)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('At most 10000 ids; consumer %s gave %s.', p_consumer, cardinality(p_ids));
    END IF;
    scope := reseller_billing.event_scope('acknowledge');
    -- the ids claimed, then the first id given that is not among them (two
    -- statements: each runs on a Citus cluster)
    claimed := ARRAY(SELECT d.event_id FROM reseller_billing.event_delivery d
                      WHERE d.consumer = p_consumer AND d.event_id = ANY (p_ids)
                        AND (scope IS NULL OR d.reseller_id = scope));
    SELECT min(x.id) INTO bad FROM unnest(p_ids) x(id) WHERE NOT (x.id = ANY (claimed));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'event % was not claimed by consumer %', bad, p_consumer
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only the events claim_events handed to this consumer (of the reseller the session acts for) are acknowledged; nothing was acknowledged.',
                  HINT = 'Claim events with claim_events first.';
    END IF;
    t := reseller_billing.event_lease_clock();    -- read first: Citus refuses it in an UPDATE
    UPDATE reseller_billing.event_delivery d SET acked_at = t
     WHERE d.consumer = p_consumer AND d.event_id = ANY (p_ids) AND d.acked_at IS NULL
       AND (scope IS NULL OR d.reseller_id = scope);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.ack_events(text, bigint[]) IS
    'acknowledges events claimed by a consumer: they are never handed to it again; returns how many were acknowledged now (an id acknowledged before counts 0; an id never claimed by the consumer: 55000, nothing acknowledged); see doc/events.md';

REVOKE EXECUTE ON FUNCTION reseller_billing.event_scope(text),
                           reseller_billing.event_consumer_check(text, text),
                           reseller_billing.claim_events(text, int, interval),
                           reseller_billing.ack_events(text, bigint[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.claim_events(text, int, interval),
                          reseller_billing.ack_events(text, bigint[])
    TO reseller_billing_admin, reseller_billing_reseller;

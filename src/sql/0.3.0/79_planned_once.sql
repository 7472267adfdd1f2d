-- ========================================================================
-- 0.3.0: the helpers of the write path with cached plans (issue 13,
-- issue 14 §8)
-- ========================================================================
--
-- Every new Annual tranche and every Flex stretch marks the months already
-- billed from its start on (mark_late_change); every rule that needs the
-- billing day asks program_date; every Annual term writes its tranche with
-- add_tranche.  These were SQL functions with SQL-standard bodies, some
-- calling the next: a SQL function that is not inlined (these have a SET
-- clause, so none is) is planned again on every call, and creating one
-- subscription spent about 0.4 ms there (bench/seats.sh) — most of its cost.
-- PL/pgSQL keeps its plans for the session.  The bodies do what they did; a
-- SQL-standard body that reads tables is also one a Citus worker cannot
-- plan (doc/scaling.md).

-- wait_for_close(program, reseller): a change reaching back into a month
-- waits for a close of the program in progress to commit (the close takes
-- the same advisory lock exclusively).  An advisory lock is the node's own:
-- on a Citus cluster the close runs on the coordinator and the change's
-- trigger on the reseller's worker, so there it also takes a share lock on
-- the reseller's row, which the close of that reseller holds for update
-- (close_chunk): one row, on one node, for both.
-- (the one-argument form of 0.1.0 is dropped in 95_api_arguments.sql, once
-- mark_late_change, which depends on it, no longer calls it)
CREATE FUNCTION reseller_billing.wait_for_close(p_program bigint, p_reseller bigint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('reseller_billing.close'),
                                                    pg_catalog.hashtext(p_program::text));
    IF reseller_billing.distributed() THEN
        PERFORM FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller FOR SHARE;
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.wait_for_close(bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.wait_for_close(bigint, bigint) IS
    'internal: waits until no close of the program (on a Citus cluster: of the reseller) is in progress';

CREATE OR REPLACE FUNCTION reseller_billing.billed_months(p_reseller bigint, p_from reseller_billing.billing_period)
    RETURNS SETOF reseller_billing.billing_period
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT c.period
      FROM reseller_billing.period_close c
      JOIN reseller_billing.reseller r ON r.program_id = c.program_id
     WHERE r.reseller_id = p_reseller AND c.period OPERATOR(reseller_billing.>=) p_from
    UNION
    SELECT i.period
      FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.period OPERATOR(reseller_billing.>=) p_from;
END $$;

-- mark_late_change: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
-- mark_late_change_at: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
CREATE OR REPLACE FUNCTION reseller_billing.program_date(p_reseller bigint, p_at timestamptz) RETURNS date
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN (SELECT (p_at AT TIME ZONE pg.time_zone)::date
              FROM reseller_billing.reseller r
              JOIN reseller_billing.program pg ON pg.program_id = r.program_id
             WHERE r.reseller_id = p_reseller);
END $$;

-- the tranche of an Annual term or of seats added to it (the billing-facts
-- trigger, src/billing_facts.c, and the migration's add_tranche)
CREATE FUNCTION reseller_billing.tranche_add(p_reseller bigint, p_subscription bigint, p_plan reseller_billing.plan_kind,
                                             p_seats integer, p_price reseller_billing.amount, p_term_start date,
                                             p_term_end date, p_starts_on date)
    RETURNS void
    LANGUAGE C SET search_path = pg_catalog, reseller_billing, pg_temp
    AS 'MODULE_PATHNAME', 'rb_tranche_add';
COMMENT ON FUNCTION reseller_billing.tranche_add(bigint, bigint, reseller_billing.plan_kind, integer, reseller_billing.amount, date, date, date) IS
    'internal: writes the commitment tranche of seats committed from a day to the term''s end, at the term''s price, prorated by days (src/tranche.c: every argument given, 22004; dates 1900..8999, 22008; an Annual plan, 1 to 1000000 seats, a price of zero or more and a start within the term, 22023/22003; the subscription existing, P0002)';
REVOKE EXECUTE ON FUNCTION reseller_billing.tranche_add(bigint, bigint, reseller_billing.plan_kind, integer, reseller_billing.amount, date, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.tranche_add(bigint, bigint, reseller_billing.plan_kind, integer, reseller_billing.amount, date, date, date) TO reseller_billing_admin;

CREATE OR REPLACE FUNCTION reseller_billing.add_tranche(s reseller_billing.subscription, p_seats integer, p_starts_on date)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.tranche_add(s.reseller_id, s.subscription_id, s.plan, p_seats, s.partner_price,
                                         s.term_start, s.term_end, p_starts_on);
END $$;

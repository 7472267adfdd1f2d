-- ========================================================================
-- 0.3.0: the subscription rules in C (issue 13)
-- ========================================================================
--
-- The terms a new subscription gets (src/subscription_terms.c), what an
-- update may change — plans, commitments, caps, status
-- (src/commitment.c) — and the history rows (src/subscription_history.c)
-- were PL/pgSQL; the same rules, with the same errors, are C now, replaced
-- in place (the triggers keep their names, conditions and order).  The
-- moment a change takes effect, effective_at(), is C too (src/clock.c), and
-- prepaid_order_check(), which took the row as a composite of the table's
-- type (a shard's row is of another type), is part of the C rules.  The
-- billing facts the close bills from follow (src/billing_facts.c).
-- The rules still run as the extension's owner with a fixed search_path.
-- This section comes after every other of 0.3.0, so that no later
-- CREATE OR REPLACE of the PL/pgSQL versions (85_money_settle.sql rewrote
-- subscription_cancelled's money test) can put them back; pgTAP
-- (100_rules_in_c.sql) checks which functions are C.

CREATE OR REPLACE FUNCTION reseller_billing.effective_at() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'rb_effective_at_fn' LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION reseller_billing.subscription_before_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_before_insert'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
CREATE OR REPLACE FUNCTION reseller_billing.subscription_before_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_before_update'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
CREATE OR REPLACE FUNCTION reseller_billing.subscription_history() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_history'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
-- the rows kept by subscription_history are written once per statement
CREATE FUNCTION reseller_billing.subscription_history_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_history_flush'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.subscription_history_flush() IS
    'trigger (AFTER INSERT OR UPDATE of subscription, per statement): writes the statement''s history rows with one INSERT';
REVOKE EXECUTE ON FUNCTION reseller_billing.subscription_history_flush() FROM PUBLIC;
CREATE TRIGGER subscription_history_flush AFTER INSERT OR UPDATE ON reseller_billing.subscription
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.subscription_history_flush();

DROP FUNCTION reseller_billing.prepaid_order_check(reseller_billing.subscription, text);

-- the billing facts: commitment tranches, Flex stretches, late changes
-- (src/billing_facts.c); a tranche is checked and written by src/tranche.c,
-- which the SQL function tranche_add() (the migration's add_tranche) calls
-- too.  A new subscription's tranche and Flex stretch are checked by the
-- row trigger and written, with the statement's others, by
-- subscription_billing_facts_flush after the statement: one INSERT each.
CREATE OR REPLACE FUNCTION reseller_billing.subscription_billing_facts() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_billing_facts'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
CREATE FUNCTION reseller_billing.subscription_billing_facts_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_billing_facts_flush'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.subscription_billing_facts_flush() IS
    'trigger (AFTER INSERT of subscriptions, each statement): writes the new subscriptions'' tranches and Flex stretches, one INSERT each';
REVOKE EXECUTE ON FUNCTION reseller_billing.subscription_billing_facts_flush() FROM PUBLIC;
CREATE TRIGGER subscription_billing_facts_flush AFTER INSERT ON reseller_billing.subscription
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.subscription_billing_facts_flush();
CREATE OR REPLACE FUNCTION reseller_billing.tranche_late_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_tranche_late_change'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;

-- a cancellation ends the accounts and records the early-termination charge
-- (src/subscription_end.c); the charge is early_termination_fee_of(), the
-- subscription's columns as arguments (a shard's row is of another type),
-- which early_termination_fee() (terminate_early's) calls too
CREATE FUNCTION reseller_billing.early_termination_fee_of(p_reseller bigint, p_subscription bigint, p_term_start date,
                                                          p_term_end date, p_price reseller_billing.amount, p_on date)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    fee     reseller_billing.amount;
BEGIN
    -- every tranche of the current term paid monthly: its total less what its
    -- schedule bills through the month of termination; a prepaid year was
    -- billed whole when it started, so nothing is left to charge
    SELECT reseller_billing.sum(t.total - reseller_billing.annual_installments_through(
               t.total, t.starts_on, t.ends_on, reseller_billing.billing_period(GREATEST(p_on, t.starts_on))))
      INTO fee
      FROM reseller_billing.commitment_tranche t
     WHERE t.reseller_id = p_reseller AND t.subscription_id = p_subscription
       AND t.plan = 'annual_monthly' AND t.term_start = p_term_start AND t.ends_on = p_term_end
       AND (t.last_month IS NULL OR t.last_month >= reseller_billing.billing_period(p_on)) AND p_on < p_term_end;
    RETURN coalesce(fee, reseller_billing.amount(0, reseller_billing.currency(p_price)));
END $$;
COMMENT ON FUNCTION reseller_billing.early_termination_fee_of(bigint, bigint, date, date, reseller_billing.amount, date) IS
    'the installments left of an Annual term (reseller, subscription, term, price) cancelled on a date: every tranche''s total less what it bills through that month';

CREATE OR REPLACE FUNCTION reseller_billing.early_termination_fee(s reseller_billing.subscription, p_on date)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN reseller_billing.early_termination_fee_of(s.reseller_id, s.subscription_id, s.term_start, s.term_end,
                                                     s.partner_price, p_on);
END $$;

CREATE OR REPLACE FUNCTION reseller_billing.subscription_cancelled() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_cancelled'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;

-- what an update of an account may change (src/seat_rules.c)
CREATE OR REPLACE FUNCTION reseller_billing.seat_before_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_before_update'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;

-- the counter and the accounts of a subscription (src/subscription_guard.c)
CREATE OR REPLACE FUNCTION reseller_billing.subscription_counter_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_counter_guard'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
CREATE OR REPLACE FUNCTION reseller_billing.subscription_keep_seats() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_keep_seats'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;

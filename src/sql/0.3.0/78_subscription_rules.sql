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

DROP FUNCTION reseller_billing.prepaid_order_check(reseller_billing.subscription, text);

-- the billing facts: commitment tranches, Flex stretches, late changes
-- (src/billing_facts.c); the tranche itself is written by tranche_add()
-- (section 79), which the migration's add_tranche() calls too
CREATE OR REPLACE FUNCTION reseller_billing.subscription_billing_facts() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_billing_facts'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
CREATE OR REPLACE FUNCTION reseller_billing.tranche_late_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_tranche_late_change'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;

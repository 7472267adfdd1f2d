-- 77_lookups_kept.sql: what the C rules look up, kept for the statement
-- (issue 13).  A statement creating a thousand subscriptions asked for the
-- same reseller's program, time zone and billed months a thousand times;
-- src/late_change.c now keeps each answer for the rest of the statement.
-- An answer is dropped when this session writes a reseller, a program, a
-- closed month or an invoice (billing_facts_changed(), before each such
-- row, and before TRUNCATE) and when a subtransaction aborts.  Another
-- session cannot change a billed month meanwhile: the close of the program
-- waits for the advisory lock the statement holds from its first late
-- change on.

CREATE FUNCTION reseller_billing.billing_facts_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_billing_facts_changed' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.billing_facts_changed() IS
    'trigger (BEFORE each row of reseller, program, period_close, invoice; BEFORE TRUNCATE): the lookups the C rules keep for the statement are stale';
REVOKE EXECUTE ON FUNCTION reseller_billing.billing_facts_changed() FROM PUBLIC;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['reseller', 'program', 'period_close', 'invoice'] LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER billing_facts_changed BEFORE INSERT OR UPDATE OR DELETE ON reseller_billing.%I '
                                  'FOR EACH ROW EXECUTE FUNCTION reseller_billing.billing_facts_changed()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER billing_facts_truncated BEFORE TRUNCATE ON reseller_billing.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.billing_facts_changed()', t);
    END LOOP;
END $$;

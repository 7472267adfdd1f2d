-- ========================================================================
-- 0.3.0: trigger conditions a worker can read back (issue 14 §4)
-- ========================================================================
--
-- Three WHEN clauses compared plan_kind and amount columns with IS DISTINCT
-- FROM: the operator is the extension's and is printed unqualified, so a
-- node that reads the definition back without the extension's schema in its
-- search_path (a Citus worker creating the trigger on a shard) finds no
-- operator.  They compare the columns' text now (the text of an amount or a
-- plan is canonical: equal text, equal value), which needs no operator of
-- the extension.  test/pgtap/030_schema_tables.sql checks that no trigger
-- condition uses an operator of the extension unqualified.

DROP TRIGGER subscription_before_update ON reseller_billing.subscription;
CREATE TRIGGER subscription_before_update BEFORE UPDATE ON reseller_billing.subscription FOR EACH ROW WHEN (((((((((((((((((old.plan)::text IS DISTINCT FROM (new.plan)::text) OR (old.committed_seats IS DISTINCT FROM new.committed_seats)) OR (old.seat_cap IS DISTINCT FROM new.seat_cap)) OR (old.term_start IS DISTINCT FROM new.term_start)) OR (old.term_end IS DISTINCT FROM new.term_end)) OR (old.renewal_setting IS DISTINCT FROM new.renewal_setting)) OR (old.status IS DISTINCT FROM new.status)) OR (old.trial_end IS DISTINCT FROM new.trial_end)) OR ((old.partner_price)::text IS DISTINCT FROM (new.partner_price)::text)) OR (old.cancelled_at IS DISTINCT FROM new.cancelled_at)) OR (old.reseller_id IS DISTINCT FROM new.reseller_id)) OR (old.subscription_id IS DISTINCT FROM new.subscription_id)) OR (old.customer_id IS DISTINCT FROM new.customer_id)) OR (old.sku_id IS DISTINCT FROM new.sku_id)) OR (old.created_at IS DISTINCT FROM new.created_at))) EXECUTE FUNCTION reseller_billing.subscription_before_update();

DROP TRIGGER subscription_billing_facts_update ON reseller_billing.subscription;
CREATE TRIGGER subscription_billing_facts_update AFTER UPDATE ON reseller_billing.subscription FOR EACH ROW WHEN (((((((old.plan)::text IS DISTINCT FROM (new.plan)::text) OR (old.committed_seats IS DISTINCT FROM new.committed_seats)) OR (old.term_start IS DISTINCT FROM new.term_start)) OR (old.status IS DISTINCT FROM new.status)) OR ((old.partner_price)::text IS DISTINCT FROM (new.partner_price)::text))) EXECUTE FUNCTION reseller_billing.subscription_billing_facts();

DROP TRIGGER subscription_history_update ON reseller_billing.subscription;
CREATE TRIGGER subscription_history_update AFTER UPDATE ON reseller_billing.subscription FOR EACH ROW WHEN ((((((((((old.plan)::text IS DISTINCT FROM (new.plan)::text) OR (old.committed_seats IS DISTINCT FROM new.committed_seats)) OR (old.seat_cap IS DISTINCT FROM new.seat_cap)) OR (old.term_start IS DISTINCT FROM new.term_start)) OR (old.term_end IS DISTINCT FROM new.term_end)) OR (old.renewal_setting IS DISTINCT FROM new.renewal_setting)) OR (old.status IS DISTINCT FROM new.status)) OR ((old.partner_price)::text IS DISTINCT FROM (new.partner_price)::text))) EXECUTE FUNCTION reseller_billing.subscription_history();

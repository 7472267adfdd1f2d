-- ========================================================================
-- the audit log's triggers in C, row by row (issue 13; doc/audit.md)
-- ========================================================================
--
-- 0.2.0 audited each table with a generated PL/pgSQL function, run per
-- statement over transition tables.  Now every audited table has two C
-- triggers (src/audit.c): audit_row(table, keys, quiet), AFTER each row,
-- turns the change into the log's values, and audit_flush(table), AFTER each
-- statement, writes them with one INSERT.  No transition table and no row
-- type is named, so the triggers also work on the shards of a distributed
-- table.  The log's rows are the same as before.

CREATE FUNCTION reseller_billing.audit_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_audit_row' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.audit_row() IS
    'trigger (AFTER each row; arguments: table, key columns, quiet columns): keeps the change for the audit log';
CREATE FUNCTION reseller_billing.audit_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_audit_flush' LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.audit_flush() IS
    'trigger (AFTER each statement; argument: table): writes the audit log rows its statement kept';
REVOKE EXECUTE ON FUNCTION reseller_billing.audit_row(), reseller_billing.audit_flush() FROM PUBLIC;

-- audit_attach: audits a table with the two triggers (and TRUNCATE's).
CREATE OR REPLACE FUNCTION reseller_billing.audit_attach(p_table regclass, p_key text[], p_quiet text[] DEFAULT '{}')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    tname   text;
BEGIN
    IF p_key IS NULL OR pg_catalog.cardinality(p_key) = 0 THEN
        RAISE EXCEPTION 'auditing % needs its key columns', p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.relname INTO tname FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_table;
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON %s '
                              'FOR EACH ROW EXECUTE FUNCTION reseller_billing.audit_row(%L, %L, %L)',
                              p_table, tname, pg_catalog.array_to_string(p_key, ','),
                              pg_catalog.array_to_string(coalesce(p_quiet, '{}'), ','));
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_flush AFTER INSERT OR UPDATE OR DELETE ON %s '
                              'FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.audit_flush(%L)', p_table, tname);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s '
                              'FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.audit_truncate()', p_table);
END $$;
COMMENT ON FUNCTION reseller_billing.audit_attach(regclass, text[], text[]) IS
    'internal: audits a table: its audit_row (each row) and audit_flush (each statement) triggers, and TRUNCATE''s';

-- the tables audited by 0.2.0 move to the new triggers, with their keys and
-- quiet columns as 0.2.0 gave them
DO $$
DECLARE
    t   record;
BEGIN
    FOR t IN SELECT x.tab, x.k, x.q
               FROM (VALUES ('reseller_billing.program'::regclass, ARRAY['program_id'], '{}'::text[]),
                            ('reseller_billing.sku', ARRAY['sku_id'], '{}'),
                            ('reseller_billing.price', ARRAY['price_id'], '{}'),
                            ('reseller_billing.reseller', ARRAY['reseller_id'], '{}'),
                            ('reseller_billing.customer', ARRAY['reseller_id', 'customer_id'], '{}'),
                            ('reseller_billing.subscription', ARRAY['reseller_id', 'subscription_id'], '{active_seats}'),
                            ('reseller_billing.seat', ARRAY['reseller_id', 'seat_id'], '{}'),
                            ('reseller_billing.charge', ARRAY['reseller_id', 'charge_id'], '{}'),
                            ('reseller_billing.invoice', ARRAY['reseller_id', 'invoice_id'], '{}'),
                            ('reseller_billing.credit', ARRAY['reseller_id', 'credit_id'], '{}'),
                            ('reseller_billing.credit_note', ARRAY['reseller_id', 'credit_note_id'], '{}'),
                            ('reseller_billing.payment', ARRAY['reseller_id', 'payment_id'], '{}'),
                            ('reseller_billing.migration', ARRAY['reseller_id'], '{}'),
                            ('reseller_billing.us_sales_tax_rate', ARRAY['rate_id'], '{}'),
                            ('reseller_billing.tax_exemption_certificate', ARRAY['reseller_id', 'state', 'certificate_number'], '{}'),
                            ('reseller_billing.licence_order', ARRAY['reseller_id', 'order_id'], '{}'),
                            ('reseller_billing.licence', ARRAY['reseller_id', 'licence_id'], '{}'),
                            ('reseller_billing.order_statement', ARRAY['reseller_id', 'statement_id'], '{}'),
                            ('reseller_billing.late_interest', ARRAY['reseller_id', 'interest_id'], '{}'),
                            ('reseller_billing.channel_partner', ARRAY['reseller_id'], '{}'),
                            ('reseller_billing.provider_partnership', ARRAY['reseller_id'], '{}'),
                            ('reseller_billing.provider_price', ARRAY['reseller_id', 'provider_price_id'], '{}'),
                            ('reseller_billing.channel_invoice', ARRAY['reseller_id', 'channel_invoice_id'], '{}')) AS x(tab, k, q)
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER audit_insert ON %s', t.tab);
        EXECUTE pg_catalog.format('DROP TRIGGER audit_update ON %s', t.tab);
        EXECUTE pg_catalog.format('DROP TRIGGER audit_delete ON %s', t.tab);
        EXECUTE pg_catalog.format('DROP TRIGGER audit_truncate ON %s', t.tab);
        EXECUTE pg_catalog.format('DROP FUNCTION reseller_billing.%I()',
                                  'audit_' || (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) t.tab));
        PERFORM reseller_billing.audit_attach(t.tab, t.k, t.q);
    END LOOP;
END $$;

-- ========================================================================
-- the audit log (issue 7 §3; doc/audit.md)
-- ========================================================================
--
-- Every change to the audited tables is recorded, append-only: who (the
-- role in effect, the session's login role and the tenant setting), when
-- (the transaction's time and id, and the statement's clock), what (table,
-- operation, the row's key, its old and new values as jsonb).  One trigger
-- per table and operation, FOR EACH STATEMENT with transition tables, so a
-- statement of a thousand rows writes its thousand audit rows with one
-- INSERT … SELECT instead of a thousand trigger calls.
--
-- The log is a tenant table: reseller_id is the audited row's reseller, or 0
-- for a shared row (program, SKU, price), so it distributes with the rest.

-- acting_role: the role a change is made by.  Inside a SECURITY DEFINER
-- function (the rules, section 98) current_user is the function's owner;
-- the session's role (SET ROLE, else the login role) is who acted.
CREATE FUNCTION reseller_billing.acting_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN CASE WHEN current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user::text
                ELSE current_setting('role') END;
COMMENT ON FUNCTION reseller_billing.acting_role() IS
    'the role acting in this session: the SET ROLE role, else the login role (current_user would be a SECURITY DEFINER function''s owner)';

-- tables -------------------------------------------------------------------

CREATE TABLE reseller_billing.audit_log (
    reseller_id         bigint NOT NULL,
    audit_id            bigint GENERATED ALWAYS AS IDENTITY,
    logged_at           timestamptz NOT NULL DEFAULT now(),
    statement_at        timestamptz NOT NULL DEFAULT statement_timestamp(),
    xact                xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    role_name           text NOT NULL DEFAULT reseller_billing.acting_role(),
    session_role        text NOT NULL DEFAULT session_user,
    tenant_setting      text DEFAULT nullif(current_setting('reseller_billing.reseller_id', true), ''),
    table_name          text NOT NULL,
    operation           text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    row_key             jsonb,
    old_row             jsonb,
    new_row             jsonb,
    PRIMARY KEY (reseller_id, audit_id)
);
COMMENT ON TABLE reseller_billing.audit_log IS
    'append-only record of every change to the audited tables: who, when, table, key, old and new values (reseller_id 0: a shared row)';

-- functions ----------------------------------------------------------------

-- audit_attach: audits a table.  It writes the table's own trigger function,
-- reseller_billing.audit_<table>(), with the key columns and the table's
-- shape written out (static SQL, planned once per session), and attaches it
-- AFTER INSERT, UPDATE and DELETE FOR EACH STATEMENT with transition tables,
-- plus a TRUNCATE trigger.  An UPDATE that changes nothing but the quiet
-- columns (a counter kept from rows audited themselves) is not logged.
CREATE FUNCTION reseller_billing.audit_attach(p_table regclass, p_key text[], p_quiet text[] DEFAULT '{}')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    tname   text;
    fname   text;
    has_rid bool;
    rid_o   text;
    rid_n   text;
    key_o   text;
    key_n   text;
    join_on text;
    quiet   text := pg_catalog.quote_literal(coalesce(p_quiet, '{}')::text) || '::text[]';
BEGIN
    IF p_key IS NULL OR pg_catalog.cardinality(p_key) = 0 THEN
        RAISE EXCEPTION 'auditing % needs its key columns', p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.relname INTO tname FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_table;
    fname := pg_catalog.format('reseller_billing.%I', 'audit_' || tname);
    has_rid := EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attname OPERATOR(pg_catalog.=) 'reseller_id'
                          AND NOT a.attisdropped);
    rid_o := CASE WHEN has_rid THEN 'o.reseller_id' ELSE '0' END;
    rid_n := CASE WHEN has_rid THEN 'n.reseller_id' ELSE '0' END;
    SELECT pg_catalog.string_agg(pg_catalog.format('%L, o.%I', k, k), ', '),
           pg_catalog.string_agg(pg_catalog.format('%L, n.%I', k, k), ', '),
           pg_catalog.string_agg(pg_catalog.format('o.%I OPERATOR(pg_catalog.=) n.%I', k, k), ' AND ')
      INTO key_o, key_n, join_on
      FROM pg_catalog.unnest(p_key) k;
    EXECUTE pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $b$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;                            -- a restore replays rows already audited
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation, row_key, new_row)
        SELECT %2$s, %3$L, 'INSERT', pg_catalog.jsonb_build_object(%4$s), pg_catalog.to_jsonb(n)
          FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation, row_key, old_row)
        SELECT %5$s, %3$L, 'DELETE', pg_catalog.jsonb_build_object(%6$s), pg_catalog.to_jsonb(o)
          FROM old_rows o;
    ELSE
        INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation, row_key, old_row, new_row)
        SELECT coalesce(%2$s, %5$s), %3$L, 'UPDATE',
               CASE WHEN o IS NULL THEN pg_catalog.jsonb_build_object(%4$s) ELSE pg_catalog.jsonb_build_object(%6$s) END,
               pg_catalog.to_jsonb(o), pg_catalog.to_jsonb(n)
          FROM old_rows o FULL JOIN new_rows n ON %7$s
         WHERE (pg_catalog.to_jsonb(o) OPERATOR(pg_catalog.-) %8$s)
               IS DISTINCT FROM (pg_catalog.to_jsonb(n) OPERATOR(pg_catalog.-) %8$s);
    END IF;
    RETURN NULL;
END $b$;
COMMENT ON FUNCTION %1$s() IS 'trigger: writes one audit_log row per row of %3$s a statement changed';
REVOKE EXECUTE ON FUNCTION %1$s() FROM PUBLIC;
$f$, fname, rid_n, tname, key_n, rid_o, key_o, join_on, quiet);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION %s()', p_table, fname);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION %s()', p_table, fname);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION %s()', p_table, fname);
    EXECUTE pg_catalog.format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s '
                              'FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.audit_truncate()', p_table);
END $$;
COMMENT ON FUNCTION reseller_billing.audit_attach(regclass, text[], text[]) IS
    'internal: audits a table: writes its audit_<table>() trigger function and attaches it per statement (INSERT, UPDATE, DELETE) and for TRUNCATE';
REVOKE EXECUTE ON FUNCTION reseller_billing.audit_attach(regclass, text[], text[]) FROM PUBLIC;

CREATE FUNCTION reseller_billing.audit_truncate() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NOT reseller_billing.restoring() THEN
        INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation)
        VALUES (0, TG_TABLE_NAME, 'TRUNCATE');
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.audit_truncate() IS
    'trigger: records a TRUNCATE of an audited table';

-- audit_log_guard: the log is append-only for everyone but its owner.
CREATE FUNCTION reseller_billing.audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    owner   text := (SELECT c.relowner::regrole::text FROM pg_catalog.pg_class c
                      WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID);
BEGIN
    -- the acting role: this function runs as the owner (section 98)
    IF reseller_billing.acting_role() OPERATOR(pg_catalog.=) owner THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Only %s, the owner of %s, may %s it; the current role is %s.',
                              owner, TG_TABLE_NAME, TG_OP, reseller_billing.acting_role());
END $$;
COMMENT ON FUNCTION reseller_billing.audit_log_guard() IS
    'trigger: UPDATE, DELETE and TRUNCATE of the audit log are refused (42501) to every role but its owner';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON reseller_billing.audit_log
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON reseller_billing.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.audit_log_guard();

-- The audited tables.  Not audited: invoice lines, credit applications and
-- payment allocations (written with their invoice, credit or payment, whose
-- own rows record the change, and immutable once issued), the billing facts
-- and change history kept by triggers (derived from audited rows), and the
-- close's bookkeeping.  A subscription's active-seat counter moves with
-- every account (the seat rows are audited), so a counter-only UPDATE of a
-- subscription is not logged again.
SELECT reseller_billing.audit_attach(t.tab, t.k, t.q)
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
               ('reseller_billing.channel_invoice', ARRAY['reseller_id', 'channel_invoice_id'], '{}')) AS t(tab, k, q);

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.audit_log_audit_id_seq', '');

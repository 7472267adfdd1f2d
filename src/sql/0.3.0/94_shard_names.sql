-- ========================================================================
-- 0.3.0: guards that name their table, not a shard (issue 14; doc/scaling.md)
-- ========================================================================
--
-- These triggers of 0.1.0 and 0.2.0 named their table by TG_TABLE_NAME,
-- which on a Citus shard is "<table>_<shard id>", and migration_guard chose
-- its rule by it (so on a shard it refused migrate_to_postpaid's own
-- completion).  Each now asks table_name(TG_RELID) (03_shards.sql); channel_invoice_guard, which 96_channel_tax.sql re-creates, does the same there;
-- nothing else changes.

CREATE OR REPLACE FUNCTION reseller_billing.audit_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NOT reseller_billing.restoring() THEN
        INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation)
        VALUES (0, reseller_billing.table_name(TG_RELID), 'TRUNCATE');
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reseller_billing.audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    owner   text := (SELECT c.relowner::regrole::text FROM pg_catalog.pg_class c
                      WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID);
BEGIN
    -- the acting role: this function runs as the owner
    IF reseller_billing.acting_role() OPERATOR(pg_catalog.=) owner THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Only %s, the owner of %s, may %s it; the current role is %s.',
                              owner, reseller_billing.table_name(TG_RELID), TG_OP, reseller_billing.acting_role());
END $$;

CREATE OR REPLACE FUNCTION reseller_billing.invoice_line_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       record;
    st      text;
    num     bigint;
    tab     text := reseller_billing.table_name(TG_RELID);
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF reseller_billing.restoring() THEN
        RETURN r;
    END IF;
    SELECT i.status, i.invoice_number INTO st, num FROM reseller_billing.invoice i
     WHERE i.reseller_id = r.reseller_id AND i.invoice_id = r.invoice_id;
    IF st IS DISTINCT FROM 'draft' AND NOT (TG_OP = 'DELETE' AND st IS NULL) THEN
        -- named by its number, as the invoice's own messages do
        RAISE EXCEPTION 'invoice % of reseller % is % and its % rows cannot be changed',
                coalesce(num::text, format('(id %s)', r.invoice_id)), r.reseller_id, st, tab
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('%s of its %s rows was attempted.', TG_OP, tab),
                  HINT = 'Correct an issued invoice with a credit note.';
    END IF;
    RETURN r;
END $$;

CREATE OR REPLACE FUNCTION reseller_billing.migration_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    tab     text := reseller_billing.table_name(TG_RELID);
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND tab = 'migration' THEN
        IF OLD.xact OPERATOR(pg_catalog.=) pg_current_xact_id()
           AND (NEW.reseller_id, NEW.migrated_at, NEW.xact) IS NOT DISTINCT FROM (OLD.reseller_id, OLD.migrated_at, OLD.xact) THEN
            RETURN NEW;                         -- migrate_to_postpaid completing its own row
        END IF;
    END IF;
    RAISE EXCEPTION 'the migration record of reseller % is kept as written', OLD.reseller_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('%s of %s is not allowed.', TG_OP, tab);
END $$;

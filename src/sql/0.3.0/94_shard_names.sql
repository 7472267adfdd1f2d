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

-- invoice_line_guard is C (src/ledger_guard.c, issue 13): the close writes
-- every line of its drafts through it, and the invoice's status is kept for
-- the command
CREATE OR REPLACE FUNCTION reseller_billing.invoice_line_guard() RETURNS trigger
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp
    AS 'MODULE_PATHNAME', 'rb_invoice_line_guard';

-- written_by_this_transaction(xmin): whether a row version was written by
-- this transaction (src/own_write.c).  The migration's guards ask it of the
-- migration row instead of comparing its stored pg_current_xact_id() with
-- the current one: on a worker of a Citus cluster the transaction id is the
-- worker's, the row's xmin too.
CREATE FUNCTION reseller_billing.written_by_this_transaction(xid) RETURNS bool
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'rb_written_by_this_transaction';
COMMENT ON FUNCTION reseller_billing.written_by_this_transaction(xid) IS
    'internal: whether the row version with this xmin was written by the current transaction (or a live subtransaction of it)';

CREATE OR REPLACE FUNCTION reseller_billing.migration_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    tab     text := reseller_billing.table_name(TG_RELID);
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND tab = 'migration' THEN
        IF reseller_billing.written_by_this_transaction(
               (SELECT m.xmin FROM reseller_billing.migration m WHERE m.reseller_id OPERATOR(pg_catalog.=) OLD.reseller_id))
           AND (NEW.reseller_id, NEW.migrated_at, NEW.xact) IS NOT DISTINCT FROM (OLD.reseller_id, OLD.migrated_at, OLD.xact) THEN
            RETURN NEW;                         -- migrate_to_postpaid completing its own row
        END IF;
    END IF;
    RAISE EXCEPTION 'the migration record of reseller % is kept as written', OLD.reseller_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('%s of %s is not allowed.', TG_OP, tab);
END $$;

-- migration_check and the reseller's billing-model guard (92_migration.sql):
-- "the migration row of this transaction" is asked of the row's xmin
CREATE OR REPLACE FUNCTION reseller_billing.migration_check(o reseller_billing.subscription, n reseller_billing.subscription,
                                                 p_today date)
    RETURNS reseller_billing.subscription
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    sub     text := format('subscription %s of reseller %s', n.subscription_id, n.reseller_id);
    days    int;
BEGIN
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m
                     JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) m.reseller_id
                    WHERE m.reseller_id OPERATOR(pg_catalog.=) n.reseller_id
                      AND reseller_billing.written_by_this_transaction(m.xmin)
                      AND r.billing_model = 'prepaid') THEN
        RAISE EXCEPTION '% cannot change plan from % to %', sub, o.plan, n.plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A prepaid order changes plan only when its reseller migrates to post-paid.',
                  HINT = 'Call migrate_to_postpaid.';
    END IF;
    SELECT LEAST(30, pg.trial_days) INTO days
      FROM reseller_billing.reseller r JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
     WHERE r.reseller_id OPERATOR(pg_catalog.=) n.reseller_id;
    IF n.plan OPERATOR(reseller_billing.=) 'annual_monthly'
       AND (n.committed_seats, n.seat_cap, n.term_start, n.term_end, n.renewal_setting, n.status,
            n.trial_end, n.partner_price, n.cancelled_at)
           IS NOT DISTINCT FROM
           (o.committed_seats, o.seat_cap, o.term_start, o.term_end, o.renewal_setting, o.status,
            o.trial_end, o.partner_price, o.cancelled_at) THEN
        RETURN n;                               -- the same commitment, paid monthly
    END IF;
    IF n.plan OPERATOR(reseller_billing.=) 'trial' AND n.status = 'trial'
       AND n.term_start = p_today AND n.trial_end = p_today + days AND n.term_end IS NULL
       AND n.committed_seats IS NULL AND n.seat_cap = o.committed_seats
       AND n.partner_price OPERATOR(reseller_billing.=) reseller_billing.partner_price(n.sku_id, 'trial', n.reseller_id, p_today)
       AND n.renewal_setting = o.renewal_setting AND n.cancelled_at IS NOT DISTINCT FROM o.cancelled_at THEN
        RETURN n;                               -- the final trial, keeping its accounts
    END IF;
    RAISE EXCEPTION '% is migrated to post-paid as the same Annual commitment paid monthly, or as a final trial', sub
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The order is %s, %s seats, term %s at %s; %s was written.', o.plan, o.committed_seats,
                              daterange(o.term_start, o.term_end), o.partner_price, n.plan);
END $$;

CREATE OR REPLACE FUNCTION reseller_billing.reseller_billing_model_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    IF OLD.billing_model = 'postpaid' THEN
        RAISE EXCEPTION 'reseller % is post-paid and cannot go back to %', OLD.reseller_id, NEW.billing_model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The migration to post-paid billing is one-way.';
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m
                    WHERE m.reseller_id OPERATOR(pg_catalog.=) NEW.reseller_id
                      AND reseller_billing.written_by_this_transaction(m.xmin)) THEN
        RAISE EXCEPTION 'reseller % becomes post-paid only by migration', OLD.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its prepaid orders must move to the Annual plan paid monthly with it.',
                  HINT = 'Call migrate_to_postpaid.';
    END IF;
    RETURN NEW;
END $$;

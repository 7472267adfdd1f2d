-- ========================================================================
-- tenant isolation: roles, row-level security, privileges (issue 7 §1, §2;
-- doc/security.md)
-- ========================================================================
--
-- Three roles, created with the extension when missing (roles belong to the
-- cluster, so a second database reuses them):
--
--   reseller_billing_admin      the vendor's back office: programs, closes,
--                               migrations, payments, credits; every row
--   reseller_billing_reseller   an application acting for one reseller,
--                               named per transaction by the setting
--                               reseller_billing.reseller_id; its own rows
--                               (a provider also reads the rows of the
--                               indirect resellers it bills)
--   reseller_billing_customer   an end customer's portal: the setting
--                               reseller_billing.reseller_id and
--                               reseller_billing.customer_id name it; its own
--                               subscriptions, accounts and licences, never a
--                               price, amount or invoice
--
-- An unset setting names nobody and shows no row.  Row-level security is
-- enabled and forced on every table holding tenant data (every table with
-- reseller_id).  The rules of the subscription and billing triggers run with
-- the extension owner's rights (SECURITY DEFINER), so a reseller writes its
-- customers, subscriptions and accounts directly but never the facts derived
-- from them (tranches, history, charges, invoices, the audit log).

-- roles ----------------------------------------------------------------------

DO $$
DECLARE
    r   text;
BEGIN
    FOREACH r IN ARRAY ARRAY['reseller_billing_admin', 'reseller_billing_reseller', 'reseller_billing_customer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

-- who is acting ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.current_reseller() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN nullif(current_setting('reseller_billing.reseller_id', true), '')::bigint;
COMMENT ON FUNCTION reseller_billing.current_reseller() IS
    'the reseller the session acts for (setting reseller_billing.reseller_id, usually SET LOCAL per transaction); NULL when unset';

CREATE FUNCTION reseller_billing.current_customer() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN nullif(current_setting('reseller_billing.customer_id', true), '')::bigint;
COMMENT ON FUNCTION reseller_billing.current_customer() IS
    'the end customer a customer portal acts for (setting reseller_billing.customer_id, with reseller_billing.reseller_id); NULL when unset';

-- provider_resellers: the indirect resellers the current reseller bills as
-- their provider.  SECURITY DEFINER: the partnerships of those resellers are
-- their rows, which the provider may not read directly.
CREATE FUNCTION reseller_billing.provider_resellers() RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT p.reseller_id FROM reseller_billing.provider_partnership p
     WHERE p.provider_id OPERATOR(pg_catalog.=) reseller_billing.current_reseller();
END;
COMMENT ON FUNCTION reseller_billing.provider_resellers() IS
    'the indirect resellers whose provider is the current reseller (what a provider may read of others)';
REVOKE EXECUTE ON FUNCTION reseller_billing.provider_resellers() FROM PUBLIC;

-- assert_acting_for: a function that writes one reseller's rows with the
-- owner's rights first checks that the caller may act for that reseller: a
-- superuser or admin for anyone, a reseller application only for the
-- reseller its setting names.
CREATE FUNCTION reseller_billing.assert_acting_for(p_reseller bigint, p_what text)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    who     text := reseller_billing.acting_role();
BEGIN
    IF pg_catalog.pg_has_role(who, 'reseller_billing_admin', 'MEMBER') THEN
        RETURN;
    END IF;
    IF pg_catalog.pg_has_role(who, 'reseller_billing_reseller', 'MEMBER')
       AND reseller_billing.current_reseller() OPERATOR(pg_catalog.=) p_reseller THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'role % may not % for reseller %', who, p_what, p_reseller
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = pg_catalog.format('The session acts for reseller %s (setting reseller_billing.reseller_id).',
                                         coalesce(reseller_billing.current_reseller()::text, 'none')),
              HINT = 'SET LOCAL reseller_billing.reseller_id to the reseller the application acts for.';
END $$;
COMMENT ON FUNCTION reseller_billing.assert_acting_for(bigint, text) IS
    'internal: 42501 unless the acting role is an admin, or a reseller application whose setting names this reseller';

-- restoring, again: only a superuser *session* replaying a dump skips the
-- rules.  The trigger functions run as the extension owner, so the test
-- looks at the acting role, not at current_user.
CREATE OR REPLACE FUNCTION reseller_billing.restoring() RETURNS bool
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN current_setting('check_function_bodies') = 'off'
       AND coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r
                      WHERE r.rolname OPERATOR(pg_catalog.=) reseller_billing.acting_role()), false);

-- who changed a subscription, and who migrated: the acting role, as in the
-- audit log (the rules write these rows as the owner)
ALTER TABLE reseller_billing.subscription_change ALTER COLUMN changed_by SET DEFAULT reseller_billing.acting_role();
ALTER TABLE reseller_billing.migration ALTER COLUMN migrated_by SET DEFAULT reseller_billing.acting_role();

-- the rules run as the owner ---------------------------------------------------
-- Every trigger function of the extension: the derived tables they write
-- are closed to the tenant roles.  EXECUTE is revoked from PUBLIC (a trigger
-- fires whatever the privilege).
DO $$
DECLARE
    f   regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'reseller_billing'::regnamespace
                AND p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.trigger'::regtype LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SECURITY DEFINER', f);
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- API functions that write other tables than the caller's customers,
-- subscriptions and accounts run as the owner after checking the caller
-- acts for the reseller concerned: each is renamed <name>_unchecked (not
-- executable by PUBLIC) and wrapped.
ALTER FUNCTION reseller_billing.place_order(bigint, jsonb, jsonb, date) RENAME TO place_order_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.place_order_unchecked(bigint, jsonb, jsonb, date) FROM PUBLIC;
CREATE FUNCTION reseller_billing.place_order(p_reseller bigint, p_ship_to jsonb, p_lines jsonb, p_on date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'place an order');
    RETURN reseller_billing.place_order_unchecked(p_reseller, p_ship_to, p_lines, p_on);
END $$;
COMMENT ON FUNCTION reseller_billing.place_order(bigint, jsonb, jsonb, date) IS
    'places a licence order for the reseller (bill-to) and its end customer (ship-to); see doc/orders.md';

ALTER FUNCTION reseller_billing.issue_temporary_licence(bigint, int, date) RENAME TO issue_temporary_licence_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.issue_temporary_licence_unchecked(bigint, int, date) FROM PUBLIC;
CREATE FUNCTION reseller_billing.issue_temporary_licence(p_order bigint, p_days int, p_on date DEFAULT NULL)
    RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.assert_acting_for(
        (SELECT o.reseller_id FROM reseller_billing.licence_order o WHERE o.order_id OPERATOR(pg_catalog.=) p_order),
        'issue a temporary licence');
    RETURN reseller_billing.issue_temporary_licence_unchecked(p_order, p_days, p_on);
END $$;
COMMENT ON FUNCTION reseller_billing.issue_temporary_licence(bigint, int, date) IS
    'issues a time-limited licence for a prepaid order not yet paid; see doc/orders.md';

ALTER FUNCTION reseller_billing.invite_reseller(bigint, bigint) RENAME TO invite_reseller_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.invite_reseller_unchecked(bigint, bigint) FROM PUBLIC;
CREATE FUNCTION reseller_billing.invite_reseller(p_provider bigint, p_reseller bigint)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_provider, 'invite a reseller');
    RETURN reseller_billing.invite_reseller_unchecked(p_provider, p_reseller);
END $$;
COMMENT ON FUNCTION reseller_billing.invite_reseller(bigint, bigint) IS
    'a provider invites an indirect reseller; see doc/channel.md';

ALTER FUNCTION reseller_billing.invite_customer(bigint, bigint) RENAME TO invite_customer_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.invite_customer_unchecked(bigint, bigint) FROM PUBLIC;
CREATE FUNCTION reseller_billing.invite_customer(p_reseller bigint, p_customer bigint)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'invite a customer');
    RETURN reseller_billing.invite_customer_unchecked(p_reseller, p_customer);
END $$;
COMMENT ON FUNCTION reseller_billing.invite_customer(bigint, bigint) IS
    'a reseller invites a customer into its relationship (and its provider''s); see doc/channel.md';

ALTER FUNCTION reseller_billing.accept_invitation(bigint, bigint) RENAME TO accept_invitation_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.accept_invitation_unchecked(bigint, bigint) FROM PUBLIC;
CREATE FUNCTION reseller_billing.accept_invitation(p_reseller bigint, p_invitation bigint)
    RETURNS reseller_billing.channel_invitation
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    SELECT * INTO inv FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id OPERATOR(pg_catalog.=) p_reseller AND i.invitation_id OPERATOR(pg_catalog.=) p_invitation;
    -- a customer accepts its own invitation from its portal
    IF NOT (inv.kind = 'customer'
            AND pg_catalog.pg_has_role(reseller_billing.acting_role(), 'reseller_billing_customer', 'MEMBER')
            AND reseller_billing.current_reseller() OPERATOR(pg_catalog.=) p_reseller
            AND reseller_billing.current_customer() OPERATOR(pg_catalog.=) inv.customer_id) THEN
        PERFORM reseller_billing.assert_acting_for(p_reseller, 'accept an invitation');
    END IF;
    SELECT * INTO inv FROM reseller_billing.accept_invitation_unchecked(p_reseller, p_invitation);
    RETURN inv;
END $$;
COMMENT ON FUNCTION reseller_billing.accept_invitation(bigint, bigint) IS
    'the invited reseller (or, for a customer invitation, the customer) accepts an invitation; see doc/channel.md';

ALTER FUNCTION reseller_billing.revoke_invitation(bigint, bigint, bigint) RENAME TO revoke_invitation_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.revoke_invitation_unchecked(bigint, bigint, bigint) FROM PUBLIC;
CREATE FUNCTION reseller_billing.revoke_invitation(p_actor bigint, p_reseller bigint, p_invitation bigint)
    RETURNS reseller_billing.channel_invitation
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_actor, 'revoke an invitation');
    SELECT * INTO inv FROM reseller_billing.revoke_invitation_unchecked(p_actor, p_reseller, p_invitation);
    RETURN inv;
END $$;
COMMENT ON FUNCTION reseller_billing.revoke_invitation(bigint, bigint, bigint) IS
    'the inviting partner withdraws a pending invitation; see doc/channel.md';

ALTER FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, int, reseller_billing.plan_kind, timestamptz)
    RENAME TO place_subscription_unchecked;
REVOKE EXECUTE ON FUNCTION reseller_billing.place_subscription_unchecked(bigint, bigint, bigint, bigint, int,
                                                                          reseller_billing.plan_kind, timestamptz) FROM PUBLIC;
CREATE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint,
                                                    p_seats int,
                                                    p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly',
                                                    p_at timestamptz DEFAULT now())
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at);
END $$;
COMMENT ON FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, int, reseller_billing.plan_kind, timestamptz) IS
    'a reseller, or its provider on the customer''s behalf, orders a subscription within an accepted relationship; see doc/channel.md';

-- the wrappers run as the owner: only the roles that may act call them (a
-- customer portal accepts its own invitation)
REVOKE EXECUTE ON FUNCTION reseller_billing.place_order(bigint, jsonb, jsonb, date),
                           reseller_billing.issue_temporary_licence(bigint, int, date),
                           reseller_billing.invite_reseller(bigint, bigint),
                           reseller_billing.invite_customer(bigint, bigint),
                           reseller_billing.accept_invitation(bigint, bigint),
                           reseller_billing.revoke_invitation(bigint, bigint, bigint),
                           reseller_billing.place_subscription(bigint, bigint, bigint, bigint, int,
                                                               reseller_billing.plan_kind, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.place_order(bigint, jsonb, jsonb, date),
                          reseller_billing.issue_temporary_licence(bigint, int, date),
                          reseller_billing.invite_reseller(bigint, bigint),
                          reseller_billing.invite_customer(bigint, bigint),
                          reseller_billing.accept_invitation(bigint, bigint),
                          reseller_billing.revoke_invitation(bigint, bigint, bigint),
                          reseller_billing.place_subscription(bigint, bigint, bigint, bigint, int,
                                                              reseller_billing.plan_kind, timestamptz)
    TO reseller_billing_admin, reseller_billing_reseller;
GRANT EXECUTE ON FUNCTION reseller_billing.accept_invitation(bigint, bigint) TO reseller_billing_customer;

-- back-office functions: the admin role only -----------------------------------

DO $$
DECLARE
    f   regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'reseller_billing'::regnamespace
                AND p.proname IN ('close_period', 'close_period_batched', 'close_begin', 'close_step', 'close_finish',
                                  'close_chunk', 'issue_invoices', 'settle_draft', 'allocate_payment', 'channel_close',
                                  'run_due', 'renew_due', 'schedule_month_end', 'migrate_to_postpaid',
                                  'record_payment', 'grant_credit', 'add_charge', 'issue_credit_note', 'void_invoice',
                                  'record_order_payment', 'settle_order_item', 'issue_licence', 'issue_order_licence',
                                  'monthly_statement', 'write_statement', 'statements_due',
                                  'transition_to_indirect', 'cancel_transition', 'complete_transition',
                                  'set_direct_access', 'add_tranche', 'config_dump', 'mark_late_change',
                                  'mark_late_change_at') LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO reseller_billing_admin', f);
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION reseller_billing.provider_resellers() TO reseller_billing_admin, reseller_billing_reseller;

-- privileges -------------------------------------------------------------------

GRANT USAGE ON SCHEMA reseller_billing TO reseller_billing_admin, reseller_billing_reseller, reseller_billing_customer;

-- the admin: everything
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA reseller_billing TO reseller_billing_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA reseller_billing TO reseller_billing_admin;
REVOKE INSERT, UPDATE, DELETE ON reseller_billing.audit_log FROM reseller_billing_admin;

-- a reseller application: reads everything it may see (rows filtered
-- below), writes its customers, subscriptions (not the seat counter) and
-- accounts; everything else through the functions
GRANT SELECT ON ALL TABLES IN SCHEMA reseller_billing TO reseller_billing_reseller;
GRANT INSERT, UPDATE ON reseller_billing.customer, reseller_billing.customer_contact TO reseller_billing_reseller;
GRANT INSERT (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start, term_end,
              trial_end, renewal_setting, status, partner_price)
   ON reseller_billing.subscription TO reseller_billing_reseller;
GRANT UPDATE (plan, committed_seats, seat_cap, renewal_setting, status, cancelled_at, term_start, term_end, trial_end,
              partner_price)
   ON reseller_billing.subscription TO reseller_billing_reseller;
GRANT INSERT (reseller_id, subscription_id, user_name, active_from, active_until),
      UPDATE (active_until)
   ON reseller_billing.seat TO reseller_billing_reseller;
GRANT USAGE ON SEQUENCE reseller_billing.customer_customer_id_seq, reseller_billing.subscription_subscription_id_seq,
                        reseller_billing.seat_seat_id_seq TO reseller_billing_reseller;

-- an end customer: who it is, its subscriptions (no price), accounts and
-- licences, and the names of what it uses; nothing else
GRANT SELECT (reseller_id, customer_id, name, primary_domain, kind, created_at)
   ON reseller_billing.customer TO reseller_billing_customer;
GRANT SELECT (reseller_id, subscription_id, customer_id, sku_id, plan, status, committed_seats, seat_cap, active_seats,
              term_start, term_end, trial_end, renewal_setting, cancelled_at, created_at)
   ON reseller_billing.subscription TO reseller_billing_customer;
GRANT SELECT ON reseller_billing.seat, reseller_billing.licence TO reseller_billing_customer;
GRANT SELECT (sku_id, program_id, code, name, family, unit) ON reseller_billing.sku TO reseller_billing_customer;
GRANT SELECT (program_id, code, name) ON reseller_billing.program TO reseller_billing_customer;
REVOKE SELECT ON reseller_billing.customer_licences FROM PUBLIC;
GRANT SELECT ON reseller_billing.customer_licences TO reseller_billing_customer;

-- row-level security -----------------------------------------------------------
-- Every table of the schema with a reseller_id column holds tenant data:
-- enabled and forced, the admin sees all, a reseller its own rows.
DO $$
DECLARE
    t   regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'reseller_billing'::regnamespace
                AND c.relkind OPERATOR(pg_catalog.=) 'r'
                AND EXISTS (SELECT FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid
                               AND a.attname OPERATOR(pg_catalog.=) 'reseller_id' AND NOT a.attisdropped)
              ORDER BY c.relname LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('CREATE POLICY admin_all ON %s TO reseller_billing_admin USING (true) WITH CHECK (true)', t);
        EXECUTE pg_catalog.format(
            'CREATE POLICY reseller_own ON %s TO reseller_billing_reseller '
            'USING (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())) '
            'WITH CHECK (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller()))', t);
    END LOOP;
END $$;

-- a provider reads what it bills of its indirect resellers: their
-- customers, subscriptions, accounts, billing facts, channel orders and
-- relationships, and the channel invoices it issued to them
DO $$
DECLARE
    t   text;
BEGIN
    FOREACH t IN ARRAY ARRAY['customer', 'subscription', 'seat', 'commitment_tranche', 'flex_term',
                             'subscription_change', 'charge', 'channel_order', 'customer_relationship',
                             'provider_partnership', 'channel_invitation', 'channel_invoice',
                             'channel_invoice_line'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY provider_read ON reseller_billing.%I FOR SELECT TO reseller_billing_reseller '
            'USING (reseller_id IN (SELECT reseller_billing.provider_resellers()))', t);
    END LOOP;
END $$;

-- an end customer: its own row, subscriptions, accounts and licences
CREATE POLICY customer_self ON reseller_billing.customer FOR SELECT TO reseller_billing_customer
    USING (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())
           AND customer_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_customer()));
CREATE POLICY customer_self ON reseller_billing.subscription FOR SELECT TO reseller_billing_customer
    USING (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())
           AND customer_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_customer()));
CREATE POLICY customer_self ON reseller_billing.licence FOR SELECT TO reseller_billing_customer
    USING (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())
           AND customer_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_customer()));
CREATE POLICY customer_self ON reseller_billing.seat FOR SELECT TO reseller_billing_customer
    USING (reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())
           AND subscription_id IN (SELECT s.subscription_id FROM reseller_billing.subscription s
                                    WHERE s.reseller_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_reseller())
                                      AND s.customer_id OPERATOR(pg_catalog.=) (SELECT reseller_billing.current_customer())));

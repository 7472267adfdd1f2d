-- test/citus/race_channel_data.sql — the data of test/citus/race_channel.spec,
-- loaded by test/citus/run.sh into the cluster's database rb_race (the
-- extension distributed) before isolationtester runs the spec.  A CSP
-- program 71 (UTC), SKU 71 Annual USD 240.00 list; provider 71001 with its
-- own customer (2 seats) and its indirect resellers 71002 (10 seats) and
-- 71003 (3 seats); direct reseller 71004 (1 seat); every order from
-- 1 January 2025.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount, settings)
VALUES (71, 'csp_race', 'Isolation on Citus: channel close race', 'USD', 'UTC', 0, '{"csp": true}');
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family)
VALUES (71, 71, 'race_e3', 'Office 365 E3', 'o365');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from)
VALUES (71, 'annual_monthly', 'USD 240.00', '2024-01-01');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, tier, country) VALUES
    (71001, 71, 'Race Distribution', 'indirect_provider', 'US'),
    (71002, 71, 'Race Reseller One', 'indirect_reseller', 'US'),
    (71003, 71, 'Race Reseller Two', 'indirect_reseller', 'US'),
    (71004, 71, 'Race Direct', 'direct', 'US');
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name) VALUES
    (71001, 71201, 'Provider Customer'), (71002, 71202, 'Customer One'),
    (71003, 71203, 'Customer Two'), (71004, 71204, 'Direct Customer');
INSERT INTO reseller_billing.provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (71001, 71, 'annual_monthly', 'USD 264.00', '2025-01-01');
SELECT reseller_billing.accept_invitation(71002, reseller_billing.invite_reseller(71001, 71002)) \g /dev/null
SELECT reseller_billing.accept_invitation(71003, reseller_billing.invite_reseller(71001, 71003)) \g /dev/null
SELECT reseller_billing.accept_invitation(71001, reseller_billing.invite_customer(71001, 71201)) \g /dev/null
SELECT reseller_billing.accept_invitation(71002, reseller_billing.invite_customer(71002, 71202)) \g /dev/null
SELECT reseller_billing.accept_invitation(71003, reseller_billing.invite_customer(71003, 71203)) \g /dev/null
SELECT reseller_billing.accept_invitation(71004, reseller_billing.invite_customer(71004, 71204)) \g /dev/null
SELECT reseller_billing.place_subscription(71001, 71001, 71201, 71, 2, 'annual_monthly', '2025-01-01 00:00+00') \g /dev/null
SELECT reseller_billing.place_subscription(71001, 71002, 71202, 71, 10, 'annual_monthly', '2025-01-01 00:00+00') \g /dev/null
SELECT reseller_billing.place_subscription(71003, 71003, 71203, 71, 3, 'annual_monthly', '2025-01-01 00:00+00') \g /dev/null
SELECT reseller_billing.place_subscription(71004, 71004, 71204, 71, 1, 'annual_monthly', '2025-01-01 00:00+00') \g /dev/null
-- a close's result, or the SQLSTATE it failed with (its message would name
-- a shard): the spec's steps call it
CREATE FUNCTION public.attempt(p_sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
    EXECUTE p_sql INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'failed with ' || SQLSTATE;
END $f$;

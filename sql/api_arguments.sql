SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
--
-- api_arguments: every API function refuses a bad argument with its own
-- error before any change (issue 15 §6; doc/reference.md "Argument
-- errors").  Each case calls one function with one bad argument, the
-- others good, and shows the SQLSTATE, message and detail; the state of the
-- reseller's rows is the same before and after all of them.  Everything
-- runs in one transaction that is rolled back: a later file sees none of
-- it.  Ids: program, SKUs, reseller, customer, subscriptions 15601...; an
-- id that does not exist is 15699 or 99999999.
--
BEGIN;
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (15601, 'api_args', 'API arguments (tests)', 'USD', 0.20, 'UTC', 30,
        '{"payment_methods": ["bank_transfer", "cheque"], "late_interest_rate": 0.12, "prepaid_first_orders": 0,
          "temporary_licence_max_days": 30}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES
    (15601, 15601, 'API-APPS', 'Apps', 'apps', 'seat'), (15602, 15601, 'API-LIC', 'Licence', 'lic', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (15601, 'annual_monthly', 'USD 50', '2012-01-01'), (15601, 'flexible', 'USD 60', '2012-01-01'),
    (15602, 'annual_prepaid', 'USD 100', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES (15601, 15601, 'Argument Resale', 'US', 'CA');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (15601, 15601, 'Acme');
SET LOCAL reseller_billing.effective_at = '2012-03-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (15601, 15601, 15601, 15601, 'annual_monthly', 10, '2012-03-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (15601, 15602, 15601, 15601, 'flexible', 5);
SET LOCAL reseller_billing.effective_at = '';
-- a payment with USD 5.00 unapplied (no invoice to pay); no order is placed
-- (orders.sql shows the orders' numbers)
SELECT record_payment(15601, 'USD 5', 'bank_transfer', '2012-03-20', 'API-PAY-1') AS pay \gset

CREATE TEMP VIEW state AS
SELECT (SELECT count(*) FROM charge WHERE reseller_id = 15601) AS charges,
       (SELECT count(*) FROM credit WHERE reseller_id = 15601) AS credits,
       (SELECT string_agg(format('%s %s', reference, unapplied), '; ') FROM payment WHERE reseller_id = 15601) AS payments,
       (SELECT count(*) FROM payment_allocation WHERE reseller_id = 15601) AS allocations,
       (SELECT count(*) FROM commitment_tranche WHERE reseller_id = 15601) AS tranches,
       (SELECT count(*) FROM late_change WHERE reseller_id = 15601) AS late_changes,
       (SELECT string_agg(format('%s: %s %s seats, cap %s, %s, %s', subscription_id, plan, committed_seats, seat_cap,
                                 status, renewal_setting), '; ' ORDER BY subscription_id)
          FROM subscription WHERE reseller_id = 15601) AS subscriptions,
       (SELECT count(*) FROM seat WHERE reseller_id = 15601) AS accounts,
       (SELECT count(*) FROM subscription_change WHERE reseller_id = 15601) AS history,
       (SELECT count(*) FROM licence WHERE reseller_id = 15601) AS licences,
       (SELECT count(*) FROM customer WHERE reseller_id = 15601) AS customers,
       (SELECT count(*) FROM run_log) AS runs,
       (SELECT count(*) FROM tenant_login) AS logins;
\x on
SELECT charges, credits, payments, allocations, tranches, late_changes, subscriptions, accounts, history, licences,
       customers FROM state;
\x off
CREATE TEMP TABLE state_before AS SELECT * FROM state;

CREATE TEMP TABLE api_case (n serial, fn text, arg text, bad text, call text);
INSERT INTO api_case (fn, arg, bad, call) VALUES
-- the subscription functions (doc/subscriptions.md)
('add_seats', 'p_reseller', 'NULL', $$SELECT add_seats(NULL, 15601, 1, '2012-03-15')$$),
('add_seats', 'p_reseller', '99999999', $$SELECT add_seats(99999999, 15601, 1, '2012-03-15')$$),
('add_seats', 'p_subscription', 'NULL', $$SELECT add_seats(15601, NULL, 1, '2012-03-15')$$),
('add_seats', 'p_subscription', '15699', $$SELECT add_seats(15601, 15699, 1, '2012-03-15')$$),
('add_seats', 'p_seats', 'NULL', $$SELECT add_seats(15601, 15601, NULL, '2012-03-15')$$),
('add_seats', 'p_seats', '0', $$SELECT add_seats(15601, 15601, 0, '2012-03-15')$$),
('add_seats', 'p_seats', '-1', $$SELECT add_seats(15601, 15601, -1, '2012-03-15')$$),
('add_seats', 'p_seats', '2147483647', $$SELECT add_seats(15601, 15601, 2147483647, '2012-03-15')$$),
('add_seats', 'p_at', 'NULL', $$SELECT add_seats(15601, 15601, 1, NULL)$$),
('add_seats', 'p_at', 'infinity', $$SELECT add_seats(15601, 15601, 1, 'infinity')$$),
('add_seats', 'p_at', '1899-12-31', $$SELECT add_seats(15601, 15601, 1, '1899-12-31 00:00+00')$$),
('set_seat_cap', 'p_subscription', 'NULL', $$SELECT set_seat_cap(15601, NULL, 4, '2012-03-15')$$),
('set_seat_cap', 'p_cap', 'NULL', $$SELECT set_seat_cap(15601, 15602, NULL, '2012-03-15')$$),
('set_seat_cap', 'p_cap', '-1', $$SELECT set_seat_cap(15601, 15602, -1, '2012-03-15')$$),
('set_seat_cap', 'p_cap', '1000001', $$SELECT set_seat_cap(15601, 15602, 1000001, '2012-03-15')$$),
('set_seat_cap', 'p_at', 'NULL', $$SELECT set_seat_cap(15601, 15602, 4, NULL)$$),
('set_seat_cap', 'p_at', '1899-12-31', $$SELECT set_seat_cap(15601, 15602, 4, '1899-12-31 00:00+00')$$),
('set_seat_cap', 'p_at', '9000-01-01', $$SELECT set_seat_cap(15601, 15602, 4, '9000-01-01 00:00+00')$$),
('change_plan', 'p_subscription', 'NULL', $$SELECT change_plan(15601, NULL, 'annual_monthly', 5, '2012-03-15')$$),
('change_plan', 'p_plan', 'NULL', $$SELECT change_plan(15601, 15602, NULL, 5, '2012-03-15')$$),
('change_plan', 'p_seats', '0', $$SELECT change_plan(15601, 15602, 'annual_monthly', 0, '2012-03-15')$$),
('change_plan', 'p_seats', '2147483647', $$SELECT change_plan(15601, 15602, 'annual_monthly', 2147483647, '2012-03-15')$$),
('change_plan', 'p_at', '1899-12-31', $$SELECT change_plan(15601, 15602, 'annual_monthly', 5, '1899-12-31 00:00+00')$$),
('set_renewal', 'p_subscription', 'NULL', $$SELECT set_renewal(15601, NULL, 'cancel', '2012-03-15')$$),
('set_renewal', 'p_setting', 'NULL', $$SELECT set_renewal(15601, 15601, NULL, '2012-03-15')$$),
('set_renewal', 'p_setting', 'bogus', $$SELECT set_renewal(15601, 15601, 'bogus', '2012-03-15')$$),
('set_renewal', 'p_setting', '100000 characters', $$SELECT set_renewal(15601, 15601, repeat('x', 100000), '2012-03-15')$$),
('set_renewal', 'p_at', '1899-12-31', $$SELECT set_renewal(15601, 15601, 'cancel', '1899-12-31 00:00+00')$$),
('end_seats', 'p_subscription', 'NULL', $$SELECT end_seats(15601, NULL, '2012-03-15')$$),
('end_seats', 'p_subscription', '15699', $$SELECT end_seats(15601, 15699, '2012-03-15')$$),
('end_seats', 'p_reseller', '99999999', $$SELECT end_seats(99999999, 15601, '2012-03-15')$$),
('end_seats', 'p_at', 'infinity', $$SELECT end_seats(15601, 15601, 'infinity')$$),
('end_seats', 'p_at', '1899-12-31', $$SELECT end_seats(15601, 15601, '1899-12-31 00:00+00')$$),
('cancel_subscription', 'p_subscription', 'NULL', $$SELECT cancel_subscription(15601, NULL, '2012-03-15')$$),
('cancel_subscription', 'p_at', 'NULL', $$SELECT cancel_subscription(15601, 15602, NULL)$$),
('cancel_subscription', 'p_at', '1899-12-31', $$SELECT cancel_subscription(15601, 15602, '1899-12-31 00:00+00')$$),
('terminate_early', 'p_subscription', 'NULL', $$SELECT terminate_early(15601, NULL, '2012-03-15')$$),
('terminate_early', 'p_at', '1899-12-31', $$SELECT terminate_early(15601, 15601, '1899-12-31 00:00+00')$$),
('terminate_early', 'p_reason', '1001 characters', $$SELECT terminate_early(15601, 15601, '2012-03-15', repeat('x', 1001))$$),
('suspend', 'p_subscription', 'NULL', $$SELECT suspend(15601, NULL, 'unpaid', '2012-03-15')$$),
('suspend', 'p_reason', '1001 characters', $$SELECT suspend(15601, 15601, repeat('x', 1001), '2012-03-15')$$),
('suspend', 'p_at', '1899-12-31', $$SELECT suspend(15601, 15601, 'unpaid', '1899-12-31 00:00+00')$$),
('reactivate', 'p_subscription', 'NULL', $$SELECT reactivate(15601, NULL, '2012-03-15')$$),
-- invoicing (doc/invoicing.md)
('add_charge', 'p_reseller', 'NULL', $$SELECT add_charge(NULL, 15601, 'setup', 'USD 10', '2012-03-15')$$),
('add_charge', 'p_reseller', '99999999', $$SELECT add_charge(99999999, 15601, 'setup', 'USD 10', '2012-03-15')$$),
('add_charge', 'p_customer', 'NULL', $$SELECT add_charge(15601, NULL, 'setup', 'USD 10', '2012-03-15')$$),
('add_charge', 'p_customer', '15699', $$SELECT add_charge(15601, 15699, 'setup', 'USD 10', '2012-03-15')$$),
('add_charge', 'p_description', '''''', $$SELECT add_charge(15601, 15601, '', 'USD 10', '2012-03-15')$$),
('add_charge', 'p_description', '1001 characters', $$SELECT add_charge(15601, 15601, repeat('x', 1001), 'USD 10', '2012-03-15')$$),
('add_charge', 'p_amount', 'NULL', $$SELECT add_charge(15601, 15601, 'setup', NULL, '2012-03-15')$$),
('add_charge', 'p_amount', 'USD 0', $$SELECT add_charge(15601, 15601, 'setup', 'USD 0', '2012-03-15')$$),
('add_charge', 'p_amount', 'USD -1', $$SELECT add_charge(15601, 15601, 'setup', 'USD -1', '2012-03-15')$$),
('add_charge', 'p_amount', 'EUR 10', $$SELECT add_charge(15601, 15601, 'setup', 'EUR 10', '2012-03-15')$$),
('add_charge', 'p_on', 'NULL', $$SELECT add_charge(15601, 15601, 'setup', 'USD 10', NULL)$$),
('add_charge', 'p_on', 'infinity', $$SELECT add_charge(15601, 15601, 'setup', 'USD 10', 'infinity')$$),
('add_charge', 'p_on', '1899-12-31', $$SELECT add_charge(15601, 15601, 'setup', 'USD 10', '1899-12-31')$$),
('grant_credit', 'p_reseller', 'NULL', $$SELECT grant_credit(NULL, 'USD 10', 'goodwill')$$),
('grant_credit', 'p_reseller', '99999999', $$SELECT grant_credit(99999999, 'USD 10', 'goodwill')$$),
('grant_credit', 'p_amount', 'NULL', $$SELECT grant_credit(15601, NULL, 'goodwill')$$),
('grant_credit', 'p_amount', 'USD 0', $$SELECT grant_credit(15601, 'USD 0', 'goodwill')$$),
('grant_credit', 'p_amount', 'EUR 10', $$SELECT grant_credit(15601, 'EUR 10', 'goodwill')$$),
('grant_credit', 'p_reason', '1001 characters', $$SELECT grant_credit(15601, 'USD 10', repeat('x', 1001))$$),
('grant_credit', 'p_eligibility', '[]', $$SELECT grant_credit(15601, 'USD 10', 'goodwill', '[]')$$),
('record_payment', 'p_reseller', 'NULL', $$SELECT record_payment(NULL, 'USD 10', 'bank_transfer', '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_reseller', '99999999', $$SELECT record_payment(99999999, 'USD 10', 'bank_transfer', '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_amount', 'USD -1', $$SELECT record_payment(15601, 'USD -1', 'bank_transfer', '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_amount', 'EUR 10', $$SELECT record_payment(15601, 'EUR 10', 'bank_transfer', '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_method', 'NULL', $$SELECT record_payment(15601, 'USD 10', NULL, '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_method', 'card', $$SELECT record_payment(15601, 'USD 10', 'card', '2012-03-15', 'API-PAY-2')$$),
('record_payment', 'p_received_on', 'NULL', $$SELECT record_payment(15601, 'USD 10', 'bank_transfer', NULL, 'API-PAY-2')$$),
('record_payment', 'p_received_on', 'infinity', $$SELECT record_payment(15601, 'USD 10', 'bank_transfer', 'infinity', 'API-PAY-2')$$),
('record_payment', 'p_received_on', '1899-12-31', $$SELECT record_payment(15601, 'USD 10', 'bank_transfer', '1899-12-31', 'API-PAY-2')$$),
('record_payment', 'p_reference', '''''', $$SELECT record_payment(15601, 'USD 10', 'bank_transfer', '2012-03-15', '')$$),
('record_payment', 'p_reference', '1001 characters', $$SELECT record_payment(15601, 'USD 10', 'bank_transfer', '2012-03-15', repeat('x', 1001))$$),
('allocate_payment', 'p_reseller', 'NULL', $$SELECT allocate_payment(NULL, :pay, 15699, 'USD 1')$$),
('allocate_payment', 'p_payment', 'NULL', $$SELECT allocate_payment(15601, NULL, 15699, 'USD 1')$$),
('allocate_payment', 'p_payment', '15699', $$SELECT allocate_payment(15601, 15699, 15699, 'USD 1')$$),
('allocate_payment', 'p_invoice', 'NULL', $$SELECT allocate_payment(15601, :pay, NULL, 'USD 1')$$),
('allocate_payment', 'p_invoice', '15699', $$SELECT allocate_payment(15601, :pay, 15699, 'USD 1')$$),
('allocate_payment', 'p_amount', 'NULL', $$SELECT allocate_payment(15601, :pay, 15699, NULL)$$),
('allocate_payment', 'p_amount', 'USD 0', $$SELECT allocate_payment(15601, :pay, 15699, 'USD 0')$$),
('allocate_payment', 'p_amount', 'USD -1', $$SELECT allocate_payment(15601, :pay, 15699, 'USD -1')$$),
('allocate_payment', 'p_amount', 'EUR 1', $$SELECT allocate_payment(15601, :pay, 15699, 'EUR 1')$$),
('allocate_payment', 'p_amount', 'USD 6 (5 left)', $$SELECT allocate_payment(15601, :pay, 15699, 'USD 6')$$),
('void_invoice', 'p_invoice', 'NULL', $$SELECT void_invoice(15601, NULL, 'wrong')$$),
('void_invoice', 'p_invoice', '15699', $$SELECT void_invoice(15601, 15699, 'wrong')$$),
('issue_credit_note', 'p_invoice', '15699', $$SELECT issue_credit_note(15601, 15699, 'USD 1', 'wrong')$$),
('preview_invoice', 'p_reseller', 'NULL', $$SELECT count(*) FROM preview_invoice(NULL, '2012-03')$$),
('preview_invoice', 'p_period', 'NULL', $$SELECT count(*) FROM preview_invoice(15601, NULL)$$),
('close_period', 'p_period', 'NULL', $$SELECT close_period(NULL, 15601)$$),
('close_period', 'p_program', '99999999', $$SELECT close_period('2012-03', 99999999)$$),
('close_period', 'p_reseller', 'NULL', $$SELECT close_period('2012-03', 15601, NULL)$$),
('close_period', 'p_reseller', '99999999', $$SELECT close_period('2012-03', 15601, 99999999)$$),
('close_period_batched', 'p_batch', '0', $$CALL close_period_batched('2012-03', 15601, 0)$$),
('run_due', 'p_at', 'NULL', $$CALL run_due(NULL)$$),
('run_due', 'p_at', 'infinity', $$CALL run_due('infinity')$$),
('renew_due', 'p_at', 'NULL', $$SELECT renew_due(NULL)$$),
('renew_due', 'p_at', 'infinity', $$SELECT renew_due('infinity')$$),
('mark_late_change', 'p_reseller', 'NULL', $$SELECT mark_late_change(NULL, 15601, '2012-03')$$),
('mark_late_change', 'p_subscription', 'NULL', $$SELECT mark_late_change(15601, NULL, '2012-03')$$),
('mark_late_change', 'p_subscription', '15699', $$SELECT mark_late_change(15601, 15699, '2012-03')$$),
('mark_late_change', 'p_from', 'NULL', $$SELECT mark_late_change(15601, 15601, NULL)$$),
('mark_late_change_at', 'p_subscription', '15699', $$SELECT mark_late_change_at(15601, 15699, '2012-03-15')$$),
('mark_late_change_at', 'p_moment', 'NULL', $$SELECT mark_late_change_at(15601, 15601, NULL)$$),
('mark_late_change_at', 'p_moment', 'infinity', $$SELECT mark_late_change_at(15601, 15601, 'infinity')$$),
('tranche_add', 'p_reseller', 'NULL', $$SELECT tranche_add(NULL, 15601, 'annual_monthly', 1, 'USD 40', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_subscription', '15699', $$SELECT tranche_add(15601, 15699, 'annual_monthly', 1, 'USD 40', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_plan', 'flexible', $$SELECT tranche_add(15601, 15601, 'flexible', 1, 'USD 40', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_seats', '0', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 0, 'USD 40', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_seats', '2147483647', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 2147483647, 'USD 40', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_price', 'NULL', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 1, NULL, '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_price', 'USD -1', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 1, 'USD -1', '2012-03-01', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_term_start', 'infinity', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 1, 'USD 40', 'infinity', '2013-03-01', '2012-03-15')$$),
('tranche_add', 'p_term_end', '1899-12-31', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 1, 'USD 40', '2012-03-01', '1899-12-31', '2012-03-15')$$),
('tranche_add', 'p_starts_on', '2011-12-31 (before the term)', $$SELECT tranche_add(15601, 15601, 'annual_monthly', 1, 'USD 40', '2012-03-01', '2013-03-01', '2011-12-31')$$),
('set_payment_terms', 'p_program', '99999999', $$SELECT set_payment_terms(99999999, 'net', 10)$$),
('set_payment_terms', 'p_rule', 'bogus', $$SELECT set_payment_terms(15601, 'bogus', 10)$$),
('set_payment_terms', 'p_days', '-1', $$SELECT set_payment_terms(15601, 'net', -1)$$),
('set_payment_terms', 'p_days', '367', $$SELECT set_payment_terms(15601, 'net', 367)$$),
('set_payment_terms', 'p_reseller', '99999999', $$SELECT set_payment_terms(15601, 'net', 10, 99999999)$$),
-- the migration (doc/migration.md)
('migrate_to_postpaid', 'p_reseller', 'NULL', $$SELECT migrate_to_postpaid(NULL, '2012-03-15')$$),
('migrate_to_postpaid', 'p_reseller', '99999999', $$SELECT migrate_to_postpaid(99999999, '2012-03-15')$$),
('migrate_to_postpaid', 'p_at', 'NULL', $$SELECT migrate_to_postpaid(15601, NULL)$$),
('migration_credit_csv', 'p_reseller', 'NULL', $$SELECT migration_credit_csv(NULL)$$),
('migration_credit_csv', 'p_reseller', '99999999', $$SELECT migration_credit_csv(99999999)$$),
-- licence orders (doc/orders.md); a line refused (a quantity of 0, an
-- unknown SKU) takes an order number, which orders.sql shows: those are in
-- orders.sql
('place_order', 'p_reseller', 'NULL', $$SELECT place_order(NULL, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "API-LIC", "quantity": 1}]', '2012-03-20')$$),
('place_order', 'p_reseller', '99999999', $$SELECT place_order(99999999, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "API-LIC", "quantity": 1}]', '2012-03-20')$$),
('place_order', 'p_ship_to', '[]', $$SELECT place_order(15601, '[]', '[{"sku": "API-LIC", "quantity": 1}]', '2012-03-20')$$),
('place_order', 'p_lines', 'NULL', $$SELECT place_order(15601, '{"name": "Initech", "email": "it@initech.example"}', NULL, '2012-03-20')$$),
('place_order', 'p_on', 'infinity', $$SELECT place_order(15601, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "API-LIC", "quantity": 1}]', 'infinity')$$),
('issue_order_licence', 'p_reseller', 'NULL', $$SELECT issue_order_licence(NULL, 15699, '2012-03-20')$$),
('issue_order_licence', 'p_order', 'NULL', $$SELECT issue_order_licence(15601, NULL, '2012-03-20')$$),
('issue_order_licence', 'p_order', '99999999', $$SELECT issue_order_licence(15601, 99999999, '2012-03-20')$$),
('issue_order_licence', 'p_reseller', '99999999', $$SELECT issue_order_licence(99999999, 15699, '2012-03-20')$$),
('issue_licence', 'p_order', 'NULL', $$SELECT issue_licence(NULL)$$),
('issue_licence', 'p_order', '99999999', $$SELECT issue_licence(99999999)$$),
('issue_temporary_licence', 'p_order', '99999999', $$SELECT issue_temporary_licence(99999999, 10)$$),
('record_order_payment', 'p_amount', 'EUR 10', $$SELECT record_order_payment(15601, 'EUR 10', 'bank_transfer', '2012-03-20', 'API-PAY-3')$$),
('record_order_payment', 'p_order', '99999999', $$SELECT record_order_payment(15601, 'USD 10', 'bank_transfer', '2012-03-20', 'API-PAY-3', 99999999)$$),
('cancel_order', 'p_order', 'NULL', $$SELECT cancel_order(NULL, 'wrong')$$),
('cancel_order', 'p_order', '99999999', $$SELECT cancel_order(99999999, 'wrong')$$),
('refund_order', 'p_order', 'NULL', $$SELECT refund_order(NULL, 'USD 1', 'wrong')$$),
('credit_order', 'p_order', '99999999', $$SELECT credit_order(99999999, 'USD 1', 'wrong')$$),
('return_order', 'p_kind', 'bogus', $$SELECT return_order(15699, 'bogus', 'USD 1', 'wrong', '2012-03-20')$$),
('monthly_statement', 'p_reseller', 'NULL', $$SELECT monthly_statement(NULL, '2012-03')$$),
('monthly_statement', 'p_month', 'NULL', $$SELECT monthly_statement(15601, NULL)$$),
('write_statement', 'p_reseller', '99999999', $$SELECT write_statement(99999999, '2012-03', true)$$),
('reseller_standing', 'p_on', 'NULL', $$SELECT reseller_standing(15601, NULL)$$),
-- prices and tax (doc/subscriptions.md, doc/tax.md)
('partner_price', 'p_sku', '99999999', $$SELECT partner_price(99999999, 'flexible', 15601, '2012-03-15')$$),
('partner_price', 'p_plan', 'NULL', $$SELECT partner_price(15601, NULL, 15601, '2012-03-15')$$),
('partner_price', 'p_reseller', '99999999', $$SELECT partner_price(15601, 'flexible', 99999999, '2012-03-15')$$),
('partner_price', 'p_at', 'NULL', $$SELECT partner_price(15601, 'flexible', 15601, NULL)$$),
('sales_tax', 'p_reseller', 'NULL', $$SELECT sales_tax(NULL, '2012-03-15', 'USD 10')$$),
('sales_tax', 'p_reseller', '99999999', $$SELECT sales_tax(99999999, '2012-03-15', 'USD 10')$$),
('sales_tax', 'p_on', 'NULL', $$SELECT sales_tax(15601, NULL, 'USD 10')$$),
('sales_tax', 'p_amount', 'NULL', $$SELECT sales_tax(15601, '2012-03-15', NULL)$$),
('sales_tax_jurisdictions', 'p_reseller', '99999999', $$SELECT count(*) FROM sales_tax_jurisdictions(99999999, '2012-03-15')$$),
-- the clock and the logins (doc/clock.md, doc/security.md)
('freeze_clock', 'p_at', 'NULL', $$SELECT freeze_clock(NULL)$$),
('freeze_clock', 'p_at', 'infinity', $$SELECT freeze_clock('infinity')$$),
('advance_clock', 'p_to', 'NULL', $$CALL advance_clock(NULL)$$),
('advance_clock', 'p_to', 'infinity', $$CALL advance_clock('infinity')$$),
('bind_login', 'p_role', 'NULL', $$SELECT bind_login(NULL, 15601)$$),
('bind_login', 'p_reseller', 'NULL', $$SELECT bind_login('reseller_billing_reseller', NULL)$$),
('trust_login', 'p_role', 'NULL', $$SELECT trust_login(NULL)$$),
('unbind_login', 'p_role', 'NULL', $$SELECT unbind_login(NULL)$$);

-- the results: SQLSTATE, message / detail (the payment is numbered by its
-- sequence: shown as <payment>)
\pset format unaligned
SELECT n, fn, arg, bad,
       regexp_replace(pg_temp.error_of(replace(call, ':pay', :'pay')),
                      '(payment) ' || :'pay' || '\M', '\1 <payment>', 'g') AS result
  FROM api_case ORDER BY n;
\pset format aligned

-- every case was refused: nothing changed (nor the runs of run_due, nor the
-- logins)
\x on
SELECT charges, credits, payments, allocations, tranches, late_changes, subscriptions, accounts, history, licences,
       customers FROM state;
\x off
SELECT (SELECT row(s.*)::text FROM state s) = (SELECT row(b.*)::text FROM state_before b) AS nothing_changed;
ROLLBACK;

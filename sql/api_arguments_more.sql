SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
--
-- api_arguments_more: the rest of the API refuses a bad argument with its
-- own error before any change (issue 15 §6, after api_arguments.sql;
-- doc/reference.md "Argument errors").  A missing argument is 22004, an id
-- that does not exist P0002, a bad value 22023, a date or moment outside
-- the years 1900 to 8999 22008.  Each case calls one function with one bad
-- argument, the others good, and shows the SQLSTATE, message and detail;
-- the reseller's rows are the same before and after all of them.  Then the
-- read-only functions that keep SQL's NULL in, NULL out (documented scalar
-- functions) and those that refuse a NULL.  Everything runs in one
-- transaction that is rolled back, and the sequences a refused call moved
-- (an order refused for its lines takes an order number) are set back as
-- they were: a later file sees none of it.  Ids: programs, SKUs,
-- resellers, customers 15701...; an id that does not exist is 15799.
--
CREATE TEMP TABLE seq_before AS
SELECT c.oid::regclass AS seq, pg_sequence_last_value(c.oid::regclass) AS last_value, q.seqstart
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_sequence q ON q.seqrelid = c.oid
 WHERE n.nspname = 'reseller_billing' AND c.relkind = 'S';

BEGIN;
-- a program of licence orders and subscriptions
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (15701, 'api_more', 'API arguments, more (tests)', 'USD', 0.20, 'UTC', 30,
        '{"payment_methods": ["bank_transfer", "cheque"], "prepaid_first_orders": 0}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES
    (15701, 15701, 'APM-APPS', 'Apps', 'apps', 'seat'), (15702, 15701, 'APM-LIC', 'Licence', 'lic', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (15701, 'flexible', 'USD 60', '2012-01-01'), (15702, 'annual_prepaid', 'USD 100', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES (15701, 15701, 'More Arguments', 'US', 'CA');
-- a CSP program: provider 15711, indirect reseller 15712 (a partnership),
-- indirect reseller 15713 (an invitation pending), direct-bill partner 15714
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (15702, 'api_more_csp', 'API arguments, more, CSP (tests)', 'USD', 0, 'UTC', 30,
        '{"csp": true, "multiple_providers": true}');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (15703, 15702, 'APM-E3', 'Office E3', 'o365');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (15703, 'annual_monthly', 'USD 240', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, tier, country) VALUES
    (15711, 15702, 'More Provider', 'indirect_provider', 'US'),
    (15712, 15702, 'More Indirect', 'indirect_reseller', 'US'),
    (15713, 15702, 'More Invited', 'indirect_reseller', 'US'),
    (15714, 15702, 'More Direct', 'direct', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (15712, 15721, 'Initrode');
SELECT (accept_invitation(15712, invite_reseller(15711, 15712))).status AS partnership;
SELECT invite_reseller(15711, 15713) AS invitation \gset
-- an issued invoice of reseller 15701 (February's close, a one-off charge
-- to customer 15731) and a provider invoice of 15711 to 15712, written
-- here as the channel close would (sql/channel_tax.sql writes them)
INSERT INTO customer (reseller_id, customer_id, name) VALUES (15701, 15731, 'Globex');
SELECT add_charge(15701, 15731, 'setup', 'USD 10', '2012-02-10') > 0 AS charged;
SELECT close_period('2012-02', 15701) AS invoices_written;
SELECT invoice_id AS invoice FROM invoice WHERE reseller_id = 15701 AND status = 'issued' \gset
INSERT INTO channel_invoice (reseller_id, provider_id, program_id, period, currency, invoice_number, issued_on, due_on,
                             subtotal, wholesale, vendor_invoice_id, tax, credits_applied, total, credited)
VALUES (15712, 15711, 15702, '2012-02', 'USD', 1, '2012-03-01', '2012-03-31',
        'USD 10', 'USD 8', 0, 'USD 0', 'USD 0', 'USD 10', 'USD 0')
RETURNING channel_invoice_id AS channel_invoice \gset

CREATE TEMP VIEW state AS
SELECT (SELECT count(*) FROM payment WHERE reseller_id BETWEEN 15701 AND 15799) AS payments,
       (SELECT count(*) FROM licence_order WHERE reseller_id BETWEEN 15701 AND 15799) AS orders,
       (SELECT count(*) FROM licence WHERE reseller_id BETWEEN 15701 AND 15799) AS licences,
       (SELECT count(*) FROM subscription WHERE reseller_id BETWEEN 15701 AND 15799) AS subscriptions,
       (SELECT count(*) FROM channel_order WHERE reseller_id BETWEEN 15701 AND 15799) AS channel_orders,
       (SELECT string_agg(format('%s %s %s %s', reseller_id, kind, provider_id, status), '; ' ORDER BY reseller_id)
          FROM channel_invitation WHERE reseller_id BETWEEN 15701 AND 15799) AS invitations,
       (SELECT string_agg(format('%s-%s %s', provider_id, reseller_id, coalesce(ended_at::text, 'open')), '; ')
          FROM provider_partnership WHERE reseller_id BETWEEN 15701 AND 15799) AS partnerships,
       (SELECT count(*) FROM channel_partner WHERE reseller_id BETWEEN 15701 AND 15799) AS channel_partners,
       (SELECT count(*) FROM channel_credit WHERE reseller_id BETWEEN 15701 AND 15799) AS channel_credits,
       (SELECT count(*) FROM order_statement WHERE reseller_id BETWEEN 15701 AND 15799) AS statements,
       (SELECT count(*) FROM migration WHERE reseller_id BETWEEN 15701 AND 15799) AS migrations,
       (SELECT string_agg(format('%s %s paid %s credited %s', status, total, paid, credited), '; ')
          FROM invoice WHERE reseller_id BETWEEN 15701 AND 15799) AS invoices,
       (SELECT count(*) FROM credit_note WHERE reseller_id BETWEEN 15701 AND 15799) AS credit_notes,
       (SELECT string_agg(format('%s credited %s', total, credited), '; ')
          FROM channel_invoice WHERE reseller_id BETWEEN 15701 AND 15799) AS channel_invoices,
       (SELECT count(*) FROM channel_credit_note WHERE reseller_id BETWEEN 15701 AND 15799) AS channel_credit_notes;
\x on
SELECT * FROM state;
\x off
CREATE TEMP TABLE state_before AS SELECT * FROM state;

CREATE TEMP TABLE api_case (n serial, fn text, arg text, bad text, call text);
INSERT INTO api_case (fn, arg, bad, call) VALUES
-- payments (doc/invoicing.md, doc/orders.md)
('record_payment', 'p_reference', 'NULL', $$SELECT record_payment(15701, 'USD 10', 'bank_transfer', '2012-03-15', NULL)$$),
('record_payment', 'p_amount', 'NULL', $$SELECT record_payment(15701, NULL, 'bank_transfer', '2012-03-15', 'APM-PAY-1')$$),
('record_order_payment', 'p_reseller', 'NULL', $$SELECT record_order_payment(NULL, 'USD 10', 'bank_transfer', '2012-03-15', 'APM-PAY-1')$$),
('record_order_payment', 'p_reseller', '15799', $$SELECT record_order_payment(15799, 'USD 10', 'bank_transfer', '2012-03-15', 'APM-PAY-1')$$),
('record_order_payment', 'p_amount', 'NULL', $$SELECT record_order_payment(15701, NULL, 'bank_transfer', '2012-03-15', 'APM-PAY-1')$$),
('record_order_payment', 'p_method', 'NULL', $$SELECT record_order_payment(15701, 'USD 10', NULL, '2012-03-15', 'APM-PAY-1')$$),
('record_order_payment', 'p_received_on', 'NULL', $$SELECT record_order_payment(15701, 'USD 10', 'bank_transfer', NULL, 'APM-PAY-1')$$),
('record_order_payment', 'p_reference', 'NULL', $$SELECT record_order_payment(15701, 'USD 10', 'bank_transfer', '2012-03-15', NULL)$$),
-- licence orders (doc/orders.md): a line with a quantity of 0 or an unknown
-- SKU is a bad value (22023)
('place_order', 'p_ship_to', 'NULL', $$SELECT place_order(15701, NULL, '[{"sku": "APM-LIC", "quantity": 1}]', '2012-03-20')$$),
('place_order', 'p_lines', 'quantity 0', $$SELECT place_order(15701, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "APM-LIC", "quantity": 0}]', '2012-03-20')$$),
('place_order', 'p_lines', 'unknown SKU', $$SELECT place_order(15701, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "APM-NOPE", "quantity": 1}]', '2012-03-20')$$),
('place_order', 'p_lines', 'SKU sold per seat', $$SELECT place_order(15701, '{"name": "Initech", "email": "it@initech.example"}', '[{"sku": "APM-APPS", "quantity": 1}]', '2012-03-20')$$),
('issue_temporary_licence', 'p_order', 'NULL', $$SELECT issue_temporary_licence(NULL, 10)$$),
('issue_temporary_licence', 'p_days', 'NULL', $$SELECT issue_temporary_licence(15799, NULL)$$),
('monthly_statement', 'p_reseller', '15799', $$SELECT monthly_statement(15799, '2012-03')$$),
('reseller_standing', 'p_reseller', 'NULL', $$SELECT reseller_standing(NULL, '2012-03-15')$$),
('reseller_standing', 'p_reseller', '15799', $$SELECT reseller_standing(15799, '2012-03-15')$$),
('reseller_standing', 'p_on', 'infinity', $$SELECT reseller_standing(15701, 'infinity')$$),
('reseller_standing', 'p_on', '1899-12-31', $$SELECT reseller_standing(15701, '1899-12-31')$$),
-- prices (doc/subscriptions.md)
('partner_price', 'p_sku', 'NULL', $$SELECT partner_price(NULL, 'flexible', 15701, '2012-03-15')$$),
('partner_price', 'p_reseller', 'NULL', $$SELECT partner_price(15701, 'flexible', NULL, '2012-03-15')$$),
('partner_price', 'p_at', 'infinity', $$SELECT partner_price(15701, 'flexible', 15701, 'infinity')$$),
('partner_price', 'p_at', '1899-12-31', $$SELECT partner_price(15701, 'flexible', 15701, '1899-12-31')$$),
('partner_price', 'p_at', '9000-01-01', $$SELECT partner_price(15701, 'flexible', 15701, '9000-01-01')$$),
-- read-only functions a user calls (doc/invoicing.md, doc/channel.md,
-- doc/migration.md)
('payment_terms', 'p_reseller', 'NULL', $$SELECT payment_terms(NULL)$$),
('program_revenue', 'p_reseller', 'NULL', $$SELECT program_revenue(NULL, '2012-03-15')$$),
('program_revenue', 'p_at', 'NULL', $$SELECT program_revenue(15714, NULL)$$),
('migration_counts', 'p_reseller', 'NULL', $$SELECT migration_counts(NULL)$$),
('direct_bill_standing', 'p_at', 'NULL', $$SELECT count(*) FROM direct_bill_standing(NULL)$$),
('direct_bill_threshold', 'p_program', 'NULL', $$SELECT direct_bill_threshold(NULL)$$),
('direct_bill_threshold', 'p_program', '15799', $$SELECT direct_bill_threshold(15799)$$),
-- the channel (doc/channel.md)
('invite_reseller', 'p_provider', 'NULL', $$SELECT invite_reseller(NULL, 15713)$$),
('invite_reseller', 'p_reseller', 'NULL', $$SELECT invite_reseller(15711, NULL)$$),
('invite_reseller', 'p_reseller', '15799', $$SELECT invite_reseller(15711, 15799)$$),
('invite_customer', 'p_reseller', 'NULL', $$SELECT invite_customer(NULL, 15721)$$),
('invite_customer', 'p_customer', 'NULL', $$SELECT invite_customer(15712, NULL)$$),
('invite_customer', 'p_customer', '15799', $$SELECT invite_customer(15712, 15799)$$),
('accept_invitation', 'p_reseller', 'NULL', $$SELECT accept_invitation(NULL, :invitation)$$),
('accept_invitation', 'p_invitation', 'NULL', $$SELECT accept_invitation(15713, NULL)$$),
('accept_invitation', 'p_invitation', '15799', $$SELECT accept_invitation(15713, 15799)$$),
('revoke_invitation', 'p_actor', 'NULL', $$SELECT revoke_invitation(NULL, 15713, :invitation)$$),
('revoke_invitation', 'p_reseller', 'NULL', $$SELECT revoke_invitation(15711, NULL, :invitation)$$),
('revoke_invitation', 'p_invitation', 'NULL', $$SELECT revoke_invitation(15711, 15713, NULL)$$),
('transition_to_indirect', 'p_reseller', 'NULL', $$SELECT transition_to_indirect(NULL)$$),
('transition_to_indirect', 'p_reseller', '15799', $$SELECT transition_to_indirect(15799)$$),
('complete_transition', 'p_reseller', 'NULL', $$SELECT complete_transition(NULL)$$),
('cancel_transition', 'p_reseller', 'NULL', $$SELECT cancel_transition(NULL)$$),
('set_direct_access', 'p_reseller', 'NULL', $$SELECT set_direct_access(NULL, true, false)$$),
('place_subscription', 'p_actor', 'NULL', $$SELECT place_subscription(NULL, 15712, 15721, 15703, 5)$$),
('place_subscription', 'p_reseller', 'NULL', $$SELECT place_subscription(15712, NULL, 15721, 15703, 5)$$),
('place_subscription', 'p_customer', 'NULL', $$SELECT place_subscription(15712, 15712, NULL, 15703, 5)$$),
('place_subscription', 'p_sku', 'NULL', $$SELECT place_subscription(15712, 15712, 15721, NULL, 5)$$),
('place_subscription (provider)', 'p_actor', 'NULL', $$SELECT place_subscription(NULL, 15712, 15721, 15703, 5, 'annual_monthly', '2012-03-15', 15711)$$),
('place_subscription (provider)', 'p_reseller', 'NULL', $$SELECT place_subscription(15712, NULL, 15721, 15703, 5, 'annual_monthly', '2012-03-15', 15711)$$),
('place_subscription (provider)', 'p_customer', 'NULL', $$SELECT place_subscription(15712, 15712, NULL, 15703, 5, 'annual_monthly', '2012-03-15', 15711)$$),
('place_subscription (provider)', 'p_sku', 'NULL', $$SELECT place_subscription(15712, 15712, 15721, NULL, 5, 'annual_monthly', '2012-03-15', 15711)$$),
('end_partnership', 'p_provider', 'NULL', $$SELECT end_partnership(NULL, 15712, '2012-03-15')$$),
('end_partnership', 'p_provider', '15799', $$SELECT end_partnership(15799, 15712, '2012-03-15')$$),
('end_partnership', 'p_at', '-infinity', $$SELECT end_partnership(15711, 15712, '-infinity')$$),
('end_partnership', 'p_at', '1899-12-31', $$SELECT end_partnership(15711, 15712, '1899-12-31 00:00+00')$$),
('move_subscription_provider', 'p_subscription', 'NULL', $$SELECT move_subscription_provider(15712, NULL, 15711, '2012-03-15')$$),
('move_subscription_provider', 'p_at', '-infinity', $$SELECT move_subscription_provider(15712, 15799, 15711, '-infinity')$$),
('move_subscription_provider', 'p_at', '1899-12-31', $$SELECT move_subscription_provider(15712, 15799, 15711, '1899-12-31 00:00+00')$$),
('grant_channel_credit', 'p_provider', 'NULL', $$SELECT grant_channel_credit(NULL, 15712, 'USD 10', 'goodwill')$$),
('grant_channel_credit', 'p_amount', 'NULL', $$SELECT grant_channel_credit(15711, 15712, NULL, 'goodwill')$$),
('grant_channel_credit', 'p_amount', 'USD 0', $$SELECT grant_channel_credit(15711, 15712, 'USD 0', 'goodwill')$$),
('grant_channel_credit', 'p_reason', '1001 characters', $$SELECT grant_channel_credit(15711, 15712, 'USD 10', repeat('x', 1001))$$),
('issue_channel_credit_note', 'p_invoice', 'NULL', $$SELECT issue_channel_credit_note(15711, 15712, NULL, 'USD 1', 'wrong')$$),
('issue_channel_credit_note', 'p_invoice', '15799', $$SELECT issue_channel_credit_note(15711, 15712, 15799, 'USD 1', 'wrong')$$),
('issue_channel_credit_note', 'p_amount', 'NULL', $$SELECT issue_channel_credit_note(15711, 15712, :channel_invoice, NULL, 'wrong')$$),
-- invoices (doc/invoicing.md): a NULL id is 22004, an id that does not
-- exist P0002
('void_invoice', 'p_reseller', 'NULL', $$SELECT void_invoice(NULL, :invoice, 'wrong')$$),
('void_invoice', 'p_invoice', 'NULL', $$SELECT void_invoice(15701, NULL, 'wrong')$$),
('void_invoice', 'p_invoice', '15799', $$SELECT void_invoice(15701, 15799, 'wrong')$$),
('issue_credit_note', 'p_reseller', 'NULL', $$SELECT issue_credit_note(NULL, :invoice, 'USD 1', 'wrong')$$),
('issue_credit_note', 'p_invoice', 'NULL', $$SELECT issue_credit_note(15701, NULL, 'USD 1', 'wrong')$$),
('issue_credit_note', 'p_invoice', '15799', $$SELECT issue_credit_note(15701, 15799, 'USD 1', 'wrong')$$),
('issue_credit_note', 'p_amount', 'NULL', $$SELECT issue_credit_note(15701, :invoice, NULL, 'wrong')$$),
('issue_credit_note', 'p_amount', 'USD 0', $$SELECT issue_credit_note(15701, :invoice, 'USD 0', 'wrong')$$),
('issue_credit_note', 'p_amount', 'EUR 1', $$SELECT issue_credit_note(15701, :invoice, 'EUR 1', 'wrong')$$),
('issue_credit_note', 'p_amount', 'USD 11', $$SELECT issue_credit_note(15701, :invoice, 'USD 11', 'wrong')$$),
('issue_credit_note', 'p_reason', '1001 characters', $$SELECT issue_credit_note(15701, :invoice, 'USD 1', repeat('x', 1001))$$),
('issue_credit_note (by invoice)', 'p_invoice', 'NULL', $$SELECT issue_credit_note(NULL, 'USD 1', 'wrong')$$),
('issue_credit_note (by invoice)', 'p_invoice', '15799', $$SELECT issue_credit_note(15799, 'USD 1', 'wrong')$$),
-- the close and renewals (doc/invoicing.md, doc/subscriptions.md)
('close_period', 'p_program', 'NULL', $$SELECT close_period('2012-03', NULL, 15701)$$),
('close_period', 'p_reseller', 'NULL', $$SELECT close_period('2012-03', 15701, NULL)$$),
('renew_due', 'p_at', 'NULL', $$SELECT renew_due(NULL)$$),
-- sales tax (doc/tax.md): a date outside the years 1900 to 8999 is 22008, a
-- currency without a minor unit 22023
('sales_tax', 'p_reseller', 'NULL', $$SELECT sales_tax(NULL, '2012-03-15', 'USD 10')$$),
('sales_tax', 'p_on', 'NULL', $$SELECT sales_tax(15701, NULL, 'USD 10')$$),
('sales_tax', 'p_on', 'infinity', $$SELECT sales_tax(15701, 'infinity', 'USD 10')$$),
('sales_tax', 'p_on', '1899-12-31', $$SELECT sales_tax(15701, '1899-12-31', 'USD 10')$$),
('sales_tax', 'p_on', '9000-01-01', $$SELECT sales_tax(15701, '9000-01-01', 'USD 10')$$),
('sales_tax', 'p_amount', 'NULL', $$SELECT sales_tax(15701, '2012-03-15', NULL)$$),
('sales_tax', 'p_amount', 'XAU 1', $$SELECT sales_tax(15701, '2012-03-15', 'XAU 1')$$),
('sales_tax_rate', 'p_on', '-infinity', $$SELECT sales_tax_rate(15701, '-infinity')$$);

\pset format unaligned
SELECT n, fn, arg, bad, pg_temp.error_of(replace(replace(replace(call, ':invitation', :'invitation'), ':invoice', :'invoice'),
                                                    ':channel_invoice', :'channel_invoice')) AS result FROM api_case ORDER BY n;
\pset format aligned

-- every case was refused: nothing changed
\x on
SELECT * FROM state;
\x off
SELECT (SELECT row(s.*)::text FROM state s) = (SELECT row(b.*)::text FROM state_before b) AS nothing_changed;

-- the documented scalar functions answer a NULL as SQL does, without an
-- error: NULL, an empty field, no rows (due_date counts from the issue
-- date, its second argument)
SELECT due_date(NULL, '2012-03-01', '{"rule": "net", "days": 30}') AS due_date,
       program_date(NULL, '2012-03-15 00:00+00') IS NULL AS program_date_null,
       is_us_state(NULL) IS NULL AS is_us_state_null,
       quote_literal(csv_field(NULL)) AS csv_field,
       (SELECT count(*) FROM address_tax_rates(NULL, NULL, NULL, NULL)) AS address_tax_rates,
       (SELECT count(*) FROM receivables_aging_at(NULL)) AS receivables_aging_at;
ROLLBACK;

-- the sequences as they were
SELECT count(CASE WHEN b.last_value IS NULL THEN setval(b.seq, b.seqstart, false)
                  ELSE setval(b.seq, b.last_value, true) END) > 0 AS sequences_set_back
  FROM seq_before b;
SELECT count(*) AS sequences_moved
  FROM seq_before b WHERE pg_sequence_last_value(b.seq) IS DISTINCT FROM b.last_value;
DROP TABLE seq_before;

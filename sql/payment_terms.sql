SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- payment_terms: when a bill falls due is a rule of its own (issue 15 §1).
-- Google's post-paid resellers pay "on the last day of each month, for the
-- service used in the previous month": January's invoice (issued on
-- 2012-02-01) is due 2012-02-29, March's 2012-04-30 — not issue date + 30
-- days (2012-03-02, 2012-05-01).  GroupDocs wants an order paid within 30
-- days.  A vendor may grant one reseller terms of its own.  Ids: 15101...
--

-- the rule, on its own
SELECT due_date('2012-01-31', '2012-02-01', '{"rule": "end_of_following_month"}') AS jan_google,
       due_date('2012-03-31', '2012-04-01', '{"rule": "end_of_following_month"}') AS mar_google,
       due_date('2012-12-31', '2013-01-01', '{"rule": "end_of_following_month"}') AS dec_google,
       due_date('2012-01-31', '2012-02-01', '{"rule": "net", "days": 30}') AS jan_net30,
       due_date('2012-03-15', '2012-03-15', '{"rule": "end_of_following_month"}') AS order_mid_march;

-- a Google-style program in Los Angeles: end of the following month
INSERT INTO program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (15101, 'terms_google', 'Payment terms: Google', 'USD', 'America/Los_Angeles', 0.20)
RETURNING program_id AS prog \gset
SELECT set_payment_terms(:prog, 'end_of_following_month') AS program_terms;
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'terms_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 50', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (15101, :prog, 'On the program''s terms', 'US'), (15102, :prog, 'Granted net 45', 'US');
SELECT set_payment_terms(:prog, 'net', 45, 15102) AS granted;
INSERT INTO customer (reseller_id, customer_id, name) VALUES (15101, 15101, 'Acme'), (15102, 15102, 'Globex');
SET reseller_billing.effective_at = '2012-01-01 00:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (15101, 15101, 15101, :apps, 'annual_monthly', 10, '2012-01-01'),
       (15102, 15102, 15102, :apps, 'annual_monthly', 10, '2012-01-01');
RESET reseller_billing.effective_at;
SET client_min_messages = warning;
SELECT sum(close_period(m::billing_period, :prog)) AS invoices
  FROM unnest(ARRAY['2012-01', '2012-02', '2012-03']) m;
RESET client_min_messages;
SELECT reseller_id, period::text, issued_on, due_on, total FROM invoice WHERE program_id = :prog ORDER BY 1, 2;
-- the aging reads those dates: on 2012-03-15, February's Google invoice is
-- current (due 2012-03-31) and January's 15 days late (due 2012-02-29)
SELECT reseller_id, current, days_1_30, days_31_60, total
  FROM receivables_aging_at('2012-03-15') WHERE reseller_id IN (15101, 15102) ORDER BY 1;
-- the grant withdrawn, the program's rule applies again
SELECT set_payment_terms(:prog, NULL, NULL, 15102) AS back_to_program;

-- what is refused (22023, P0002, 22004), nothing changed
SELECT set_payment_terms(:prog, 'net');
SELECT set_payment_terms(:prog, 'net', 400);
SELECT set_payment_terms(:prog, 'net', -1);
SELECT set_payment_terms(:prog, 'end_of_following_month', 30);
SELECT set_payment_terms(:prog, 'upon_receipt');
SELECT set_payment_terms(:prog, NULL);
SELECT set_payment_terms(999999, 'net', 30);
SELECT set_payment_terms(:prog, 'net', 30, 999999);
UPDATE reseller SET payment_terms = '{"rule": "net", "days": "30"}' WHERE reseller_id = 15101;
UPDATE reseller SET payment_terms = '{"rule": "net", "days": 30.5}' WHERE reseller_id = 15101;
UPDATE program SET settings = settings || '{"payment_terms": {"rule": "net", "days": 30, "grace": 5}}' WHERE program_id = :prog;
SELECT settings -> 'payment_terms' AS program_terms FROM program WHERE program_id = :prog;
SELECT reseller_id, payment_terms FROM reseller WHERE reseller_id IN (15101, 15102) ORDER BY 1;
-- only the back office sets terms
SET ROLE reseller_billing_reseller;
SELECT set_payment_terms(:prog, 'net', 90, 15101);
RESET ROLE;

-- a program without the setting keeps net payment_terms_days
INSERT INTO program (code, name, currency, time_zone, payment_terms_days)
VALUES ('terms_plain', 'Payment terms: net 14', 'USD', 'UTC', 14) RETURNING program_id AS plain \gset
SELECT program_payment_terms(p) FROM program p WHERE p.program_id = :plain;

-- leave nothing to bill for a later file
SELECT count(cancel_subscription(r, r)) AS cancelled FROM unnest(ARRAY[15101, 15102]) r;
SET client_min_messages = warning;
SELECT sum(close_period(m::billing_period, :prog)) AS invoices
  FROM generate_series(4, 12) g, LATERAL (SELECT format('2012-%s', lpad(g::text, 2, '0'))) x(m);
RESET client_min_messages;

-- test/citus/flows.sql — the flows the multi-node suite runs twice: on one
-- node and on a Citus cluster after distribute() (test/citus/run.sh), the
-- two outputs compared line by line.  It prints nothing that differs
-- between the two but for a real difference: no generated ids, every query
-- ordered, refusals by SQLSTATE and message.
\set ON_ERROR_STOP 1
\set SHOW_CONTEXT never
\set VERBOSITY default
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- refused: runs a statement that must fail and prints its SQLSTATE and message
CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted (a refusal was expected)';
EXCEPTION WHEN OTHERS THEN
    -- subscription ids come from a sequence in the order the shards
    -- return the rows of an INSERT ... SELECT: not printed
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'subscription [0-9]+', 'subscription #', 'g');
END $$;

\echo == the billing clock, frozen in 2012 and moved on as the story goes (a reference table)
SELECT freeze_clock('2012-01-15 09:00') AS clock;

\echo == the catalog: a post-paid Google program, one SKU, Annual and Flex prices (shared tables)
INSERT INTO program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days)
VALUES ('apps_cluster', 'Google Apps (cluster test)', 'USD', 0.20, 'America/Los_Angeles', 30, 10, 30)
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit)
VALUES (:prog, 'apps', 'Google Apps for Business', 'apps', 'seat') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from)
VALUES (:apps, 'annual_monthly', 'USD 50.00', '2012-01-01'), (:apps, 'flexible', 'USD 60.00', '2012-01-01');
SELECT pg_temp.refused(format($$INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (%s, 'flexible', 'USD 61.00', '2012-06-01')$$, :apps)) AS overlapping_price;
SELECT pg_temp.refused(format($$INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (%s, 'annual_monthly', 'EUR 1.00', '2013-01-01')$$, :apps)) AS price_in_another_currency;

\echo == four resellers (the suite checks they sit on both workers)
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Golden Gate Apps', 'retail', 'US', 'CA') RETURNING reseller_id AS r1 \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Sound Consulting Group', 'consulting', 'US', 'WA') RETURNING reseller_id AS r2 \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Lone Star Cloud', 'retail', 'US', 'TX') RETURNING reseller_id AS r3 \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Empire Workspace', 'retail', 'US', 'NY') RETURNING reseller_id AS r4 \gset
SELECT partner_price(:apps, 'annual_monthly', :r1, '2012-02-01') AS retail_annual,
       partner_price(:apps, 'flexible', :r1, '2012-02-01') AS retail_flex,
       partner_price(:apps, 'annual_monthly', :r2, '2012-02-01') AS consulting_annual;

-- a rule function for each row of a query over a distributed table: on the
-- cluster each call runs on the worker that holds the row
SELECT r.name AS reseller, r.business_type, partner_price(:apps, 'flexible', r.reseller_id, '2012-02-01') AS flex_price
  FROM reseller r WHERE r.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY r.name;

\echo == customers and subscriptions, dated back with effective_at
INSERT INTO customer (reseller_id, name, primary_domain, kind)
SELECT r, c || ' of ' || r, lower(c) || r || '.example', 'online'
  FROM unnest(ARRAY[:r1, :r2, :r3, :r4]) r, unnest(ARRAY['Harbor', 'Acme', 'Pine']) c;
-- SET LOCAL, in a transaction: on a cluster Citus passes it on to the
-- workers (citus.propagate_set_commands = local), a session SET it does not
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-02-01 09:00') AS clock;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
SELECT c.reseller_id, c.customer_id, :apps, 'annual_monthly', 10
  FROM customer c WHERE c.reseller_id IN (:r1, :r2, :r3, :r4) AND c.name LIKE 'Harbor%';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
SELECT c.reseller_id, c.customer_id, :apps, 'flexible', 3
  FROM customer c WHERE c.reseller_id IN (:r1, :r2, :r3, :r4) AND c.name LIKE 'Acme%';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan)
SELECT c.reseller_id, c.customer_id, :apps, 'trial'
  FROM customer c WHERE c.reseller_id IN (:r1, :r2, :r3, :r4) AND c.name LIKE 'Pine%';
COMMIT;
SELECT r.name AS reseller, c.name AS customer, s.plan, s.committed_seats, s.seat_cap, s.term_start, s.term_end,
       s.trial_end, s.status, s.partner_price
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN reseller r USING (reseller_id)
 WHERE s.reseller_id IN (:r1, :r2, :r3, :r4)
 ORDER BY r.name, c.name;

\echo == accounts: one multi-row INSERT over every reseller, then single rows
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-02-01 10:00') AS clock;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-01 10:00';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, format('user%s@%s', n, c.primary_domain), '2012-02-01 10:00'
  FROM subscription s JOIN customer c USING (reseller_id, customer_id), generate_series(1, 3) n
 WHERE s.reseller_id IN (:r1, :r2, :r3, :r4);
COMMIT;
SELECT subscription_id AS flex1 FROM subscription s
 WHERE s.reseller_id = :r1 AND s.plan = 'flexible' \gset
SELECT subscription_id AS annual1 FROM subscription s
 WHERE s.reseller_id = :r1 AND s.plan = 'annual_monthly' \gset
SELECT subscription_id AS trial2 FROM subscription s
 WHERE s.reseller_id = :r2 AND s.plan = 'trial' \gset
SELECT r.name AS reseller, s.plan, count(*) AS accounts, s.active_seats
  FROM seat a JOIN subscription s USING (reseller_id, subscription_id) JOIN reseller r USING (reseller_id)
 WHERE a.reseller_id IN (:r1, :r2, :r3, :r4) AND a.active_until IS NULL
 GROUP BY r.name, s.plan, s.active_seats ORDER BY 1, 2;

\echo == the rules refuse on the shards what they refuse on one node
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-02-03 12:00') AS clock;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-03 12:00';
SELECT pg_temp.refused(format($$INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
                        VALUES (%s, %s, 'fourth@acme.example', '2012-02-02 10:00')$$, :r1, :flex1)) AS over_the_flex_cap;
SELECT pg_temp.refused(format($$UPDATE subscription SET committed_seats = 5 WHERE reseller_id = %s AND subscription_id = %s$$,
                      :r1, :annual1)) AS fewer_committed_seats;
SELECT pg_temp.refused(format($$DELETE FROM seat WHERE reseller_id = %s AND subscription_id = %s$$, :r1, :flex1)) AS deleting_accounts;
SELECT pg_temp.refused(format($$INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
                        VALUES %s$$, (SELECT string_agg(format('(%s, %s, %L, %L)', :r2, :trial2, 'extra' || n || '@pine.example',
                                                               '2012-02-03 10:00'), ', ') FROM generate_series(1, 8) n))) AS over_the_trial_cap;
SELECT pg_temp.refused(format($$INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
                        VALUES (%s, %s, 'wrong@reseller.example', '2012-02-02 10:00')$$, :r2, :flex1)) AS another_resellers_subscription;
COMMIT;

\echo == an account ends, another takes its place under the cap
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-02-11 09:00') AS clock;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-11 09:00';
UPDATE seat SET active_until = '2012-02-10 17:00'
 WHERE reseller_id = :r1 AND subscription_id = :flex1 AND user_name LIKE 'user1@%';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:r1, :flex1, 'replacement@acme.example', '2012-02-11 09:00');
COMMIT;
SELECT user_name, active_from, active_until FROM seat
 WHERE reseller_id = :r1 AND subscription_id = :flex1 ORDER BY user_name;

\echo == more committed seats mid-term: a second tranche
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-03-12 11:00') AS clock;
SELECT add_seats(:r1, :annual1, 5, '2012-03-12 11:00') AS committed_seats;
SELECT r.name AS reseller, t.seats, t.price, t.starts_on, t.ends_on, t.total
  FROM commitment_tranche t JOIN reseller r USING (reseller_id)
 WHERE t.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY r.name, t.starts_on, t.seats;

\echo == the audit log: one row per change, on the shards and for the shared tables
SELECT table_name, operation, count(*) AS changes
  FROM audit_log
 WHERE reseller_id IN (0, :r1, :r2, :r3, :r4) AND table_name <> 'clock'
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(DISTINCT audit_id) = count(*) AS audit_ids_unique
  FROM audit_log WHERE reseller_id IN (0, :r1, :r2, :r3, :r4);
\echo == the history of the subscriptions
SELECT r.name AS reseller, count(*) AS history_rows
  FROM subscription_change h JOIN reseller r USING (reseller_id)
 WHERE h.reseller_id IN (:r1, :r2, :r3, :r4) GROUP BY r.name ORDER BY 1;

\echo == the month-end: a preview, then February closed, every reseller on its own shard
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-03-13 09:00') AS clock;
SELECT u.n AS reseller_no, p.line_no, p.kind, p.quantity, p.amount, p.invoice_kind
  FROM unnest(ARRAY[:r1, :r2, :r3, :r4]) WITH ORDINALITY u(id, n), preview_invoice(u.id, '2012-02') p
 ORDER BY 1, 2;
SELECT close_period('2012-02', :prog) AS february_invoices;
SELECT close_period('2012-02', :prog) AS closed_again;
SELECT r.name AS reseller, i.invoice_number - min(i.invoice_number) OVER () + 1 AS invoice_no, i.period, i.kind, i.status,
       i.subtotal, i.credits_applied, i.tax, i.total, i.issued_on, i.due_on
  FROM invoice i JOIN reseller r USING (reseller_id)
 WHERE i.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY r.name, i.period;
SELECT r.name AS reseller, l.line_no, l.kind, l.quantity, l.unit_price, l.amount, l.service
  FROM invoice_line l JOIN reseller r USING (reseller_id)
 WHERE l.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY r.name, l.invoice_id, l.line_no;

\echo == March: a payment, a credit, a charge, an account ended back in February (a late change)
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-03-14 09:00') AS clock;
SELECT record_payment(:r2, 'USD 56.67', 'bank_transfer', '2012-03-14', 'CLUSTER-R2-FEB') IS NOT NULL AS paid;
SELECT grant_credit(:r3, 'USD 5.00', 'service credit for an outage') IS NOT NULL AS credited;
SELECT add_charge(:r4, c.customer_id, 'setup', 'USD 20.00', '2012-03-14') IS NOT NULL AS charged
  FROM customer c WHERE c.reseller_id = :r4 AND c.name LIKE 'Acme%';
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-03-14 09:00';
UPDATE seat SET active_until = '2012-02-20 00:00'
 WHERE reseller_id = :r1 AND subscription_id = :flex1 AND user_name = 'replacement@acme.example';
COMMIT;
SELECT r.name AS reseller, lc.service_period FROM late_change lc JOIN reseller r USING (reseller_id)
 WHERE lc.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY 1, 2;

\echo == March closed by the scheduled job (run_due), with the payment, credit, charge and adjustment
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-04-02 09:00') AS clock;
CALL run_due();
SELECT r.name AS reseller, i.period, i.status, i.subtotal, i.credits_applied, i.tax, i.total, i.paid, i.due_on
  FROM invoice i JOIN reseller r USING (reseller_id)
 WHERE i.reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY r.name, i.period;
SELECT r.name AS reseller, l.line_no, l.kind, l.description, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) JOIN reseller r USING (reseller_id)
 WHERE l.reseller_id IN (:r1, :r2, :r3, :r4) AND i.period = '2012-03' ORDER BY r.name, l.line_no;
SELECT count(*) AS runs, sum(invoices) AS invoices FROM run_log;
SELECT * FROM reseller_balances WHERE reseller_id IN (:r1, :r2, :r3, :r4) ORDER BY reseller_id;

\echo == migration: a prepaid reseller moves to post-paid (its prepaid orders become Annual paid monthly, and it is credited)
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-04-03 09:00') AS clock;
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('apps_migration_cluster', 'Google Apps (cluster migration test)', 'USD', 0.20, 'America/Los_Angeles',
        '{"main_family": "apps"}')
RETURNING program_id AS mprog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:mprog, 'apps_m_cluster', 'Google Apps for Business', 'apps')
RETURNING sku_id AS mapps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:mapps, 'annual_prepaid', 'USD 50.00', '2011-01-01'),
    (:mapps, 'annual_monthly', 'USD 50.00', '2011-01-01'),
    (:mapps, 'flexible', 'USD 60.00', '2011-01-01');
INSERT INTO reseller (program_id, name, billing_model, country, region)
VALUES (:mprog, 'Sierra Cloud (cluster)', 'prepaid', 'US', 'CA') RETURNING reseller_id AS m1 \gset
INSERT INTO reseller (program_id, name, billing_model, country, region)
VALUES (:mprog, 'Tahoe Apps (cluster)', 'prepaid', 'US', 'NV') RETURNING reseller_id AS m2 \gset
INSERT INTO customer (reseller_id, name, primary_domain, kind)
SELECT r, c || ' of ' || r, lower(c) || r || '.example', 'online'
  FROM unnest(ARRAY[:m1, :m2]) r, unnest(ARRAY['Fresno', 'Modesto']) c;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-04-03 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start, renewal_setting)
SELECT c.reseller_id, c.customer_id, :mapps, 'annual_prepaid', CASE WHEN c.name LIKE 'Fresno%' THEN 5 ELSE 4 END,
       CASE WHEN c.name LIKE 'Fresno%' THEN date '2012-01-01' ELSE date '2012-03-01' END, 'auto_renew'
  FROM customer c WHERE c.reseller_id IN (:m1, :m2);
COMMIT;
SELECT orders_migrated, customers_before, customers_after, subscriptions_before, subscriptions_after
  FROM migrate_to_postpaid(:m1, '2012-04-03 09:00');
SELECT orders_migrated FROM migrate_to_postpaid(:m2, '2012-04-03 09:00');
SELECT r.name AS reseller, r.billing_model, c.name AS customer, s.plan, s.status, s.committed_seats, s.term_start, s.term_end
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN reseller r USING (reseller_id)
 WHERE s.reseller_id IN (:m1, :m2) ORDER BY r.name, c.name;
SELECT customer_name, seats, term_start, term_end, amount_paid, days_in_term, days_left, amount_credited, migrated_to
  FROM migration_credit_statement WHERE reseller_id IN (:m1, :m2) ORDER BY reseller_id, customer_name;
SELECT pg_temp.refused(format($$SELECT reseller_billing.migrate_to_postpaid(%s, '2012-04-03 09:00')$$, :m1)) AS migrating_again;
SELECT pg_temp.refused(format($$UPDATE reseller_billing.reseller SET billing_model = 'prepaid' WHERE reseller_id = %s$$, :m1))
       AS back_to_prepaid;
SELECT pg_temp.refused(format($$UPDATE reseller_billing.subscription SET plan = 'annual_prepaid' WHERE reseller_id = %s$$, :m2))
       AS plan_back;

\echo == licence orders (GroupDocs): placed, a temporary licence, paid, cancelled, refunded, the monthly statement
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2024-01-25 09:00') AS clock;
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES ('groupdocs_cluster', 'GroupDocs (cluster test)', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12,
          "prepaid_first_orders": 3, "temporary_licence_max_days": 30}')
RETURNING program_id AS gdp \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES
    (:gdp, 'GDC-WORDS', 'GroupDocs.Words Developer', 'words', 'licence'),
    (:gdp, 'GDC-CONV', 'GroupDocs.Conversion Developer', 'conversion', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT k.sku_id, 'annual_prepaid', p.list::amount, '2020-01-01'
  FROM sku k JOIN (VALUES ('GDC-WORDS', 'USD 999.00'), ('GDC-CONV', 'USD 1499.00')) AS p(code, list) ON p.code = k.code
 WHERE k.program_id = :gdp;
INSERT INTO us_sales_tax_rate (state, rate, valid_from, note) VALUES ('NV', 0.0685, '2020-01-01', 'cluster test');
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:gdp, 'Bay Docs (cluster)', 'retail', 'US', 'NV') RETURNING reseller_id AS bay \gset
SELECT place_order(:bay, '{"name": "Acme Corp", "email": "it@acme.example"}',
                   '[{"sku": "GDC-WORDS", "quantity": 1}]', '2024-01-08') AS o1 \gset
SELECT place_order(:bay, '{"name": "Globex", "email": "licensing@globex.example"}',
                   '[{"sku": "GDC-CONV", "quantity": 2}]', '2024-01-10') AS o2 \gset
SELECT place_order(:bay, '{"name": "Initech", "email": "ops@initech.example"}',
                   '[{"sku": "GDC-WORDS", "quantity": 2}]', '2024-01-12') AS o3 \gset
SELECT issue_temporary_licence(:o1, 14, '2024-01-08') AS temporary_licences;
SELECT record_order_payment(:bay, 'USD 960.69', 'bank_transfer', '2024-01-16', 'BAY-001', :o1) IS NOT NULL AS recorded;
SELECT pg_temp.refused(format($$SELECT reseller_billing.record_order_payment(%s, 'USD 10.00', 'card', '2024-01-16', 'BAY-X', %s)$$,
                              :bay, :o3)) AS paying_by_card;
SELECT cancel_order(:o2, 'the customer chose another product', '2024-01-17') IS NOT NULL AS cancelled;
SELECT refund_order(:o1, 'USD 100.00', 'one developer fewer', '2024-01-20') IS NOT NULL AS refunded;
SELECT pg_temp.refused(format($$SELECT reseller_billing.refund_order(%s, 'USD 900.00', 'more than paid', '2024-01-21')$$, :o1)) AS refund_over_paid;
SELECT ship_to_name, status, total, paid, outstanding, cancelled_on, returned
  FROM reseller_orders WHERE reseller_id = :bay ORDER BY ship_to_name;
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2024-02-01 09:00') AS clock;
SELECT monthly_statement(:bay, '2024-02') IS NOT NULL AS statement_written;
SELECT line_no, kind, description, amount, outstanding FROM order_statement_lines
 WHERE reseller_id = :bay ORDER BY line_no;

\echo == events: what the flows wrote, claimed by a consumer in batches and acknowledged, never twice
SELECT kind, count(*) AS events FROM event GROUP BY kind ORDER BY kind;
CREATE TEMP TABLE flows_batch AS SELECT * FROM claim_events('flows.mailer', 3);
SELECT count(*) AS first_batch FROM flows_batch;
SELECT ack_events('flows.mailer', ARRAY(SELECT event_id FROM flows_batch)) AS acknowledged;
SELECT count(*) AS rest FROM claim_events('flows.mailer', 10000);
SELECT pg_temp.refused($$SELECT reseller_billing.ack_events('flows.mailer', ARRAY[-1]::bigint[])$$) AS ack_unclaimed;
SELECT ack_events('flows.mailer', ARRAY(SELECT event_id FROM event_delivery WHERE consumer = 'flows.mailer' AND acked_at IS NULL))
       AS acknowledged;
SELECT count(*) AS left_for_the_mailer FROM claim_events('flows.mailer', 10000);
SELECT count(*) = (SELECT count(*) FROM event) AS another_consumer_gets_all FROM claim_events('flows.crm', 10000);

\echo == row-level security: an application login bound to one reseller (its queries run on the workers as that login)
CREATE ROLE flows_app LOGIN IN ROLE reseller_billing_reseller;
SELECT bind_login('flows_app', :r1) \g /dev/null
SET SESSION AUTHORIZATION flows_app;
SELECT current_reseller() = :r1 AS acts_for_r1;
SELECT count(*) AS subscriptions_seen, count(DISTINCT reseller_id) AS resellers_seen FROM subscription;
SELECT count(*) AS invoices_seen, count(DISTINCT reseller_id) AS resellers_seen FROM invoice;
SELECT p.line_no, p.kind, p.amount FROM preview_invoice(:r1, '2012-04') p ORDER BY 1;
SELECT count(*) AS other_resellers_rows FROM subscription WHERE reseller_id = :r2;
SELECT kind, count(*) AS claimed FROM claim_events('flows.app', 100) GROUP BY kind ORDER BY kind;
RESET SESSION AUTHORIZATION;
SELECT unbind_login('flows_app') \g /dev/null
DROP OWNED BY flows_app;
DROP ROLE flows_app;

\echo == the clock runs again (the demo parts that follow date their own facts)
SELECT thaw_clock() \g /dev/null

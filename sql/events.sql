--
-- events: the transactional outbox (issue 16 §3; doc/events.md).  Each kind
-- of event is written once by the path where the business event happens:
--   seat_cap.reached     accounts added to a Flex plan up to its cap (and
--                        again after the cap was raised and reached again)
--   invoice.issued       the month-end close, by run_due
--   trial.ending         run_due, 7 and 1 days before a trial's end, once each
--   invoice.overdue      run_due, the day after the due date, once
--   credit_note.issued   issue_credit_note on an invoice; credit_order on an order
--   payment.recorded     record_payment, record_order_payment
--   order.prepayment_required  place_order of a new reseller
--   statement.written    run_due on the 1st: the monthly statement of orders
--   migration.completed  migrate_to_postpaid
-- then the consumer API: claim, lease, acknowledge, two consumers,
-- row-level security, and the bad input.
--
-- It runs in a database of its own (run_due works on every program of a
-- database); the billing clock is frozen in 2012, so every event's time is
-- shown as it was written.  No generated id is printed.
--
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_events;
CREATE DATABASE rb_events;
\c rb_events
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
\i sql/include/error_of.sql

-- what the events say, without their ids
CREATE TEMP VIEW ev AS
SELECT e.reseller_id AS r, e.kind, e.occurred_at,
       e.payload - ARRAY['invoice_id', 'credit_note_id', 'payment_id', 'statement_id', 'order_id', 'return_id',
                         'subscription_id', 'customer_id', 'sku_id', 'credit_id'] AS payload
  FROM event e ORDER BY e.event_id;

SELECT freeze_clock('2012-03-01 09:00+00') IS NOT NULL AS frozen;
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days)
VALUES (1, 'ev_apps', 'Apps reseller program', 'USD', 0.20, 'UTC', 30, 3, 30);
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (1, 1, 'ev_apps', 'Apps', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (1, 'annual_prepaid', 'USD 50', '2011-01-01'),
    (1, 'annual_monthly', 'USD 50', '2011-01-01'),
    (1, 'flexible', 'USD 60', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (1, 1, 'Alpha Partners', 'US'),
    (2, 1, 'Beta Partners', 'US');
INSERT INTO reseller (reseller_id, program_id, name, billing_model, country) VALUES
    (3, 1, 'Prepaid Partners', 'prepaid', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (1, 1, 'Acme'), (2, 2, 'Globex'), (3, 3, 'Initech');

-- the prepaid reseller's order, migrated in April
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (3, 4, 3, 1, 'annual_prepaid', 4);

-- ===========================================================================
-- seat_cap.reached: a Flex plan with a cap of 2
-- ===========================================================================
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (1, 1, 1, 1, 'flexible', 2), (2, 2, 2, 1, 'flexible', 5);
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (1, 1, 'ann', '2012-03-01 09:00+00');
SELECT count(*) AS events FROM event;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (1, 1, 'bob', '2012-03-01 09:00+00');
-- one account replaced by another in one transaction: still at the cap, no new event
BEGIN;
UPDATE seat SET active_until = '2012-03-01 09:00+00' WHERE reseller_id = 1 AND user_name = 'bob';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (1, 1, 'cy', '2012-03-01 09:00+00');
COMMIT;
-- the cap raised, then reached again: a second event
SELECT set_seat_cap(1, 1, 3) IS NOT NULL AS raised;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (1, 1, 'dee', '2012-03-01 09:00+00');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (2, 2, 'gil', '2012-03-01 09:00+00');
SELECT * FROM ev;

-- ===========================================================================
-- invoice.issued: March closed by run_due on April 2; a trial from March 20
-- (it ends on April 19)
-- ===========================================================================
CALL advance_clock('2012-03-20 09:00+00');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan) VALUES (2, 3, 2, 1, 'trial');
SELECT trial_end FROM subscription WHERE subscription_id = 3;
CALL advance_clock('2012-04-02 06:00+00');
SELECT * FROM ev WHERE kind = 'invoice.issued';
-- closing March again bills nothing, and writes no event
CALL run_due();
SELECT kind, count(*) FROM event GROUP BY kind ORDER BY kind;

-- ===========================================================================
-- trial.ending: the daily run 7 days before the trial's end, the day after
-- (nothing new), and the day before its end
-- ===========================================================================
CALL advance_clock('2012-04-12 06:00+00');
SELECT kind, payload ->> 'days_left' AS days_left FROM ev WHERE kind = 'trial.ending';
CALL advance_clock('2012-04-13 06:00+00');
CALL advance_clock('2012-04-18 06:00+00');
CALL run_due();
SELECT * FROM ev WHERE kind = 'trial.ending';

-- ===========================================================================
-- migration.completed: the prepaid reseller moves mid-April
-- ===========================================================================
CALL advance_clock('2012-04-18 08:00+00');
SELECT orders_migrated FROM migrate_to_postpaid(3);
SELECT * FROM ev WHERE kind = 'migration.completed';

-- ===========================================================================
-- invoice.overdue: March's invoices were due on May 1 (net 30 from March 31);
-- the run of May 2 finds them overdue (and closes April), the next run
-- writes nothing new; a credit note and a payment on Alpha's
-- ===========================================================================
CALL advance_clock('2012-05-02 06:00+00');
CALL run_due();
SELECT * FROM ev WHERE kind IN ('invoice.overdue', 'invoice.issued') AND occurred_at >= '2012-05-01';
CALL advance_clock('2012-05-03 10:00+00');
SELECT issue_credit_note(1, invoice_id, 'USD 1.00', 'goodwill: a late account') IS NOT NULL AS credited
  FROM invoice WHERE reseller_id = 1 AND period = '2012-03';
SELECT record_payment(1, 'USD 5.00', 'bank_transfer', '2012-05-03', 'ALPHA-0001') IS NOT NULL AS paid;
SELECT * FROM ev WHERE kind IN ('credit_note.issued', 'payment.recorded');

-- ===========================================================================
-- licence orders: a new reseller's first order must be prepaid
-- (order.prepayment_required), its payment (payment.recorded), an order on
-- credit, the statement of June 1 (statement.written), a credit note on the
-- paid order (credit_note.issued)
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (2, 'ev_docs', 'Docs reseller program', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12, "prepaid_first_orders": 1}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES (2, 2, 'EV-WORDS', 'Words Developer', 'words', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (2, 'annual_prepaid', 'USD 999.00', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, business_type, country, region) VALUES (4, 2, 'Docs Direct', 'retail', 'US', 'OR');
SELECT place_order(4, '{"name": "Hooli", "email": "it@hooli.example"}', '[{"sku": "EV-WORDS", "quantity": 1}]') AS o1 \gset
SELECT record_order_payment(4, 'USD 899.10', 'bank_transfer', '2012-05-03', 'DD-001') IS NOT NULL AS recorded;
SELECT place_order(4, '{"name": "Umbrella", "email": "it@umbrella.example"}', '[{"sku": "EV-WORDS", "quantity": 2}]') IS NOT NULL AS placed;
SELECT * FROM ev WHERE r = 4;
CALL advance_clock('2012-06-01 06:00+00');
SELECT credit_order(:o1, 'USD 100.00', 'a licence returned') IS NOT NULL AS credited;
SELECT * FROM ev WHERE r = 4 AND kind IN ('statement.written', 'credit_note.issued');

-- every kind, once per business event; the once keys are unique
SELECT kind, count(*) AS events, count(DISTINCT once_key) AS once_keys FROM event GROUP BY kind ORDER BY kind;

-- ===========================================================================
-- a failed change writes no event
-- ===========================================================================
SELECT count(*) AS before FROM event \gset
SELECT pg_temp.error_of($$SELECT record_payment(1, 'USD 5.00', 'bank_transfer', '2012-06-01', 'ALPHA-0001')$$);
SELECT pg_temp.error_of($$INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
                          VALUES (1, 1, 'eve', '2012-06-01 06:00+00'), (1, 1, 'fay', '2012-06-01 06:00+00')$$);
BEGIN;
SELECT record_payment(2, 'USD 1.00', 'bank_transfer', '2012-06-01', 'BETA-ROLLED-BACK') IS NOT NULL AS paid;
ROLLBACK;
SELECT count(*) - :before AS new_events FROM event;

-- ===========================================================================
-- consuming: claim, lease, acknowledge
-- ===========================================================================
SELECT count(*) AS all_events FROM event \gset
-- the mailer takes 5, then the next 5: never the same event twice
CREATE TEMP TABLE got (consumer text, batch int, event_id bigint, kind text, attempt int);
INSERT INTO got SELECT 'mailer', 1, c.event_id, c.kind, c.attempt FROM claim_events('mailer', 5) c;
INSERT INTO got SELECT 'mailer', 2, c.event_id, c.kind, c.attempt FROM claim_events('mailer', 5) c;
SELECT batch, count(*), count(DISTINCT event_id), min(attempt), max(attempt) FROM got GROUP BY batch ORDER BY batch;
SELECT count(*) AS claimed_twice FROM (SELECT event_id FROM got GROUP BY event_id HAVING count(*) > 1) x;
-- the batches come in event order
SELECT bool_and(b1.event_id < b2.event_id) AS in_order FROM got b1, got b2 WHERE b1.batch = 1 AND b2.batch = 2;
-- the first batch acknowledged: 5; again: 0 (done already)
SELECT ack_events('mailer', array_agg(event_id)) AS acked FROM got WHERE batch = 1;
SELECT ack_events('mailer', array_agg(event_id)) AS acked_again FROM got WHERE batch = 1;
-- another consumer gets every event, independently of the mailer
SELECT count(*) = :all_events AS crm_gets_all FROM claim_events('crm.sync', 1000);
-- the rest for the mailer: the second batch is still leased, so not handed out
SELECT count(*) = :all_events - 10 AS mailer_gets_the_rest FROM claim_events('mailer', 1000) c
 WHERE c.event_id NOT IN (SELECT event_id FROM got);
-- a lease that ends: the mailer's second batch, leased again for 1 ms
UPDATE event_delivery SET claimed_until = claimed_at WHERE consumer = 'mailer'
   AND event_id IN (SELECT event_id FROM got WHERE batch = 2);
SELECT count(*) AS handed_again, min(attempt) AS attempt FROM claim_events('mailer', 1000);
SELECT ack_events('mailer', (SELECT array_agg(d.event_id) FROM event_delivery d WHERE d.consumer = 'mailer')) = :all_events - 5 AS acked_rest;
SELECT count(*) AS nothing_left FROM claim_events('mailer', 1000, '1 second');
SELECT consumer, count(*), count(acked_at) AS acked, max(attempts) FROM event_delivery GROUP BY consumer ORDER BY consumer;
-- an event written later reaches both consumers
SELECT record_payment(2, 'USD 3.00', 'cheque', '2012-06-01', 'BETA-0002') IS NOT NULL AS paid;
SELECT consumer, c.kind, c.payload ->> 'reference' AS reference, c.attempt
  FROM unnest(ARRAY['mailer', 'crm.sync']) consumer, claim_events(consumer, 10) c ORDER BY consumer;

-- ===========================================================================
-- row-level security: a reseller's application sees and claims its own
-- ===========================================================================
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ev_alpha;
DROP ROLE IF EXISTS regress_ev_portal;
CREATE ROLE regress_ev_alpha IN ROLE reseller_billing_reseller;
CREATE ROLE regress_ev_portal IN ROLE reseller_billing_customer;
RESET client_min_messages;
SELECT 1 AS trusted FROM (SELECT trust_login('regress_ev_alpha')) x;
SELECT min(event_id) AS beta_event FROM event_delivery WHERE consumer = 'crm.sync' AND reseller_id = 2 \gset
SET SESSION AUTHORIZATION regress_ev_alpha;
SET reseller_billing.reseller_id = '1';
SELECT DISTINCT reseller_id FROM event;
SELECT DISTINCT reseller_id FROM event_delivery;
SELECT DISTINCT c.reseller_id, count(*) FROM claim_events('alpha.app', 100) c GROUP BY 1;
-- Beta's events are not Alpha's to see, claim or acknowledge (even under
-- the name of a consumer that claimed it as the back office)
SELECT count(*) AS beta_seen FROM event WHERE event_id = :beta_event;
SELECT count(*) AS beta_claimed FROM claim_events('crm.sync', 1000) c WHERE c.reseller_id <> 1;
SELECT left(pg_temp.error_of(format('SELECT ack_events(%L, ARRAY[%s])', 'crm.sync', :beta_event)), 5) AS sqlstate;
SELECT pg_temp.error_of($$INSERT INTO event (reseller_id, kind, payload) VALUES (1, 'invoice.issued', '{}')$$);
SELECT pg_temp.error_of($$UPDATE event_delivery SET acked_at = NULL$$);
RESET reseller_billing.reseller_id;
SELECT pg_temp.error_of($$SELECT * FROM claim_events('alpha.app', 10)$$);
SELECT count(*) AS seen_with_no_tenant FROM event;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ev_portal;
SELECT pg_temp.error_of($$SELECT count(*) FROM event$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('portal', 10)$$);
RESET SESSION AUTHORIZATION;

-- ===========================================================================
-- bad input: refused, nothing written
-- ===========================================================================
SELECT count(*) AS deliveries FROM event_delivery \gset
SELECT pg_temp.error_of($$SELECT * FROM claim_events(NULL, 10)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('Mailer', 10)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('', 10)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', NULL)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', 0)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', -3)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', 10001)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', 10, NULL)$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', 10, '0 seconds')$$);
SELECT pg_temp.error_of($$SELECT * FROM claim_events('mailer', 10, '2 days')$$);
SELECT pg_temp.error_of($$SELECT ack_events(NULL, ARRAY[1])$$);
SELECT pg_temp.error_of($$SELECT ack_events('mailer', NULL)$$);
SELECT pg_temp.error_of($$SELECT ack_events('mailer', ARRAY[1, NULL])$$);
SELECT pg_temp.error_of($$SELECT ack_events('mailer', ARRAY[-1])$$);
SELECT pg_temp.error_of($$SELECT ack_events('never.claimed', ARRAY[1])$$);
-- one id never claimed among claimed ones: nothing is acknowledged
SELECT count(*) AS claimed FROM claim_events('late', 2);
SELECT pg_temp.error_of(format('SELECT ack_events(''late'', ARRAY[%s, -5])',
       (SELECT string_agg(event_id::text, ',') FROM event_delivery WHERE consumer = 'late')));
SELECT count(acked_at) AS late_acked FROM event_delivery WHERE consumer = 'late';
SELECT ack_events('late', '{}') AS acked_none;
SELECT count(*) - :deliveries AS new_deliveries FROM event_delivery;
SELECT pg_temp.error_of($$SELECT emit_due_events(NULL)$$);
-- the program setting of the notices
SELECT trial_notice_days('{}') AS default_days, trial_notice_days('{"trial_notice_days": [1, 14, 3]}') AS days;
SELECT pg_temp.error_of($$SELECT trial_notice_days('{"trial_notice_days": [7, "x"]}')$$);
SELECT pg_temp.error_of($$SELECT trial_notice_days('{"trial_notice_days": 7}')$$);
SELECT pg_temp.error_of($$SELECT trial_notice_days('{"trial_notice_days": [0]}')$$);

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE rb_events;
DROP ROLE regress_ev_alpha;
DROP ROLE regress_ev_portal;

-- make demo, part 10: the events of the demo's run (issue 16 §3;
-- doc/events.md).
--
-- Every business event of parts 1 to 9 was written in the transaction that
-- made the change, into the outbox table event: the invoices the closes
-- issued, the credit notes, the payments, the overdue invoices and the
-- trials about to end that the daily runs found, the statements, the orders
-- to prepay, the Flex caps reached, the migration.  Here an application
-- reads them as a consumer would: the mailer claims a batch, acknowledges
-- it, and claims the rest; a CRM sync, another consumer, gets every event
-- too; a reseller's application claims only its own.  The sandbox of part 8
-- (a year simulated on a frozen clock) has its own events.
--
-- Ids and the moments of the demo's own run (its parts run on the day the
-- demo runs) are not printed, so the output is the same every day.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== The events of the run, by kind (written by the rules, in the transaction of each change) =='
SELECT kind, count(*) AS events, count(DISTINCT reseller_id) AS resellers
  FROM event GROUP BY kind ORDER BY kind;

\echo
\echo '== One event of each kind, as a consumer receives it (payload without ids) =='
SELECT DISTINCT ON (e.kind) e.kind, r.name AS reseller,
       e.payload - ARRAY['invoice_id', 'credit_note_id', 'payment_id', 'statement_id', 'order_id', 'return_id',
                         'subscription_id', 'customer_id', 'sku_id', 'credit_id', 'migrated_at'] AS payload
  FROM event e JOIN reseller r USING (reseller_id)
 ORDER BY e.kind, e.event_id;

\echo
\echo '== The invoices issued and found overdue, reseller by reseller =='
SELECT r.name AS reseller, e.kind, e.payload ->> 'period' AS period, e.payload ->> 'invoice_number' AS invoice,
       e.payload ->> 'total' AS total, e.payload ->> 'due_on' AS due_on, e.payload ->> 'days_overdue' AS days_overdue
  FROM event e JOIN reseller r USING (reseller_id)
 WHERE e.kind IN ('invoice.issued', 'invoice.overdue')
 ORDER BY r.name, (e.payload ->> 'invoice_number')::bigint, e.kind;

\echo
\echo '== The mailer claims a batch of 5 (leased for 5 minutes) and acknowledges it =='
CREATE TEMP TABLE mailer_batch AS SELECT * FROM claim_events('mailer', 5);
SELECT kind, attempt FROM mailer_batch ORDER BY event_id;
SELECT ack_events('mailer', ARRAY(SELECT event_id FROM mailer_batch)) AS acknowledged;

\echo
\echo '== ... then the rest; nothing is handed out twice =='
SELECT count(*) AS rest FROM claim_events('mailer', 10000);
SELECT ack_events('mailer', ARRAY(SELECT event_id FROM event_delivery WHERE consumer = 'mailer' AND acked_at IS NULL))
       AS acknowledged;
SELECT count(*) AS left_for_the_mailer FROM claim_events('mailer', 10000);

\echo
\echo '== Another consumer, the CRM sync, gets every event as well =='
SELECT count(*) = (SELECT count(*) FROM event) AS crm_gets_every_event FROM claim_events('crm.sync', 10000);
SELECT consumer, count(*) AS delivered, count(acked_at) AS acknowledged FROM event_delivery
 GROUP BY consumer ORDER BY consumer;

\echo
\echo '== A reseller''s application claims its own events only (row-level security, and the claim''s scope) =='
SELECT reseller_id AS bay_docs FROM reseller WHERE name = 'Bay Docs LLC' \gset
SET ROLE reseller_billing_reseller;
SELECT set_config('reseller_billing.reseller_id', :'bay_docs', false) IS NOT NULL AS acting_for_bay_docs;
SELECT count(*) AS events_it_sees, count(DISTINCT reseller_id) AS resellers FROM event;
SELECT kind, count(*) AS claimed FROM claim_events('bay.app', 100) GROUP BY kind ORDER BY kind;
RESET reseller_billing.reseller_id;
RESET ROLE;

\echo
\echo '== The sandbox of part 8: a year simulated, its events (written on the frozen clock) =='
\c rb_demo_clock
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SELECT kind, count(*) AS events, min(occurred_at)::date AS first, max(occurred_at)::date AS last
  FROM event GROUP BY kind ORDER BY kind;
\c rb_demo

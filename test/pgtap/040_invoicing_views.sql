-- test/pgtap/040_invoicing_views.sql
--
-- The invoicing schema as BI tools and auditors meet it (issue 4 §2, §4):
--   * the seven views (invoices, invoice_lines, reseller_balances,
--     receivables_aging, recurring_revenue, seat_utilisation, close_status)
--     exist with exactly their documented columns and types;
--   * every view of the schema is security_invoker (checked from the
--     catalog, so a view added later is covered too), and it works: a role
--     allowed to read a view but not the table under it is refused;
--   * plain columns: no view exposes a type of the extension (amount,
--     billing_period, plan_kind): amounts are numeric next to a text
--     currency code, periods and plans are text; after a close the numbers
--     read through the views are the invoice's amounts;
--   * issued invoices are final: the immutability triggers are on invoice,
--     invoice_line and credit_application with their timing and functions,
--     TRUNCATE is refused by trigger on every financial table (invoice,
--     lines, credit applications, credit notes, payments and their
--     allocations, credits), and TRUNCATE
--     is not granted to PUBLIC; exercised on a closed month: UPDATE,
--     DELETE and TRUNCATE of an issued invoice or its lines fail, and a role
--     with every other privilege still may not TRUNCATE.
--
-- Runs inside one transaction that is rolled back.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS reseller_billing;

SELECT plan(154);

-- ---------------------------------------------------------------------------
-- The views, their columns and types
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE expected_col (vw text, ord int, col text, ty text);
INSERT INTO expected_col VALUES
    ('invoices', 1, 'reseller_id', 'bigint'),
    ('invoices', 2, 'reseller_name', 'text'),
    ('invoices', 3, 'program_code', 'text'),
    ('invoices', 4, 'invoice_id', 'bigint'),
    ('invoices', 5, 'invoice_number', 'bigint'),
    ('invoices', 6, 'period', 'text'),
    ('invoices', 7, 'period_start', 'date'),
    ('invoices', 8, 'kind', 'text'),
    ('invoices', 9, 'status', 'text'),
    ('invoices', 10, 'issued_on', 'date'),
    ('invoices', 11, 'due_on', 'date'),
    ('invoices', 12, 'currency', 'text'),
    ('invoices', 13, 'subtotal', 'numeric'),
    ('invoices', 14, 'credits_applied', 'numeric'),
    ('invoices', 15, 'tax', 'numeric'),
    ('invoices', 16, 'total', 'numeric'),
    ('invoices', 17, 'paid', 'numeric'),
    ('invoices', 18, 'credited', 'numeric'),
    ('invoices', 19, 'balance', 'numeric'),
    ('invoice_lines', 1, 'reseller_id', 'bigint'),
    ('invoice_lines', 2, 'invoice_id', 'bigint'),
    ('invoice_lines', 3, 'invoice_number', 'bigint'),
    ('invoice_lines', 4, 'period', 'text'),
    ('invoice_lines', 5, 'line_no', 'integer'),
    ('invoice_lines', 6, 'kind', 'text'),
    ('invoice_lines', 7, 'customer_id', 'bigint'),
    ('invoice_lines', 8, 'customer_name', 'text'),
    ('invoice_lines', 9, 'subscription_id', 'bigint'),
    ('invoice_lines', 10, 'sku_code', 'text'),
    ('invoice_lines', 11, 'sku_family', 'text'),
    ('invoice_lines', 12, 'description', 'text'),
    ('invoice_lines', 13, 'quantity', 'numeric'),
    ('invoice_lines', 14, 'unit_price', 'numeric'),
    ('invoice_lines', 15, 'amount', 'numeric'),
    ('invoice_lines', 16, 'currency', 'text'),
    ('invoice_lines', 17, 'service_period', 'text'),
    ('invoice_lines', 18, 'service_start', 'date'),
    ('invoice_lines', 19, 'service_end', 'date'),
    ('invoice_lines', 20, 'credit_applied', 'numeric'),
    ('reseller_balances', 1, 'reseller_id', 'bigint'),
    ('reseller_balances', 2, 'reseller_name', 'text'),
    ('reseller_balances', 3, 'currency', 'text'),
    ('reseller_balances', 4, 'invoiced', 'numeric'),
    ('reseller_balances', 5, 'paid', 'numeric'),
    ('reseller_balances', 6, 'credited', 'numeric'),
    ('reseller_balances', 7, 'outstanding', 'numeric'),
    ('reseller_balances', 8, 'unapplied_payments', 'numeric'),
    ('reseller_balances', 9, 'credit_remaining', 'numeric'),
    ('receivables_aging', 1, 'reseller_id', 'bigint'),
    ('receivables_aging', 2, 'reseller_name', 'text'),
    ('receivables_aging', 3, 'currency', 'text'),
    ('receivables_aging', 4, 'current', 'numeric'),
    ('receivables_aging', 5, 'days_1_30', 'numeric'),
    ('receivables_aging', 6, 'days_31_60', 'numeric'),
    ('receivables_aging', 7, 'days_61_90', 'numeric'),
    ('receivables_aging', 8, 'over_90', 'numeric'),
    ('receivables_aging', 9, 'total', 'numeric'),
    ('recurring_revenue', 1, 'program_code', 'text'),
    ('recurring_revenue', 2, 'reseller_id', 'bigint'),
    ('recurring_revenue', 3, 'reseller_name', 'text'),
    ('recurring_revenue', 4, 'currency', 'text'),
    ('recurring_revenue', 5, 'annual_mrr', 'numeric'),
    ('recurring_revenue', 6, 'flex_mrr', 'numeric'),
    ('recurring_revenue', 7, 'mrr', 'numeric'),
    ('recurring_revenue', 8, 'subscriptions', 'bigint'),
    ('seat_utilisation', 1, 'reseller_id', 'bigint'),
    ('seat_utilisation', 2, 'reseller_name', 'text'),
    ('seat_utilisation', 3, 'subscription_id', 'bigint'),
    ('seat_utilisation', 4, 'customer_id', 'bigint'),
    ('seat_utilisation', 5, 'customer_name', 'text'),
    ('seat_utilisation', 6, 'sku_code', 'text'),
    ('seat_utilisation', 7, 'plan', 'text'),
    ('seat_utilisation', 8, 'status', 'text'),
    ('seat_utilisation', 9, 'seat_limit', 'integer'),
    ('seat_utilisation', 10, 'active_seats', 'integer'),
    ('seat_utilisation', 11, 'utilisation', 'numeric'),
    ('close_status', 1, 'program_code', 'text'),
    ('close_status', 2, 'period', 'text'),
    ('close_status', 3, 'started_at', 'timestamp with time zone'),
    ('close_status', 4, 'updated_at', 'timestamp with time zone'),
    ('close_status', 5, 'resellers_total', 'integer'),
    ('close_status', 6, 'resellers_done', 'integer'),
    ('close_status', 7, 'invoices_written', 'integer'),
    ('close_status', 8, 'finished', 'boolean'),
    ('close_status', 9, 'percent_done', 'numeric');

-- 7 tests
SELECT has_view('reseller_billing', v, format('view reseller_billing.%s exists', v))
FROM unnest(ARRAY['invoices', 'invoice_lines', 'reseller_balances', 'receivables_aging',
                  'recurring_revenue', 'seat_utilisation', 'close_status']) AS v;

-- 7 tests: exactly these columns (no more, no fewer)
SELECT columns_are('reseller_billing', vw, array_agg(col ORDER BY ord),
                   format('%s has columns %s', vw, string_agg(col, ', ' ORDER BY ord)))
FROM expected_col GROUP BY vw ORDER BY min(ord), vw;

-- 1 test: in this order (a BI tool's saved report may address them by position)
SELECT results_eq(
    $$SELECT c.relname::text COLLATE "default", a.attname::text COLLATE "default",
             row_number() OVER (PARTITION BY c.relname ORDER BY a.attnum)::int
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'reseller_billing'::regnamespace
         AND c.relname IN (SELECT vw FROM expected_col)
         AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY 1, 3$$,
    $$SELECT vw, col, ord FROM expected_col ORDER BY 1, 3$$,
    'the view columns come in the documented order');

-- 85 tests
SELECT col_type_is('reseller_billing', vw, col, ty, format('%s.%s is %s', vw, col, ty))
FROM expected_col ORDER BY vw, ord;

-- ---------------------------------------------------------------------------
-- security_invoker, plain columns
-- ---------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*)::int FROM pg_class
                WHERE relnamespace = 'reseller_billing'::regnamespace AND relkind IN ('v', 'm')), '>=', 7,
              'the schema has at least the seven views');

SELECT is(array_agg(relname::text ORDER BY relname), NULL,
          'every view of the schema has security_invoker=true in its reloptions')
FROM pg_class
WHERE relnamespace = 'reseller_billing'::regnamespace AND relkind = 'v'
  AND NOT coalesce('security_invoker=true' = ANY (reloptions), false);

SELECT is(array_agg(relname::text ORDER BY relname), NULL,
          'the schema has no materialized view (it would show every reader the same rows)')
FROM pg_class
WHERE relnamespace = 'reseller_billing'::regnamespace AND relkind = 'm';

-- no view column is of a type (or array or domain of a type) of the extension
SELECT is(array_agg(format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod))
                    ORDER BY 1), NULL,
          'no view column has a type of the extension (amount, billing_period, plan_kind): plain columns only')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typelem <> 0
LEFT JOIN pg_type b ON b.oid = t.typbasetype AND t.typbasetype <> 0
WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'v'
  AND a.attnum > 0 AND NOT a.attisdropped
  AND 'reseller_billing'::regnamespace IN (t.typnamespace, e.typnamespace, b.typnamespace);

-- every view with money in it carries the currency beside it
SELECT is(array_agg(c.relname::text ORDER BY c.relname), NULL,
          'every view with an amount column (numeric) other than quantities and ratios has a text currency column')
FROM pg_class c
WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'v'
  AND EXISTS (SELECT FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.atttypid = 'numeric'::regtype
                 AND a.attname NOT IN ('quantity', 'utilisation', 'percent_done', 'rate'))  -- rate: a tax rate, a ratio
  AND NOT EXISTS (SELECT FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attname = 'currency' AND a.atttypid = 'text'::regtype);

-- ---------------------------------------------------------------------------
-- Immutability: triggers and privileges
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE expected_trigger (tbl text, tgname text, func text, timing text, events text, level text);
INSERT INTO expected_trigger VALUES
    ('invoice', 'invoice_guard', 'invoice_guard', 'BEFORE', 'UPDATE DELETE', 'ROW'),
    ('invoice', 'invoice_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('invoice_line', 'invoice_line_guard', 'invoice_line_guard', 'BEFORE', 'INSERT UPDATE DELETE', 'ROW'),
    ('invoice_line', 'invoice_line_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('credit_application', 'credit_application_guard', 'invoice_line_guard', 'BEFORE', 'INSERT UPDATE DELETE', 'ROW'),
    ('credit_application', 'credit_application_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('payment', 'payment_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('payment_allocation', 'payment_allocation_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('credit_note', 'credit_note_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('credit', 'credit_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT');

-- every financial table refuses TRUNCATE by trigger, even for its owner
SELECT is(array_agg(t ORDER BY t), NULL,
          'every financial table (invoice, lines, credit applications, credit notes, payments, allocations, credits) has a BEFORE TRUNCATE trigger')
FROM unnest(ARRAY['invoice', 'invoice_line', 'credit_application', 'credit_note', 'payment',
                  'payment_allocation', 'credit']) AS t
WHERE NOT EXISTS (SELECT FROM pg_trigger tg
                   WHERE tg.tgrelid = format('reseller_billing.%I', t)::regclass
                     AND tg.tgtype & 32 <> 0 AND tg.tgtype & 2 <> 0 AND NOT tg.tgisinternal);

-- 10 tests
SELECT has_trigger('reseller_billing', tbl, tgname, format('%s has trigger %s', tbl, tgname))
FROM expected_trigger ORDER BY tbl, tgname;

-- 10 tests
SELECT trigger_is('reseller_billing', tbl, tgname, 'reseller_billing', func,
                  format('trigger %s runs %s()', tgname, func))
FROM expected_trigger ORDER BY tbl, tgname;

SELECT results_eq(
    $$SELECT tg.tgname::text COLLATE "default",
             CASE WHEN tg.tgtype & 2 <> 0 THEN 'BEFORE' WHEN tg.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END,
             concat_ws(' ', CASE WHEN tg.tgtype & 4 <> 0 THEN 'INSERT' END, CASE WHEN tg.tgtype & 16 <> 0 THEN 'UPDATE' END,
                            CASE WHEN tg.tgtype & 8 <> 0 THEN 'DELETE' END, CASE WHEN tg.tgtype & 32 <> 0 THEN 'TRUNCATE' END),
             CASE WHEN tg.tgtype & 1 <> 0 THEN 'ROW' ELSE 'STATEMENT' END
        FROM pg_trigger tg JOIN expected_trigger e ON e.tgname = tg.tgname::text
       WHERE tg.tgrelid = format('reseller_billing.%I', e.tbl)::regclass AND NOT tg.tgisinternal
       ORDER BY 1$$,
    $$SELECT tgname, timing, events, level FROM expected_trigger ORDER BY 1$$,
    'the immutability triggers fire BEFORE, on the documented events, per row or per statement');

SELECT is(array_agg(format('%s.%s', tg.tgrelid::regclass, tg.tgname) ORDER BY 1), NULL,
          'the immutability triggers are enabled (tgenabled = O)')
FROM pg_trigger tg JOIN expected_trigger e ON e.tgname = tg.tgname::text
WHERE tg.tgrelid = format('reseller_billing.%I', e.tbl)::regclass AND tg.tgenabled <> 'O';

-- 7 tests: PUBLIC may not TRUNCATE any financial record (not in the ACL,
-- and not through has_table_privilege either)
SELECT ok(NOT has_table_privilege('public', format('reseller_billing.%I', t), 'TRUNCATE')
          AND NOT EXISTS (SELECT FROM pg_class c, aclexplode(c.relacl) x
                           WHERE c.oid = format('reseller_billing.%I', t)::regclass
                             AND x.grantee = 0 AND x.privilege_type = 'TRUNCATE'),
          format('TRUNCATE on %s is not granted to PUBLIC', t))
FROM unnest(ARRAY['invoice', 'invoice_line', 'credit_application', 'credit_note', 'payment',
                  'payment_allocation', 'credit']) AS t;

-- ---------------------------------------------------------------------------
-- Exercised: a closed month read through the views, then written at
-- ---------------------------------------------------------------------------

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (940, 'pgtap_views', 'pgTAP: views', 'USD', 'UTC', 0.20);
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family)
VALUES (940, 940, 'pgtap_apps', 'Apps', 'apps');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from) VALUES
    (940, 'annual_monthly', reseller_billing.amount(50, 'USD'), '2000-01-01'),
    (940, 'flexible',       reseller_billing.amount(60, 'USD'), '2000-01-01');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
VALUES (940001, 940, 'View reseller', 'US');
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain)
VALUES (940001, 1, 'View customer', 'view.example');
SET LOCAL reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO reseller_billing.subscription
       (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (940001, 1, 1, 940, 'annual_monthly', 10, '2012-01-01');
INSERT INTO reseller_billing.subscription
       (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (940001, 2, 1, 940, 'flexible', 10, '2012-01-01');
RESET reseller_billing.effective_at;
-- one Flex account all of April 2012 (30 days): 30 x 48.00 / (12 x 30) = 4.00
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (940001, 2, 'flex', '2012-04-01 00:00+00', '2012-04-30 12:00+00');

SELECT is(reseller_billing.close_period('2012-04', 940), 1, 'closing 2012-04 of the program writes one invoice');

-- 10 seats x 40.00 = 400.00 a year, 2012-04 is a full month: 33.33 (400.00 / 12,
-- the extra cents on January to April: 33.34)
SELECT results_eq(
    $$SELECT invoice_number, period, status, currency, subtotal, total, balance
        FROM reseller_billing.invoices WHERE reseller_id = 940001$$,
    $$VALUES (1::bigint, '2012-04'::text, 'issued'::text, 'USD'::text, 37.34::numeric, 37.34::numeric, 37.34::numeric)$$,
    'the invoices view shows the issued invoice with numeric amounts and its currency');

SELECT results_eq(
    $$SELECT line_no, kind, sku_code, quantity, unit_price, amount, currency, service_period, service_start, service_end
        FROM reseller_billing.invoice_lines WHERE reseller_id = 940001 ORDER BY line_no$$,
    $$VALUES (1, 'annual_installment'::text, 'pgtap_apps'::text, 10::numeric, 40.00::numeric, 33.34::numeric, 'USD'::text,
              '2012-04'::text, '2012-04-01'::date, '2012-05-01'::date),
             (2, 'flex_usage'::text, 'pgtap_apps'::text, 30::numeric, 48.00::numeric, 4.00::numeric, 'USD'::text,
              '2012-04'::text, '2012-04-01'::date, '2012-05-01'::date)$$,
    'the invoice_lines view shows the lines with numeric amounts, text periods and service dates');

SELECT is((SELECT sum(l.amount) FROM reseller_billing.invoice_lines l WHERE l.reseller_id = 940001),
          (SELECT reseller_billing.value(i.subtotal) FROM reseller_billing.invoice i WHERE i.reseller_id = 940001),
          'the view''s line amounts add up to the invoice subtotal');

SELECT results_eq(
    $$SELECT currency, invoiced, paid, credited, outstanding FROM reseller_billing.reseller_balances
       WHERE reseller_id = 940001$$,
    $$VALUES ('USD'::text, 37.34::numeric, 0.00::numeric, 0.00::numeric, 37.34::numeric)$$,
    'reseller_balances: the invoice is outstanding');

SELECT results_eq(
    $$SELECT program_code, period, resellers_done, invoices_written, finished, percent_done
        FROM reseller_billing.close_status WHERE program_code = 'pgtap_views'$$,
    $$VALUES ('pgtap_views'::text, '2012-04'::text, 1, 1, true, 100.0::numeric)$$,
    'close_status: the close finished, one reseller visited, one invoice written');

SELECT results_eq(
    $$SELECT plan, seat_limit, active_seats FROM reseller_billing.seat_utilisation
       WHERE reseller_id = 940001 ORDER BY subscription_id$$,
    $$VALUES ('annual_monthly'::text, 10, 0), ('flexible'::text, 10, 0)$$,
    'seat_utilisation: plans as text, limits and active accounts');

-- issued means final
SELECT throws_ok(
    $$UPDATE reseller_billing.invoice SET total = reseller_billing.amount(1, 'USD') WHERE reseller_id = 940001$$,
    '55000', NULL, 'UPDATE of an issued invoice is refused');
SELECT throws_ok(
    $$DELETE FROM reseller_billing.invoice WHERE reseller_id = 940001$$,
    '55000', NULL, 'DELETE of an issued invoice is refused');
SELECT throws_ok(
    $$UPDATE reseller_billing.invoice_line SET description = 'edited' WHERE reseller_id = 940001$$,
    '55000', NULL, 'UPDATE of a line of an issued invoice is refused');
SELECT throws_ok(
    $$DELETE FROM reseller_billing.invoice_line WHERE reseller_id = 940001$$,
    '55000', NULL, 'DELETE of a line of an issued invoice is refused');
SELECT throws_ok(
    $$INSERT INTO reseller_billing.invoice_line (reseller_id, invoice_id, line_no, kind, description, quantity,
                                                 amount, service_period)
      SELECT reseller_id, invoice_id, 3, 'one_off', 'slipped in', 1, reseller_billing.amount(5, 'USD'), period
        FROM reseller_billing.invoice WHERE reseller_id = 940001$$,
    '55000', NULL, 'a line cannot be added to an issued invoice');
SELECT throws_ok($$TRUNCATE reseller_billing.invoice_line CASCADE$$, '55000',
                 'invoice_line is a financial record and cannot be truncated',
                 'TRUNCATE invoice_line (CASCADE) is refused by its trigger, even for the owner');
SELECT throws_ok($$TRUNCATE reseller_billing.invoice CASCADE$$, '55000',
                 'invoice is a financial record and cannot be truncated',
                 'TRUNCATE invoice (CASCADE) is refused by its trigger, even for the owner');
SELECT throws_ok($$TRUNCATE reseller_billing.credit_application$$, '55000',
                 'credit_application is a financial record and cannot be truncated',
                 'TRUNCATE credit_application is refused by its trigger, even for the owner');
SELECT is((SELECT count(*)::int FROM reseller_billing.invoice_line WHERE reseller_id = 940001), 2,
          'the lines are still there');

-- a reader of the views that may not read the tables sees nothing through
-- them (security_invoker), and a writer with every privilege but TRUNCATE
-- cannot truncate
CREATE ROLE rb_pgtap_reader NOLOGIN;
GRANT USAGE ON SCHEMA reseller_billing TO rb_pgtap_reader;
GRANT SELECT ON reseller_billing.invoices, reseller_billing.invoice_lines TO rb_pgtap_reader;
GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER ON reseller_billing.credit_note TO rb_pgtap_reader;
SET LOCAL ROLE rb_pgtap_reader;
SELECT throws_ok($$SELECT count(*) FROM reseller_billing.invoices$$, '42501',
                 'permission denied for table invoice',
                 'security_invoker: reading invoices needs SELECT on the invoice table, not just on the view');
SELECT throws_ok($$SELECT count(*) FROM reseller_billing.invoice_lines$$, '42501',
                 'permission denied for table invoice_line',
                 'security_invoker: reading invoice_lines needs SELECT on the tables under it');
SELECT throws_ok($$TRUNCATE reseller_billing.credit_note$$, '42501',
                 'permission denied for table credit_note',
                 'a role with every other privilege on credit_note may not TRUNCATE it');
RESET ROLE;

SELECT * FROM finish();

ROLLBACK;

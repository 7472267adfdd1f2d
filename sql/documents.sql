--
-- documents: the HTML documents of issue 16 §1 (doc/documents.md).  Each
-- kind is rendered from data written here and compared whole: a month-end
-- invoice (direct, with a credit, tax by jurisdiction, a payment and a
-- credit note), the credit note, an exempt reseller's tax section, a
-- provider's invoice to an indirect reseller (two-tier), a licence order's
-- invoice (ship-to), the statement of unpaid orders, the migration credit
-- statement.  The CSS is printed once; later documents show their body
-- (the style is checked to be the same).  What a sequence numbers (the
-- credit note, order and statement ids) is shown as <id>, the day the
-- credit note is issued (the billing clock's today) as <today>.
--
-- It runs in a database of its own: its orders would take the numbers
-- sql/orders.sql shows, and renew_due (sql/subscription_annual.sql) works
-- on every subscription of a database.  Ids: 86001...
--
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_documents;
CREATE DATABASE rb_documents;
\c rb_documents
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
CREATE FUNCTION pg_temp.body(p_html text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(p_html, '<style>.*</style>', '<style>(the style of every document)</style>')
$$;
-- what a sequence numbered, after the words that name it
CREATE FUNCTION pg_temp.mask(p_text text, p_id bigint, p_words text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(p_text, '((?:' || p_words || ') ?)' || p_id || '\M', '\1<id>', 'g')
$$;
CREATE FUNCTION pg_temp.style(p_html text) RETURNS text LANGUAGE sql AS $$
    SELECT substring(p_html FROM '<style>.*</style>')
$$;

COPY us_sales_tax_rates (state, county, city, kind, district, rate, valid_from, valid_to) FROM STDIN (FORMAT csv, HEADER);
state,county,city,kind,district,rate,valid_from,valid_to
PA,,,state,,0.06,2012-01-01,
PA,Allegheny County,,county,,0.01,2012-01-01,
\.

-- ===========================================================================
-- a direct reseller, March 2012.  Program: USD, 20% off, paid at the end of
-- the following month.  The reseller's and customer's names are hostile:
-- every one is escaped.  Annual 10 seats at 40.00 a year (33.34 in March),
-- a one-off 1,234.50, a credit of 10.00; tax 7% of each line.
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (86001, 'doc_apps', 'Docs & "Apps" <Program>', 'USD', 0.20, 'UTC');
SELECT set_payment_terms(86001, 'end_of_following_month') IS NOT NULL AS terms;
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (86001, 86001, 'doc_apps', 'Apps for Business', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (86001, 'annual_monthly', 'USD 50.00', '2012-01-01'),
    (86001, 'annual_prepaid', 'USD 50.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region, county, city) VALUES
    (86001, 86001, 'Bay & <Cloud> "Desk"', 'US', 'PA', 'Allegheny County', 'Pittsburgh'),
    (86002, 86001, 'Other Reseller', 'US', 'PA', NULL, NULL),
    (86003, 86001, 'Exempt Reseller', 'US', 'PA', NULL, NULL);
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (86003, 'PA', 'PA-RESALE-86003', '2012-01-01', '2013-01-01');
INSERT INTO customer (reseller_id, customer_id, name) VALUES
    (86001, 86001, '<script>alert(''x'')</script> Law & Co'),
    (86002, 86002, 'Other Customer'),
    (86003, 86003, 'Exempt Customer');
SET reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
SELECT r, r, r, 86001, 'annual_monthly', 10 FROM generate_series(86001, 86003) r;
RESET reseller_billing.effective_at;
SELECT add_charge(86001, 86001, 'Set-up <b>"premium"</b>', 'USD 1234.50', '2012-03-10') IS NOT NULL AS charged;
SELECT grant_credit(86001, 'USD 10.00', 'goodwill') IS NOT NULL AS credited;
SET client_min_messages = warning;
SELECT close_period('2012-03', 86001) AS invoices;
RESET client_min_messages;
SELECT invoice_id AS inv FROM invoice WHERE reseller_id = 86001 AND period = '2012-03' \gset
SELECT invoice_id AS inv_other FROM invoice WHERE reseller_id = 86002 AND period = '2012-03' \gset
SELECT invoice_id AS inv_exempt FROM invoice WHERE reseller_id = 86003 AND period = '2012-03' \gset
SELECT record_payment(86001, 'USD 100.00', 'bank_transfer', '2012-04-20', 'DOC-86001-1') IS NOT NULL AS paid;
SELECT issue_credit_note(86001, :inv, 'USD 5.00', 'late delivery & <apology>') AS cn \gset
SELECT document_date((issued_at AT TIME ZONE 'UTC')::date) AS cn_day FROM credit_note WHERE credit_note_id = :cn \gset
SELECT invoice_number, status, subtotal, credits_applied, tax, total, paid, credited, due_on
  FROM invoice WHERE reseller_id = 86001 AND invoice_id = :inv;

-- the whole invoice, CSS included
\pset format unaligned
\pset tuples_only on
SELECT replace(invoice_document(:inv), :'cn_day', '<today>');
\pset format aligned
\pset tuples_only off

-- Letter paper, the same document otherwise; nothing external in it
SELECT substring(invoice_document(:inv, 'Letter') FROM '@page \{ size: [a-zA-Z0-9]+;') AS letter,
       replace(invoice_document(:inv, 'Letter'), 'size: letter;', 'size: A4;') = invoice_document(:inv) AS same_otherwise,
       invoice_document(:inv) !~* '(src=|href=|url\(|@import|<script|<link|<img)' AS self_contained,
       invoice_document(:inv) !~ '<script>alert' AND invoice_document(:inv) ~ '&lt;script&gt;alert\(&#39;x&#39;\)' AS escaped;

-- the credit note
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.mask(replace(pg_temp.body(credit_note_document(:cn)), :'cn_day', '<today>'), :cn, '[Cc]redit note|number</th><td>');
-- an exempt reseller's tax section: the certificate is named, no tax line
SELECT substring(invoice_document(:inv_exempt) FROM '<section class="tax">.*?</section>');
\pset format aligned
\pset tuples_only off

-- ===========================================================================
-- who may render: the reseller its own; another reseller's id does not
-- exist for it (P0002); the customer portal renders nothing (42501)
-- ===========================================================================
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '86001';
SELECT length(invoice_document(:inv)) > 1000 AS own_invoice,
       length(credit_note_document(:cn)) > 1000 AS own_credit_note;
SELECT pg_temp.mask(pg_temp.error_of(format('SELECT invoice_document(%s)', :inv_other)), :inv_other, 'invoice') AS others_invoice;
SELECT pg_temp.error_of(format('SELECT credit_note_document(%s)', :cn)) IS NOT NULL AS checked;
SET reseller_billing.reseller_id = '86002';
SELECT pg_temp.mask(pg_temp.error_of(format('SELECT invoice_document(%s)', :inv)), :inv, 'invoice') AS foreign_invoice;
SELECT pg_temp.mask(pg_temp.error_of(format('SELECT credit_note_document(%s)', :cn)), :cn, 'note') AS foreign_credit_note;
RESET reseller_billing.reseller_id;
RESET ROLE;
SET ROLE reseller_billing_customer;
SET reseller_billing.reseller_id = '86001';
SET reseller_billing.customer_id = '86001';
SELECT pg_temp.error_of(format('SELECT invoice_document(%s)', :inv)) AS customer_invoice;
SELECT pg_temp.error_of(format('SELECT credit_note_document(%s)', :cn)) AS customer_credit_note;
SELECT pg_temp.error_of('SELECT order_invoice_document(1)') AS customer_order;
SELECT pg_temp.error_of('SELECT order_statement_document(1)') AS customer_statement;
SELECT pg_temp.error_of('SELECT channel_invoice_document(1)') AS customer_channel_invoice;
SELECT pg_temp.error_of('SELECT migration_credit_document(86001)') AS customer_migration;
RESET reseller_billing.customer_id;
RESET reseller_billing.reseller_id;
RESET ROLE;
SELECT p.proname, has_function_privilege('reseller_billing_customer', p.oid, 'EXECUTE') AS customer,
       has_function_privilege('reseller_billing_reseller', p.oid, 'EXECUTE') AS reseller,
       has_function_privilege('reseller_billing_admin', p.oid, 'EXECUTE') AS admin, p.prosecdef AS definer
  FROM pg_proc p WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.proname LIKE '%\_document'
 ORDER BY 1;

-- ===========================================================================
-- bad input: nothing to render, nothing written
-- ===========================================================================
SELECT pg_temp.error_of('SELECT invoice_document(NULL)') AS null_invoice;
SELECT pg_temp.error_of('SELECT invoice_document(86999000)') AS unknown_invoice;
SELECT pg_temp.error_of(format('SELECT invoice_document(%s, NULL)', :inv)) AS null_paper;
SELECT pg_temp.error_of(format('SELECT invoice_document(%s, ''A3'')', :inv)) AS a3;
SELECT pg_temp.error_of('SELECT channel_invoice_document(NULL)') AS null_channel_invoice;
SELECT pg_temp.error_of('SELECT channel_invoice_document(86999000)') AS unknown_channel_invoice;
SELECT pg_temp.error_of('SELECT credit_note_document(NULL)') AS null_credit_note;
SELECT pg_temp.error_of('SELECT credit_note_document(86999000)') AS unknown_credit_note;
SELECT pg_temp.error_of('SELECT order_invoice_document(NULL)') AS null_order;
SELECT pg_temp.error_of('SELECT order_invoice_document(86999000)') AS unknown_order;
SELECT pg_temp.error_of('SELECT order_statement_document(NULL)') AS null_statement;
SELECT pg_temp.error_of('SELECT order_statement_document(86999000)') AS unknown_statement;
SELECT pg_temp.error_of('SELECT migration_credit_document(NULL)') AS null_reseller;
SELECT pg_temp.error_of('SELECT migration_credit_document(86001)') AS not_migrated;

-- ===========================================================================
-- amount_format and html_escape
-- ===========================================================================
SELECT a AS amount, amount_format(a::amount) AS formatted
  FROM unnest(ARRAY['USD 1234567.5', 'USD 0', 'USD -0.05', 'USD 3.333333', 'JPY 1000', 'JPY 999', 'JPY -1234567',
                    'KWD 1234.5', 'KWD -1234.5678', 'XAU 1234.5', 'EUR 100', 'USD 9223372036854.775807',
                    'USD -9223372036854.775807']) a;
SET lc_monetary = 'C';
SELECT amount_format('USD 1234.5') AS c_locale, amount_format(NULL) IS NULL AS strict;
RESET lc_monetary;
SELECT html_escape(t) AS escaped
  FROM unnest(ARRAY['<script>alert("x")</script>', 'Tom & Jerry''s', '"><img src=x onerror=alert(1)>', '&amp;', 'plain',
                    NULL]) WITH ORDINALITY u(t, n) ORDER BY n;

-- ===========================================================================
-- two-tier: a provider's invoice to its indirect reseller, January 2025.
-- E3 at 240.00 wholesale, 264.00 at the provider's price: 10 seats are
-- 220.00 a month to the reseller (Pittsburgh, 7%: 15.40), less the
-- provider's credit of 20.00.  The wholesale side is not on it.
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, time_zone, reseller_discount, settings)
VALUES (86101, 'doc_csp', 'Docs CSP program', 'USD', 'UTC', 0, '{"csp": true}');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (86101, 86101, 'doc_e3', 'Office 365 E3', 'o365');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (86101, 'annual_monthly', 'USD 240.00', '2024-01-01');
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region, county, city) VALUES
    (86101, 86101, 'Westlake <Distribution>', 'indirect_provider', 'US', 'PA', NULL, NULL),
    (86102, 86101, 'Lakeview & Sons IT', 'indirect_reseller', 'US', 'PA', 'Allegheny County', 'Pittsburgh');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (86101, 86101, 'annual_monthly', 'USD 264.00', '2025-01-01');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (86102, 86111, 'Alpine "Ski" House');
SELECT (accept_invitation(86102, invite_reseller(86101, 86102))).status AS reseller_accepted;
SELECT (accept_invitation(86102, invite_customer(86102, 86111))).status AS customer_accepted;
SELECT place_subscription(86101, 86102, 86111, 86101, 10, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS placed;
SELECT grant_channel_credit(86101, 86102, 'USD 20.00', 'onboarding') IS NOT NULL AS provider_credit;
SET client_min_messages = warning;
SELECT close_period('2025-01', 86101) AS direct_invoices;
RESET client_min_messages;
SELECT channel_invoice_id AS chinv FROM channel_invoice WHERE reseller_id = 86102 AND period = '2025-01' \gset
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.body(channel_invoice_document(:chinv));
\pset format aligned
\pset tuples_only off
-- the vendor's invoice to the provider: the reseller's line at wholesale, with its customer
\pset format unaligned
\pset tuples_only on
SELECT substring(invoice_document(invoice_id) FROM '<tbody>.*?</tbody>') FROM invoice WHERE reseller_id = 86101;
\pset format aligned
\pset tuples_only off
SELECT pg_temp.style(channel_invoice_document(:chinv)) = pg_temp.style(invoice_document(:inv)) AS same_style,
       channel_invoice_document(:chinv) !~ '240\.00' AS no_wholesale;
-- the indirect reseller renders it; its provider too (the rows it bills);
-- each sees the other's name and address from the invoice's copy of them,
-- although row-level security hides the other's reseller row
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '86102';
SELECT substring(channel_invoice_document(:chinv) FROM '<div class="party seller">.*?</div>') AS seen_by_reseller;
SELECT md5(channel_invoice_document(:chinv)) AS reseller_rendering \gset
SET reseller_billing.reseller_id = '86101';
SELECT substring(channel_invoice_document(:chinv) FROM '<div class="party bill-to">.*?</div>') AS seen_by_provider;
-- the reseller's payment terms and what is said of its sales tax are the
-- invoice's copy of them as of issue too: the provider's rendering has
-- them, and is the reseller's to the byte
SELECT channel_invoice_document(:chinv) ~ 'Payment terms' AS provider_sees_terms,
       channel_invoice_document(:chinv) ~ 'class="lines jurisdictions"' AS provider_sees_jurisdictions,
       channel_invoice_document(:chinv) ~ 'USD 15\.40' AS provider_sees_tax,
       md5(channel_invoice_document(:chinv)) = :'reseller_rendering' AS same_as_the_resellers;
SET reseller_billing.reseller_id = '86001';
SELECT pg_temp.mask(pg_temp.error_of(format('SELECT channel_invoice_document(%s)', :chinv)), :chinv, 'invoice') AS someone_else;
RESET reseller_billing.reseller_id;
RESET ROLE;
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '86102';
SELECT count(*) AS provider_rows_seen FROM reseller WHERE reseller_id = 86101;
RESET reseller_billing.reseller_id;
RESET ROLE;
-- the legal header is the one of the day of issue: both parties renamed and
-- moved afterwards, the issued invoice still names them as they were, and
-- its tax section (the bill-to party's jurisdictions) is unchanged
SELECT md5(substring(channel_invoice_document(:chinv) FROM '<section class="tax">.*?</section>')) AS tax_before \gset
UPDATE reseller SET name = 'Westlake Renamed', region = 'OH' WHERE reseller_id = 86101;
UPDATE reseller SET name = 'Lakeview Renamed', city = 'Erie', county = 'Erie County' WHERE reseller_id = 86102;
SELECT substring(channel_invoice_document(:chinv) FROM '<section class="parties">.*?</section>') AS parties_after_rename;
SELECT substring(channel_invoice_document(:chinv) FROM '<footer>.*?</footer>') AS footer_after_rename;
SELECT md5(substring(channel_invoice_document(:chinv) FROM '<section class="tax">.*?</section>')) = :'tax_before'
       AS tax_as_issued,
       substring(channel_invoice_document(:chinv) FROM '<section class="tax">.*?</section>') IS NOT NULL AS has_tax_section,
       (SELECT ci.tax_jurisdictions IS DISTINCT FROM document_tax_jurisdictions(ci.reseller_id, period_end(ci.period) - 1)
          FROM channel_invoice ci WHERE ci.channel_invoice_id = :chinv) AS would_differ_if_asked_now;
-- and the copy cannot be changed: the issued invoice is final
SELECT pg_temp.mask(pg_temp.error_of(format('UPDATE channel_invoice SET reseller_name = %L WHERE channel_invoice_id = %s',
                                            'Someone else', :chinv)), :chinv, 'invoice') AS rename_refused;
UPDATE reseller SET name = 'Westlake <Distribution>', region = 'PA' WHERE reseller_id = 86101;
UPDATE reseller SET name = 'Lakeview & Sons IT', city = 'Pittsburgh', county = 'Allegheny County' WHERE reseller_id = 86102;

-- ===========================================================================
-- a draft: what a close writes before it issues it (only inside the close's
-- transaction, written here as the close writes it) is refused (55000), for
-- the invoice, the two-tier invoice written with it and a credit note on
-- it; nothing is written
-- ===========================================================================
BEGIN;
INSERT INTO invoice (reseller_id, invoice_id, program_id, period, currency, subtotal, credits_applied, tax, total, paid, credited)
VALUES (86101, 86990, 86101, '2025-02', 'USD', 'USD 0', 'USD 0', 'USD 0', 'USD 0', 'USD 0', 'USD 0');
INSERT INTO channel_invoice (reseller_id, channel_invoice_id, provider_id, program_id, period, currency, invoice_number,
                             issued_on, due_on, subtotal, wholesale, vendor_invoice_id, tax, credits_applied, total, credited)
SELECT reseller_id, 86991, provider_id, program_id, '2025-02', currency, invoice_number + 1, '2025-03-01', '2025-03-31',
       subtotal, wholesale, 86990, tax, credits_applied, total, credited
  FROM channel_invoice WHERE channel_invoice_id = :chinv;
INSERT INTO credit_note (reseller_id, credit_note_id, invoice_id, amount, reason) VALUES (86101, 86992, 86990, 'USD 1.00', 'draft');
SELECT pg_temp.error_of('SELECT invoice_document(86990)') AS draft_invoice;
SELECT pg_temp.error_of('SELECT credit_note_document(86992)') AS draft_credit_note;
SELECT pg_temp.error_of('SELECT channel_invoice_document(86991)') AS draft_channel_invoice;
SELECT count(*) AS audit_before FROM audit_log \gset
SELECT pg_temp.error_of('SELECT invoice_document(86990, ''Letter'')') AS draft_letter;
SELECT count(*) = :audit_before AS nothing_written FROM audit_log;
ROLLBACK;

-- ===========================================================================
-- a GroupDocs licence order and the statement of unpaid orders.  Orders on
-- credit from the first (prepaid_first_orders 0), net 30, 12% interest.
--   order 1, 2024-01-10: 2 × 899.10 = 1,798.20, tax 7% 125.87: 1,924.07,
--     due 2024-02-09; 500.00 paid 2024-02-20
--   order 2, 2024-02-05: 1 × 899.10, tax 62.94: 962.04, due 2024-03-06
--   the statement of March 1: order 1 (21 days overdue: interest on
--   1,924.07 for 11 days and 1,424.07 for 10, 12% / 365), order 2
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (86201, 'doc_gd', 'Docs GroupDocs program', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12, "prepaid_first_orders": 0}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit)
VALUES (86201, 86201, 'DOC-GD-VIEWER', 'GroupDocs.Viewer <Developer>', 'viewer', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (86201, 'annual_prepaid', 'USD 999.00', '2024-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region, county, city)
VALUES (86201, 86201, 'Docs Resale & Co', 'US', 'PA', 'Allegheny County', 'Pittsburgh');
SELECT place_order(86201, '{"name": "Initech <Ltd>", "email": "ops@initech.example", "domain": "initech.example",
                            "address": "1 Main St", "city": "Pittsburgh", "region": "PA", "postal_code": "15201", "country": "US"}',
                   '[{"sku": "DOC-GD-VIEWER", "quantity": 2}]', '2024-01-10') AS ord1 \gset
SELECT place_order(86201, '{"name": "Globex", "email": "it@globex.example"}',
                   '[{"sku": "DOC-GD-VIEWER", "quantity": 1}]', '2024-02-05') AS ord2 \gset
SELECT record_order_payment(86201, 'USD 500.00', 'bank_transfer', '2024-02-20', 'DOC-GD-1', :ord1) IS NOT NULL AS paid;
SELECT monthly_statement(86201, '2024-03') AS stmt \gset
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.mask(pg_temp.body(order_invoice_document(:ord1)), :ord1, '[Oo]rder|number</th><td>');
SELECT pg_temp.mask(pg_temp.mask(pg_temp.mask(pg_temp.body(order_statement_document(:stmt)), :stmt, 'Statement|number</th><td>'),
                                 :ord1, '[Oo]rder'), :ord2, '[Oo]rder');
\pset format aligned
\pset tuples_only off
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '86001';
SELECT pg_temp.mask(pg_temp.error_of(format('SELECT order_invoice_document(%s)', :ord1)), :ord1, 'order') AS foreign_order,
       pg_temp.mask(pg_temp.error_of(format('SELECT order_statement_document(%s)', :stmt)), :stmt, 'statement') AS foreign_statement;
SET reseller_billing.reseller_id = '86201';
SELECT length(order_invoice_document(:ord1)) > 1000 AS own_order, length(order_statement_document(:stmt)) > 1000 AS own_statement;
RESET reseller_billing.reseller_id;
RESET ROLE;

-- ===========================================================================
-- the migration credit statement: a prepaid reseller moves to post-paid on
-- 2012-06-15 at noon.  Apps 10 seats prepaid for 2012 (400.00, 200 of 366
-- days left: 218.58), Apps 4 seats of an offline customer from 2012-03-01
-- (160.00, 259 of 365: 113.53).
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (86301, 'doc_mig', 'Docs migration program', 'USD', 0.20, 'UTC');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (86301, 86301, 'doc_mig_apps', 'Apps <Business>', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (86301, 'annual_prepaid', 'USD 50', '2011-01-01'), (86301, 'annual_monthly', 'USD 50', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, billing_model, country) VALUES (86301, 86301, 'Prepaid & Partners', 'prepaid', 'CA');
INSERT INTO customer (reseller_id, customer_id, name, kind) VALUES
    (86301, 86301, 'Acme, "the" company', 'online'), (86301, 86302, 'Gamma', 'offline');
SET reseller_billing.effective_at = '2012-06-01 09:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (86301, 86301, 86301, 86301, 'annual_prepaid', 10, '2012-01-01'),
    (86301, 86302, 86302, 86301, 'annual_prepaid', 4, '2012-03-01');
RESET reseller_billing.effective_at;
SET client_min_messages = warning;
SELECT (migrate_to_postpaid(86301, '2012-06-15 12:00+00')).orders_migrated;
RESET client_min_messages;
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.body(migration_credit_document(86301));
\pset format aligned
\pset tuples_only off
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '86001';
SELECT pg_temp.error_of('SELECT migration_credit_document(86301)') AS foreign_migration;
SET reseller_billing.reseller_id = '86301';
SELECT length(migration_credit_document(86301)) > 1000 AS own_migration;
RESET reseller_billing.reseller_id;
RESET ROLE;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE rb_documents;

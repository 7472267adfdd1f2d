-- make demo, part 11: every API function refuses a bad argument before it
-- changes anything, with its own message and SQLSTATE (issue 15 §6;
-- doc/reference.md): 22004 for a missing argument, P0002 for an id that
-- does not exist, 22023 for a bad value, 22008 for a date outside the years
-- 1900 to 8999.  The calls run in a transaction that is rolled back: the
-- demo's other rows are not touched.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\set SHOW_CONTEXT never

-- a refusal shown without stopping the demo: its SQLSTATE and message
CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;

BEGIN;
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES ('arguments_demo', 'Arguments (demo)', 'USD', 0.10, 'UTC', 30, '{"payment_methods": ["bank_transfer"]}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:prog, 'ARG-LIC', 'Licence', 'lic', 'licence')
RETURNING sku_id AS lic \gset
INSERT INTO reseller (program_id, name, country, region) VALUES (:prog, 'Argument Demo Resale', 'US', 'CA')
RETURNING reseller_id AS rs \gset

\echo
\echo '== A missing argument: 22004 =='
SELECT pg_temp.refused(format($$SELECT record_payment(%s, 'USD 10', NULL, '2024-03-15', 'DEMO-1')$$, :rs)) AS null_method;
SELECT pg_temp.refused($$SELECT issue_licence(NULL)$$) AS null_order;
SELECT pg_temp.refused($$SELECT payment_terms(NULL)$$) AS null_reseller;
SELECT pg_temp.refused($$SELECT invite_reseller(NULL, 1)$$) AS null_provider;
SELECT pg_temp.refused(format($$SELECT void_invoice(%s, NULL, 'wrong')$$, :rs)) AS null_invoice;
SELECT pg_temp.refused(format($$SELECT sales_tax(%s, '2024-03-15', NULL)$$, :rs)) AS null_amount;

\echo
\echo '== An id that does not exist: P0002; a date out of range: 22008 =='
SELECT pg_temp.refused($$SELECT issue_licence(999999999)$$) AS unknown_order;
SELECT pg_temp.refused(format($$SELECT reseller_standing(%s, 'infinity')$$, :rs)) AS date_at_infinity;
SELECT pg_temp.refused(format($$SELECT sales_tax(%s, '1899-12-31', 'USD 100.00')$$, :rs)) AS tax_dated_1899;

\echo
\echo '== A licence order with a bad line: 22023, naming the line =='
SELECT pg_temp.refused(format($$SELECT place_order(%s, '{"name": "Initech", "email": "it@initech.example"}',
                                                   '[{"sku": "ARG-LIC", "quantity": 0}]', '2024-03-20')$$, :rs)) AS quantity_0;
SELECT pg_temp.refused(format($$SELECT place_order(%s, '{"name": "Initech", "email": "it@initech.example"}',
                                                   '[{"sku": "ARG-NOPE", "quantity": 1}]', '2024-03-20')$$, :rs)) AS unknown_sku;

\echo
\echo '== Nothing was written =='
SELECT (SELECT count(*) FROM payment WHERE reseller_id = :rs) AS payments,
       (SELECT count(*) FROM licence_order WHERE reseller_id = :rs) AS orders;
ROLLBACK;

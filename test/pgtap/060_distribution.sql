-- test/pgtap/060_distribution.sql
--
-- Ready to outgrow one machine (issue 7 §5; doc/scaling.md): the schema obeys
-- Citus's rules for distributing by reseller_id, proved from the catalog for
-- every table present when the test runs (pg_class, pg_namespace, pg_depend
-- for membership of the extension, pg_attribute, pg_constraint, pg_index), so
-- a table added later is checked too:
--   - the tables without reseller_id are exactly the shared tables listed
--     below (a new table without reseller_id fails the test until it is
--     listed here and justified in doc/scaling.md);
--   - every tenant table (one with reseller_id) has a primary key, and
--     reseller_id is in it, in every unique constraint, every unique index
--     and every exclusion constraint, and is bigint NOT NULL everywhere (the
--     colocation of all tenant tables needs one type);
--   - every foreign key between tenant tables has reseller_id on both sides,
--     at the same position, and no action that would change it;
--   - foreign keys from tenant tables to shared tables point only at the
--     reference tables; no shared table references a tenant table;
--   - identity columns are bigint (Citus distributes no other identity);
--   - the month-end can run one reseller at a time:
--     close_period(period, program, reseller), and the per-reseller functions
--     doc/scaling.md distributes have the argument it names (p_reseller).
-- Each "no violation" check lists the offending table and constraint when it
-- fails.
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

SELECT plan(19);

-- ---------------------------------------------------------------------------
-- The tables of the extension, found in the catalog, and their reseller_id
-- ---------------------------------------------------------------------------

-- every table of the extension (pg_depend), and every table in its schema
-- whether a member or not (test 2 says which are not), with the attnum of
-- its reseller_id column (NULL: none)
CREATE TEMP VIEW ext_table AS
SELECT c.oid, c.relname,
       (SELECT a.attnum FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = c.oid AND a.attname = 'reseller_id' AND NOT a.attisdropped) AS rid,
       EXISTS (SELECT FROM pg_catalog.pg_depend d
                 JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'reseller_billing'
                WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e') AS member
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND (n.nspname = 'reseller_billing'
        OR EXISTS (SELECT FROM pg_catalog.pg_depend d
                     JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'reseller_billing'
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'));

-- The shared tables: no reseller_id, one copy for every reseller.  Reference
-- tables on Citus (a copy on every node: what tenant tables may reference
-- and per-reseller functions read or write on the node they run on) ...
CREATE TEMP TABLE reference_table (relname name PRIMARY KEY);
INSERT INTO reference_table VALUES
    ('program'),            -- the vendor's channel rules, read by every close and price
    ('sku'),                -- the catalogue
    ('price'),              -- the list prices
    ('us_sales_tax_rate'),  -- the tax rate of a US state (section 93)
    ('us_local_sales_tax_rate'),  -- the tax rate of a US county, city or special district (0.3.0 82_local_tax)
    ('invoice_counter'),    -- a program's gap-free invoice number, taken by every per-reseller close
    ('period_close'),       -- a month recorded closed, read by every per-reseller close
    ('clock'),              -- the billing clock, read by the rules wherever they run
    ('tenant_login');       -- logins bound to a tenant, read by current_reseller() on every node
-- ... and coordinator-local tables (citus_add_local_table_to_metadata):
-- written only by the program-level close that runs on the coordinator.
CREATE TEMP TABLE local_table (relname name PRIMARY KEY);
INSERT INTO local_table VALUES
    ('close_progress'),     -- progress of the program-level close
    ('clock_move'),         -- the clock's moves, written by freeze/advance/thaw on the coordinator
    ('run_log');            -- the record of the scheduled runs, written by run_due on the coordinator

-- tenant tables were found at all (the queries below are not vacuous)
SELECT ok(ARRAY['reseller', 'customer', 'subscription', 'seat', 'invoice', 'invoice_line', 'payment', 'audit_log']::name[]
          <@ (SELECT array_agg(relname) FROM ext_table WHERE rid IS NOT NULL),
          'the core tables are found as tenant tables (they have reseller_id)');

SELECT is_empty($$SELECT relname FROM ext_table WHERE NOT member$$,
    'every table in schema reseller_billing belongs to the extension (all of them are checked below either way)');

SELECT set_eq(
    $$SELECT relname FROM ext_table WHERE rid IS NULL$$,
    $$SELECT relname FROM reference_table UNION ALL SELECT relname FROM local_table$$,
    'the tables without reseller_id are exactly the listed shared tables (reference and coordinator-local)');

-- ---------------------------------------------------------------------------
-- Keys of the tenant tables
-- ---------------------------------------------------------------------------

SELECT is_empty($$
    SELECT t.relname FROM ext_table t
     WHERE t.rid IS NOT NULL
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conrelid = t.oid AND k.contype = 'p')$$,
    'every tenant table has a primary key');

SELECT is_empty($$
    SELECT t.relname, k.conname FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'p'
     WHERE t.rid IS NOT NULL AND NOT t.rid = ANY (k.conkey)$$,
    'reseller_id is in the primary key of every tenant table');

SELECT is_empty($$
    SELECT t.relname, k.conname FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'u'
     WHERE t.rid IS NOT NULL AND NOT t.rid = ANY (k.conkey)$$,
    'reseller_id is in every unique constraint of a tenant table');

-- unique indexes that back no constraint too (partial, on expressions):
-- reseller_id must be one of the index's key columns, not an expression
SELECT is_empty($$
    SELECT t.relname, i.indexrelid::regclass AS index FROM ext_table t
      JOIN pg_catalog.pg_index i ON i.indrelid = t.oid
     WHERE t.rid IS NOT NULL AND i.indisunique
       AND NOT t.rid = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])$$,
    'reseller_id is a key column of every unique index of a tenant table');

SELECT is_empty($$
    SELECT t.relname, k.conname FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'x'
     WHERE t.rid IS NOT NULL AND NOT t.rid = ANY (k.conkey)$$,
    'reseller_id is in every exclusion constraint of a tenant table');

SELECT is_empty($$
    SELECT t.relname, a.atttypid::regtype AS type, a.attnotnull FROM ext_table t
      JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = t.rid
     WHERE a.atttypid <> 'pg_catalog.int8'::regtype OR NOT a.attnotnull$$,
    'reseller_id is bigint NOT NULL in every tenant table (one colocation group)');

-- ---------------------------------------------------------------------------
-- Foreign keys
-- ---------------------------------------------------------------------------

-- between tenant tables: reseller_id on both sides, at the same position of
-- the key (the shard of the referencing row holds the referenced row)
SELECT is_empty($$
    SELECT t.relname, k.conname, r.relname AS referenced FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN ext_table r ON r.oid = k.confrelid
     WHERE t.rid IS NOT NULL AND r.rid IS NOT NULL
       AND NOT EXISTS (SELECT FROM pg_catalog.generate_subscripts(k.conkey, 1) j
                        WHERE k.conkey[j] = t.rid AND k.confkey[j] = r.rid)$$,
    'every foreign key between tenant tables has reseller_id on both sides, at the same position');

-- no action that would write reseller_id: ON DELETE SET NULL / SET DEFAULT
-- covering it, ON UPDATE CASCADE / SET NULL / SET DEFAULT
SELECT is_empty($$
    SELECT t.relname, k.conname, k.confdeltype, k.confupdtype FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN ext_table r ON r.oid = k.confrelid
     WHERE t.rid IS NOT NULL AND r.rid IS NOT NULL
       AND ((k.confdeltype IN ('n', 'd') AND t.rid = ANY (coalesce(k.confdelsetcols, k.conkey)))
            OR k.confupdtype IN ('c', 'n', 'd'))$$,
    'no foreign key between tenant tables sets or cascades reseller_id');

SELECT is_empty($$
    SELECT t.relname, k.conname, r.relname AS referenced FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
     WHERE t.rid IS NOT NULL
       AND NOT EXISTS (SELECT FROM ext_table x WHERE x.oid = r.oid AND x.rid IS NOT NULL)
       AND r.relname NOT IN (SELECT relname FROM reference_table)$$,
    'foreign keys from tenant tables to shared tables point only at reference tables');

SELECT is_empty($$
    SELECT t.relname, k.conname, r.relname AS referenced FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN ext_table r ON r.oid = k.confrelid
     WHERE t.rid IS NULL AND r.rid IS NOT NULL$$,
    'no shared table references a tenant table');

SELECT is_empty($$
    SELECT t.relname, k.conname, r.relname AS referenced FROM ext_table t
      JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
     WHERE t.relname IN (SELECT relname FROM reference_table)
       AND r.relname NOT IN (SELECT relname FROM reference_table)$$,
    'reference tables reference only reference tables');

-- ---------------------------------------------------------------------------
-- Identity columns
-- ---------------------------------------------------------------------------

SELECT is_empty($$
    SELECT t.relname, a.attname, a.atttypid::regtype AS type FROM ext_table t
      JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE a.attidentity <> '' AND a.atttypid <> 'pg_catalog.int8'::regtype$$,
    'every identity column is bigint');

-- ---------------------------------------------------------------------------
-- The month-end, one reseller at a time, and the functions distributed by
-- their reseller argument
-- ---------------------------------------------------------------------------

SELECT has_function('reseller_billing', 'close_period', ARRAY['reseller_billing.billing_period', 'bigint', 'bigint'],
                    'close_period(period, program, reseller) exists');
SELECT function_returns('reseller_billing', 'close_period', ARRAY['reseller_billing.billing_period', 'bigint', 'bigint'],
                        'integer', 'close_period(period, program, reseller) returns the invoices written');

-- the functions doc/scaling.md distributes with distribution_arg_name =>
-- 'p_reseller' take an argument of that name, bigint
SELECT is_empty($$
    SELECT f.sig FROM (VALUES ('reseller_billing.close_period(reseller_billing.billing_period, bigint, bigint)'),
                              ('reseller_billing.preview_invoice(bigint, reseller_billing.billing_period)'),
                              ('reseller_billing.add_seats(bigint, bigint, integer, timestamptz)'),
                              ('reseller_billing.set_seat_cap(bigint, bigint, integer, timestamptz)'),
                              ('reseller_billing.record_payment(bigint, reseller_billing.amount, text, date, text)'),
                              ('reseller_billing.place_order(bigint, jsonb, jsonb, date)')) AS f(sig)
      LEFT JOIN pg_catalog.pg_proc p ON p.oid = pg_catalog.to_regprocedure(f.sig)
     WHERE p.oid IS NULL
        OR pg_catalog.array_position(p.proargnames, 'p_reseller') IS NULL
        OR p.proargtypes[pg_catalog.array_position(p.proargnames, 'p_reseller') - 1] <> 'pg_catalog.int8'::regtype$$,
    'the functions distributed by reseller exist and take p_reseller bigint');

-- the per-reseller close of a month not yet ended is refused (the rules
-- are the regress test close_reseller); a program and reseller of this
-- transaction only
INSERT INTO reseller_billing.program (program_id, code, name, currency)
VALUES (-60, 'tap_distribution', 'pgTAP distribution', 'USD');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
VALUES (-60, -60, 'pgTAP reseller', 'US');
SELECT throws_ok(
    format($$SELECT reseller_billing.close_period(%L, -60, -60)$$, to_char(now() + interval '1 month', 'YYYY-MM')),
    '55000', NULL, 'close_period(period, program, reseller) refuses a month that has not ended (55000)');

SELECT * FROM finish();
ROLLBACK;

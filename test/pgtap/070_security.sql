-- test/pgtap/070_security.sql
--
-- Tenant isolation as the catalog states it (issue 7 §1, §2), for every
-- relation and function present at run time (a table, view or function added
-- later is covered without editing this file):
--   * the three roles exist and cannot log in;
--   * every table of the extension with a reseller_id column has row-level
--     security enabled AND forced, an admin policy, and a reseller policy
--     whose USING and WITH CHECK both compare reseller_id with the current
--     reseller;
--   * every table without reseller_id is a shared table of the known list;
--   * every view is security_invoker;
--   * every SECURITY DEFINER function pins search_path and is not
--     executable by PUBLIC;
--   * the tenant roles hold no TRUNCATE, no write on the derived billing
--     tables, and the customer role no column holding a price or amount;
--   * an unset tenant reads no row of any tenant table, as each role.
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

CREATE TEMP VIEW rb_rel AS
SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
       EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'reseller_id'
                                            AND NOT a.attisdropped) AS tenant
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'reseller_billing'
 WHERE c.relkind IN ('r', 'v');

CREATE TEMP VIEW rb_fn AS
SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname, p.prosecdef, p.proconfig, p.proacl
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'reseller_billing';

SELECT plan(5 + 4 * (SELECT count(*)::int FROM rb_rel WHERE relkind = 'r' AND tenant)
              + 2 + (SELECT count(*)::int FROM rb_rel WHERE relkind = 'v')
              + 2 * (SELECT count(*)::int FROM rb_fn WHERE prosecdef)
              + 5 + 3 * (SELECT count(*)::int FROM rb_rel WHERE relkind = 'r' AND tenant));

-- ---------------------------------------------------------------------------
-- roles
-- ---------------------------------------------------------------------------
SELECT has_role('reseller_billing_admin');
SELECT has_role('reseller_billing_reseller');
SELECT has_role('reseller_billing_customer');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'reseller_billing\_%' AND rolcanlogin), 0,
          'the extension''s roles cannot log in (applications log in as their own roles and are granted one)');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'reseller_billing\_%' AND rolbypassrls), 0,
          'none of them bypasses row-level security');

-- ---------------------------------------------------------------------------
-- every tenant table: RLS enabled and forced, the two policies
-- ---------------------------------------------------------------------------
SELECT ok(r.relrowsecurity, format('%s: row-level security is enabled', r.relname))
  FROM rb_rel r WHERE r.relkind = 'r' AND r.tenant ORDER BY r.relname;
SELECT ok(r.relforcerowsecurity, format('%s: row-level security is forced (the owner too)', r.relname))
  FROM rb_rel r WHERE r.relkind = 'r' AND r.tenant ORDER BY r.relname;
SELECT ok(EXISTS (SELECT FROM pg_policies p WHERE p.schemaname = 'reseller_billing' AND p.tablename = r.relname
                     AND p.policyname = 'admin_all' AND p.roles = '{reseller_billing_admin}'),
          format('%s: the admin policy', r.relname))
  FROM rb_rel r WHERE r.relkind = 'r' AND r.tenant ORDER BY r.relname;
SELECT ok(EXISTS (SELECT FROM pg_policies p WHERE p.schemaname = 'reseller_billing' AND p.tablename = r.relname
                     AND p.policyname = 'reseller_own' AND p.roles = '{reseller_billing_reseller}' AND p.cmd = 'ALL'
                     AND p.qual = '(reseller_id = reseller_billing.current_reseller())'
                     AND p.with_check = p.qual),
          format('%s: a reseller reads and writes only rows of the current reseller', r.relname))
  FROM rb_rel r WHERE r.relkind = 'r' AND r.tenant ORDER BY r.relname;

-- no policy has a subquery (a Citus worker plans none; issue 14 §3): the
-- tenant functions keep their answer for the statement instead (src/tenant.c)
SELECT is((SELECT count(*)::int FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            WHERE c.relnamespace = 'reseller_billing'::regnamespace
              AND (coalesce(p.polqual::text, '') ~ '\{SUBLINK' OR coalesce(p.polwithcheck::text, '') ~ '\{SUBLINK')),
          0, 'no row-level security policy of the extension has a subquery');

SELECT is((SELECT array_agg(relname::text ORDER BY relname) FROM rb_rel WHERE relkind = 'r' AND NOT tenant),
          ARRAY['clock', 'clock_move', 'close_progress', 'invoice_counter', 'period_close', 'price', 'program', 'run_log', 'sku', 'tenant_login', 'us_local_sales_tax_rate', 'us_sales_tax_rate'],
          'the only tables without reseller_id are the shared catalogue, the program-level close bookkeeping, the billing clock, the run log and the login bindings');

-- ---------------------------------------------------------------------------
-- views run with the caller's rights
-- ---------------------------------------------------------------------------
SELECT ok(coalesce(r.reloptions @> ARRAY['security_invoker=true'], false), format('view %s is security_invoker', r.relname))
  FROM rb_rel r WHERE r.relkind = 'v' ORDER BY r.relname;

-- ---------------------------------------------------------------------------
-- SECURITY DEFINER functions: a pinned search_path, not executable by
-- PUBLIC (the API wrappers are granted to the roles that may act)
-- ---------------------------------------------------------------------------
SELECT ok(f.proconfig::text ~ 'search_path=pg_catalog', format('%s (SECURITY DEFINER) pins search_path', f.sig))
  FROM rb_fn f WHERE f.prosecdef ORDER BY f.sig;
SELECT ok(NOT EXISTS (SELECT FROM aclexplode(coalesce(f.proacl, acldefault('f', 10))) x
                       WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE'),
          format('%s (SECURITY DEFINER) is not executable by PUBLIC', f.sig))
  FROM rb_fn f WHERE f.prosecdef ORDER BY f.sig;

-- ---------------------------------------------------------------------------
-- privileges of the tenant roles
-- ---------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM rb_rel r, unnest(ARRAY['reseller_billing_reseller', 'reseller_billing_customer']) ro
            WHERE r.relkind = 'r' AND has_table_privilege(ro, r.oid, 'TRUNCATE')), 0,
          'no tenant role may TRUNCATE any table');
SELECT is((SELECT array_agg(r.relname::text ORDER BY r.relname) FROM rb_rel r
            WHERE r.relkind = 'r' AND (has_table_privilege('reseller_billing_reseller', r.oid, 'INSERT')
                                       OR has_table_privilege('reseller_billing_reseller', r.oid, 'UPDATE')
                                       OR has_table_privilege('reseller_billing_reseller', r.oid, 'DELETE')
                                       OR has_any_column_privilege('reseller_billing_reseller', r.oid, 'INSERT')
                                       OR has_any_column_privilege('reseller_billing_reseller', r.oid, 'UPDATE'))),
          ARRAY['customer', 'customer_contact', 'seat', 'subscription'],
          'a reseller application writes only customers, contacts, subscriptions and accounts directly');
SELECT is((SELECT count(*)::int FROM rb_rel r WHERE r.relkind = 'r'
              AND (has_any_column_privilege('reseller_billing_customer', r.oid, 'INSERT')
                   OR has_any_column_privilege('reseller_billing_customer', r.oid, 'UPDATE')
                   OR has_table_privilege('reseller_billing_customer', r.oid, 'DELETE'))), 0,
          'a customer portal writes nothing');
SELECT is((SELECT array_agg(DISTINCT c.relname::text || '.' || a.attname ORDER BY c.relname::text || '.' || a.attname)
             FROM rb_rel c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE has_column_privilege('reseller_billing_customer', c.oid, a.attnum, 'SELECT')
              AND (a.atttypid = 'reseller_billing.amount'::regtype
                   OR a.attname ~ '(price|amount|total|subtotal|tax|paid|credit|balance|wholesale|invoice)')),
          NULL, 'a customer portal may read no column holding a price, an amount or an invoice');

-- ---------------------------------------------------------------------------
-- an unset tenant reads nothing, as each role (the rows exist: one reseller
-- with a customer and a subscription is enough to make every count matter)
-- ---------------------------------------------------------------------------
INSERT INTO reseller_billing.program (code, name, currency) VALUES ('tap_sec', 'TAP security', 'USD');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
SELECT 97001, program_id, 'TAP Reseller', 'US' FROM reseller_billing.program WHERE code = 'tap_sec';
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name) VALUES (97001, 97001, 'TAP Customer');
CREATE TEMP TABLE seen (who text, relname text, n bigint);
GRANT SELECT, INSERT ON seen TO PUBLIC;
-- counts every tenant table of the extension with the caller's rights
CREATE FUNCTION pg_temp.record_seen(p_who text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t   record;
    n   bigint;
BEGIN
    FOR t IN SELECT c.oid::regclass AS rel, c.relname
               FROM pg_class c
               JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
               JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'reseller_billing'
              WHERE c.relkind = 'r'
                AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'reseller_id') LOOP
        BEGIN
            EXECUTE format('SELECT count(*) FROM %s', t.rel) INTO n;
        EXCEPTION WHEN insufficient_privilege THEN
            n := 0;
        END;
        INSERT INTO seen VALUES (p_who, t.relname, n);
    END LOOP;
END $$;
RESET reseller_billing.reseller_id;
RESET reseller_billing.customer_id;
SET LOCAL ROLE reseller_billing_admin;
SELECT pg_temp.record_seen('admin');
RESET ROLE;
SET LOCAL ROLE reseller_billing_reseller;
SELECT pg_temp.record_seen('reseller');
RESET ROLE;
SET LOCAL ROLE reseller_billing_customer;
SELECT pg_temp.record_seen('customer');
RESET ROLE;
CREATE TEMP VIEW seen_admin AS SELECT relname, n FROM seen WHERE who = 'admin';
CREATE TEMP VIEW seen_reseller AS SELECT relname, n FROM seen WHERE who = 'reseller';
CREATE TEMP VIEW seen_customer AS SELECT relname, n FROM seen WHERE who = 'customer';
SELECT cmp_ok((SELECT n FROM seen_admin WHERE relname = 'customer'), '>', 0::bigint,
              'the admin sees the rows without naming a tenant');
SELECT is(s.n, 0::bigint, format('%s: a reseller application with no tenant set reads nothing', s.relname))
  FROM seen_reseller s ORDER BY s.relname;
SELECT is(s.n, 0::bigint, format('%s: a customer portal with no tenant set reads nothing', s.relname))
  FROM seen_customer s ORDER BY s.relname;
SELECT ok(true, format('%s: counted as admin, reseller and customer', s.relname)) FROM seen_admin s ORDER BY s.relname;

SELECT * FROM finish();

ROLLBACK;

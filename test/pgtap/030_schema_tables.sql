-- test/pgtap/030_schema_tables.sql
--
-- The tables of doc/schema.md: the nine tables and the types of their key
-- columns; the tenant rule (every table with a reseller_id column has it in
-- its primary key, in every unique constraint or index, and on both sides of
-- every foreign key to another tenant table — checked from the catalog, so a
-- table added later is covered too); the shared tables carry no reseller_id;
-- the triggers that enforce the subscription rules, with their timing,
-- events and functions; every table and identity sequence registered with
-- pg_extension_config_dump; a COMMENT on every function a user calls; a
-- fixed search_path on every SQL and PL/pgSQL function.
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

SELECT plan(188);

-- ---------------------------------------------------------------------------
-- The nine tables
-- ---------------------------------------------------------------------------

SELECT has_table('reseller_billing', t, format('table reseller_billing.%s exists', t))
FROM unnest(ARRAY['program', 'sku', 'price', 'reseller', 'customer', 'subscription', 'seat',
                  'subscription_change', 'charge']) AS t;

-- ---------------------------------------------------------------------------
-- Primary keys
-- ---------------------------------------------------------------------------

SELECT col_is_pk('reseller_billing', t, k, format('%s: primary key (%s)', t, array_to_string(k, ', ')))
FROM (VALUES ('program', ARRAY['program_id']),
             ('sku', ARRAY['sku_id']),
             ('price', ARRAY['price_id']),
             ('reseller', ARRAY['reseller_id']),
             ('customer', ARRAY['reseller_id', 'customer_id']),
             ('subscription', ARRAY['reseller_id', 'subscription_id']),
             ('seat', ARRAY['reseller_id', 'seat_id']),
             ('subscription_change', ARRAY['reseller_id', 'change_id']),
             ('charge', ARRAY['reseller_id', 'charge_id'])) AS pk(t, k);

-- ---------------------------------------------------------------------------
-- Key columns and their types
-- ---------------------------------------------------------------------------

-- builtin types
SELECT col_type_is('reseller_billing', t, c, ty, format('%s.%s is %s', t, c, ty))
FROM (VALUES ('program', 'program_id', 'bigint'),
             ('program', 'code', 'text'),
             ('program', 'currency', 'text'),
             ('program', 'reseller_discount', 'numeric(5,4)'),
             ('program', 'time_zone', 'text'),
             ('program', 'trial_days', 'integer'),
             ('program', 'trial_seat_cap', 'integer'),
             ('program', 'payment_terms_days', 'integer'),
             ('program', 'settings', 'jsonb'),
             ('sku', 'sku_id', 'bigint'),
             ('sku', 'program_id', 'bigint'),
             ('sku', 'family', 'text'),
             ('sku', 'unit', 'text'),
             ('price', 'sku_id', 'bigint'),
             ('price', 'valid_from', 'date'),
             ('price', 'valid_to', 'date'),
             ('reseller', 'program_id', 'bigint'),
             ('reseller', 'tier', 'text'),
             ('reseller', 'business_type', 'text'),
             ('reseller', 'billing_model', 'text'),
             ('reseller', 'country', 'text'),
             ('customer', 'customer_id', 'bigint'),
             ('customer', 'kind', 'text'),
             ('subscription', 'subscription_id', 'bigint'),
             ('subscription', 'customer_id', 'bigint'),
             ('subscription', 'sku_id', 'bigint'),
             ('subscription', 'committed_seats', 'integer'),
             ('subscription', 'seat_cap', 'integer'),
             ('subscription', 'term_start', 'date'),
             ('subscription', 'term_end', 'date'),
             ('subscription', 'renewal_setting', 'text'),
             ('subscription', 'status', 'text'),
             ('subscription', 'trial_end', 'date'),
             ('subscription', 'active_seats', 'integer'),
             ('subscription', 'cancelled_at', 'timestamp with time zone'),
             ('seat', 'seat_id', 'bigint'),
             ('seat', 'subscription_id', 'bigint'),
             ('seat', 'user_name', 'text'),
             ('seat', 'active_from', 'timestamp with time zone'),
             ('seat', 'active_until', 'timestamp with time zone'),
             ('subscription_change', 'change_id', 'bigint'),
             ('subscription_change', 'subscription_id', 'bigint'),
             ('subscription_change', 'field', 'text'),
             ('subscription_change', 'changed_by', 'text'),
             ('subscription_change', 'effective_at', 'timestamp with time zone'),
             ('charge', 'charge_id', 'bigint'),
             ('charge', 'customer_id', 'bigint'),
             ('charge', 'subscription_id', 'bigint'),
             ('charge', 'kind', 'text'),
             ('charge', 'charge_on', 'date')) AS c(t, c, ty);

-- the extension's own types
SELECT col_type_is('reseller_billing', t, c, 'reseller_billing', ty, format('%s.%s is reseller_billing.%s', t, c, ty))
FROM (VALUES ('price', 'plan', 'plan_kind'),
             ('price', 'list_price', 'amount'),
             ('subscription', 'plan', 'plan_kind'),
             ('subscription', 'partner_price', 'amount'),
             ('charge', 'amount', 'amount')) AS c(t, c, ty);

-- the counter cannot be NULL, nor the columns every row needs
SELECT col_not_null('reseller_billing', t, c, format('%s.%s is NOT NULL', t, c))
FROM (VALUES ('subscription', 'plan'),
             ('subscription', 'status'),
             ('subscription', 'renewal_setting'),
             ('subscription', 'active_seats'),
             ('seat', 'user_name'),
             ('seat', 'active_from'),
             ('subscription_change', 'effective_at'),
             ('charge', 'amount')) AS c(t, c);

-- ---------------------------------------------------------------------------
-- Shared tables and tenant tables
-- ---------------------------------------------------------------------------

SELECT hasnt_column('reseller_billing', t, 'reseller_id', format('shared table %s has no reseller_id', t))
FROM unnest(ARRAY['program', 'sku', 'price']) AS t;

SELECT col_type_is('reseller_billing', t, 'reseller_id', 'bigint', format('tenant table %s: reseller_id is bigint', t))
FROM unnest(ARRAY['reseller', 'customer', 'subscription', 'seat', 'subscription_change', 'charge']) AS t;

-- the tenant tables, from the catalog: every ordinary or partitioned table
-- of the schema with a reseller_id column
CREATE TEMP VIEW tenant AS
SELECT c.oid AS relid, c.relname::text AS relname, a.attnum AS rid
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'reseller_id' AND NOT a.attisdropped
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'p');

SELECT set_has('SELECT relname FROM tenant',
               $$VALUES ('reseller'), ('customer'), ('subscription'), ('seat'), ('subscription_change'), ('charge')$$,
               'reseller, customer, subscription, seat, subscription_change and charge are tenant tables (have reseller_id)');

SELECT is(array_agg(t.relname ORDER BY t.relname), NULL,
          'every tenant table has reseller_id NOT NULL')
FROM tenant t JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum = t.rid
WHERE NOT a.attnotnull;

SELECT is(array_agg(t.relname ORDER BY t.relname), NULL,
          'every tenant table has a primary key that includes reseller_id')
FROM tenant t
WHERE NOT EXISTS (SELECT FROM pg_constraint k
                  WHERE k.conrelid = t.relid AND k.contype = 'p' AND t.rid = ANY (k.conkey));

SELECT is(array_agg(i.indexrelid::regclass::text ORDER BY 1), NULL,
          'every unique constraint and unique index of a tenant table includes reseller_id')
FROM tenant t JOIN pg_index i ON i.indrelid = t.relid
WHERE i.indisunique AND NOT t.rid = ANY (i.indkey::int2[]);

SELECT is(array_agg(format('%s.%s', t.relname, k.conname) ORDER BY 1), NULL,
          'every unique and exclusion constraint of a tenant table includes reseller_id')
FROM tenant t JOIN pg_constraint k ON k.conrelid = t.relid
WHERE k.contype IN ('u', 'x') AND NOT t.rid = ANY (k.conkey);

-- a foreign key between tenant tables matches reseller_id to reseller_id
SELECT is(array_agg(format('%s.%s', f.relname, k.conname) ORDER BY 1), NULL,
          'every foreign key between tenant tables includes reseller_id on both sides, matched to each other')
FROM tenant f
JOIN pg_constraint k ON k.conrelid = f.relid AND k.contype = 'f'
JOIN tenant r ON r.relid = k.confrelid
WHERE NOT EXISTS (SELECT FROM generate_subscripts(k.conkey, 1) AS i
                  WHERE k.conkey[i] = f.rid AND k.confkey[i] = r.rid);

SELECT cmp_ok((SELECT count(*)::int FROM tenant f
                JOIN pg_constraint k ON k.conrelid = f.relid AND k.contype = 'f'
                JOIN tenant r ON r.relid = k.confrelid), '>=', 5,
              'at least the five foreign keys among the tenant tables exist (customer, subscription, subscription_change, charge x2; seat''s reference is kept by trigger)');

SELECT fk_ok('reseller_billing', f, fc, 'reseller_billing', t, tc,
             format('%s (%s) references %s (%s)', f, array_to_string(fc, ', '), t, array_to_string(tc, ', ')))
FROM (VALUES ('customer', ARRAY['reseller_id'], 'reseller', ARRAY['reseller_id']),
             ('subscription', ARRAY['reseller_id', 'customer_id'], 'customer', ARRAY['reseller_id', 'customer_id']),
             ('subscription_change', ARRAY['reseller_id', 'subscription_id'], 'subscription', ARRAY['reseller_id', 'subscription_id']),
             ('charge', ARRAY['reseller_id', 'customer_id'], 'customer', ARRAY['reseller_id', 'customer_id']),
             ('charge', ARRAY['reseller_id', 'subscription_id'], 'subscription', ARRAY['reseller_id', 'subscription_id']),
             ('subscription', ARRAY['sku_id'], 'sku', ARRAY['sku_id']),
             ('reseller', ARRAY['program_id'], 'program', ARRAY['program_id']),
             ('sku', ARRAY['program_id'], 'program', ARRAY['program_id']),
             ('price', ARRAY['sku_id'], 'sku', ARRAY['sku_id'])) AS fk(f, fc, t, tc);

-- a shared table never points at a reseller's data
SELECT is(array_agg(format('%s.%s', c.relname, k.conname) ORDER BY 1), NULL,
          'no foreign key from a shared table to a tenant table')
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
WHERE k.contype = 'f' AND c.relnamespace = 'reseller_billing'::regnamespace
  AND c.oid NOT IN (SELECT relid FROM tenant)
  AND k.confrelid IN (SELECT relid FROM tenant);

-- ---------------------------------------------------------------------------
-- Indexes the rules and renew_due rely on
-- ---------------------------------------------------------------------------

SELECT has_index('reseller_billing', 'seat', 'seat_active_user', 'index seat_active_user exists');
SELECT index_is_unique('reseller_billing', 'seat', 'seat_active_user',
                       'seat_active_user is unique (one active account per user name and subscription)');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index
            WHERE indexrelid = 'reseller_billing.seat_active_user'::regclass),
          '(active_until IS NULL)', 'seat_active_user covers the active accounts only');
SELECT has_index('reseller_billing', 'seat', 'seat_usage', 'index seat_usage exists');
SELECT has_index('reseller_billing', 'subscription', 'subscription_renewal_due', 'index subscription_renewal_due exists');
SELECT has_index('reseller_billing', 'subscription', 'subscription_trial_due', 'index subscription_trial_due exists');

-- ---------------------------------------------------------------------------
-- Triggers: present, on the right function, with the right timing
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE expected_trigger (tbl text, tgname text, func text, timing text, events text, level text);
INSERT INTO expected_trigger VALUES
    ('subscription', 'subscription_before_insert', 'subscription_before_insert', 'BEFORE', 'INSERT', 'ROW'),
    ('subscription', 'subscription_counter_guard', 'subscription_counter_guard', 'BEFORE', 'UPDATE', 'ROW'),
    ('subscription', 'subscription_before_update', 'subscription_before_update', 'BEFORE', 'UPDATE', 'ROW'),
    ('subscription', 'subscription_cancelled', 'subscription_cancelled', 'AFTER', 'UPDATE', 'ROW'),
    ('subscription', 'subscription_history_insert', 'subscription_history', 'AFTER', 'INSERT', 'ROW'),
    ('subscription', 'subscription_history_update', 'subscription_history', 'AFTER', 'UPDATE', 'ROW'),
    ('subscription', 'subscription_keep_seats', 'subscription_keep_seats', 'BEFORE', 'DELETE', 'ROW'),
    ('subscription', 'subscription_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('seat', 'seat_count_row', 'seat_count_row', 'AFTER', 'INSERT UPDATE', 'ROW'),
    ('seat', 'seat_count_insert', 'seat_count_statement', 'AFTER', 'INSERT', 'STATEMENT'),
    ('seat', 'seat_count_update', 'seat_count_statement', 'AFTER', 'UPDATE', 'STATEMENT'),
    ('seat', 'seat_count_commit', 'seat_count_commit', 'AFTER', 'INSERT UPDATE', 'ROW'),
    ('subscription', 'subscription_0_count', 'seat_count_fold', 'BEFORE', 'UPDATE', 'ROW'),
    ('seat', 'seat_before_update', 'seat_before_update', 'BEFORE', 'UPDATE', 'ROW'),
    ('seat', 'seat_no_delete', 'seat_no_delete', 'BEFORE', 'DELETE', 'ROW'),
    ('seat', 'seat_no_truncate', 'no_truncate', 'BEFORE', 'TRUNCATE', 'STATEMENT'),
    ('program', 'program_check', 'program_check', 'BEFORE', 'INSERT UPDATE', 'ROW'),
    ('price', 'price_check', 'price_check', 'BEFORE', 'INSERT UPDATE', 'ROW');

SELECT has_trigger('reseller_billing', tbl, tgname, format('%s has trigger %s', tbl, tgname))
FROM expected_trigger ORDER BY tbl, tgname;

SELECT trigger_is('reseller_billing', tbl, tgname, 'reseller_billing', func,
                  format('trigger %s runs %s()', tgname, func))
FROM expected_trigger ORDER BY tbl, tgname;

-- timing, events and level decoded from pg_trigger.tgtype
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
    'the rules triggers fire at the documented time, on the documented events, per row or per statement');

-- a trigger condition names the extension's operators explicitly, or uses
-- none: a node that reads the definition back without the schema in its
-- search_path (a Citus worker creating the trigger on a shard) must find
-- them (issue 14 §4)
SELECT is((SELECT array_agg(DISTINCT t.tgname::text ORDER BY t.tgname::text)
             FROM pg_trigger t
             JOIN pg_depend d ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
                             AND d.refclassid = 'pg_operator'::regclass
             JOIN pg_operator o ON o.oid = d.refobjid
            WHERE o.oprnamespace = 'reseller_billing'::regnamespace
              AND strpos(pg_get_triggerdef(t.oid), 'OPERATOR(reseller_billing.' || o.oprname || ')') = 0),
          NULL,
          'no trigger condition uses an operator of the extension unqualified');

-- the counter is written once per transaction, at commit
SELECT is((SELECT tgdeferrable AND tginitdeferred FROM pg_trigger
            WHERE tgrelid = 'reseller_billing.seat'::regclass AND tgname = 'seat_count_commit'),
          true, 'seat_count_commit is a constraint trigger deferred to commit');

-- no trigger reads a transition table (the shards of a distributed table
-- have none): the seat counters and the audit log group rows in C, the
-- late-change and CSP checks work row by row (issue 13, issue 14 §6)
SELECT is((SELECT array_agg(format('%s.%s', tg.tgrelid::regclass, tg.tgname)
                            ORDER BY format('%s.%s', tg.tgrelid::regclass, tg.tgname) COLLATE "C") FROM pg_trigger tg
             JOIN pg_class c ON c.oid = tg.tgrelid
            WHERE c.relnamespace = 'reseller_billing'::regnamespace
              AND (tg.tgoldtable IS NOT NULL OR tg.tgnewtable IS NOT NULL)),
          NULL,
          'no trigger of the extension reads a transition table');
SELECT is((SELECT l.lanname = 'c' FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'reseller_billing.seat_count_statement()'::regprocedure),
          true, 'the seat counters are C');

-- every trigger on the nine tables is enabled (not disabled, not replica-only)
SELECT is(array_agg(format('%s.%s', tg.tgrelid::regclass, tg.tgname) ORDER BY 1), NULL,
          'every trigger on the tables of the schema is enabled (tgenabled = O)')
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
WHERE c.relnamespace = 'reseller_billing'::regnamespace AND NOT tg.tgisinternal AND tg.tgenabled <> 'O';

-- ---------------------------------------------------------------------------
-- pg_dump: every table and identity sequence is an extension config
-- relation, dumped with all its rows
-- ---------------------------------------------------------------------------

CREATE TEMP VIEW extconfig AS
SELECT x.relid, x.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(relid, cond)
 WHERE e.extname = 'reseller_billing';

SELECT ok(format('reseller_billing.%s', t)::regclass IN (SELECT relid FROM extconfig),
          format('table %s is registered with pg_extension_config_dump', t))
FROM unnest(ARRAY['program', 'sku', 'price', 'reseller', 'customer', 'subscription', 'seat',
                  'subscription_change', 'charge']) AS t;

SELECT is(array_agg(c.oid::regclass::text ORDER BY 1), NULL,
          'every table of schema reseller_billing is registered with pg_extension_config_dump')
FROM pg_class c
WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'p')
  AND c.oid NOT IN (SELECT relid FROM extconfig);

SELECT is(array_agg(c.oid::regclass::text ORDER BY 1), NULL,
          'every sequence of schema reseller_billing is registered with pg_extension_config_dump')
FROM pg_class c
WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'S'
  AND c.oid NOT IN (SELECT relid FROM extconfig);

SELECT is(array_agg(x.relid::regclass::text ORDER BY 1), NULL,
          'every registered table is dumped with all its rows (empty filter condition)')
FROM extconfig x
WHERE coalesce(x.cond, '') <> '';

-- ---------------------------------------------------------------------------
-- Functions: documented, and with a fixed search_path
-- ---------------------------------------------------------------------------

SELECT ok(coalesce(length(btrim(obj_description(to_regprocedure(sig), 'pg_proc'))), 0) > 0,
          format('%s has a COMMENT', sig))
FROM unnest(ARRAY[
    'reseller_billing.partner_price(bigint, reseller_billing.plan_kind, bigint, date)',
    'reseller_billing.add_seats(bigint, bigint, integer, timestamp with time zone)',
    'reseller_billing.set_seat_cap(bigint, bigint, integer, timestamp with time zone)',
    'reseller_billing.change_plan(bigint, bigint, reseller_billing.plan_kind, integer, timestamp with time zone)',
    'reseller_billing.set_renewal(bigint, bigint, text, timestamp with time zone)',
    'reseller_billing.cancel_subscription(bigint, bigint, timestamp with time zone)',
    'reseller_billing.terminate_early(bigint, bigint, timestamp with time zone, text)',
    'reseller_billing.suspend(bigint, bigint, text, timestamp with time zone)',
    'reseller_billing.reactivate(bigint, bigint, timestamp with time zone)',
    'reseller_billing.renew_due(timestamp with time zone)',
    'reseller_billing.end_seats(bigint, bigint, timestamp with time zone)',
    'reseller_billing.program_date(bigint, timestamp with time zone)',
    'reseller_billing.effective_at()',
    'reseller_billing.seat_limit(reseller_billing.subscription)',
    'reseller_billing.restoring()']) AS sig;

-- every function a user calls by name: all but the support functions of
-- operators, operator classes, aggregates, types and casts (which are
-- reached through those and documented there)
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every function in schema reseller_billing (but operator, operator class, aggregate, type and cast support functions) has a COMMENT')
FROM pg_proc p
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND coalesce(length(btrim(obj_description(p.oid, 'pg_proc'))), 0) = 0
  AND NOT EXISTS (SELECT FROM pg_operator o WHERE p.oid IN (o.oprcode, o.oprrest, o.oprjoin))
  AND NOT EXISTS (SELECT FROM pg_amproc a WHERE a.amproc = p.oid)
  AND NOT EXISTS (SELECT FROM pg_aggregate g
                  WHERE p.oid IN (g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn,
                                  g.aggmtransfn, g.aggminvtransfn, g.aggmfinalfn))
  AND NOT EXISTS (SELECT FROM pg_type t
                  WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend,
                                  t.typmodin, t.typmodout, t.typanalyze, t.typsubscript))
  AND NOT EXISTS (SELECT FROM pg_cast c WHERE c.castfunc = p.oid);

-- a function that runs queries must not resolve names through the caller's
-- search_path (a caller's table or operator named like ours must not be used).
-- Procedures are left out: one that commits (a batched close) cannot carry
-- a SET clause.
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every SQL and PL/pgSQL function in schema reseller_billing has SET search_path')
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND p.prokind = 'f' AND l.lanname IN ('sql', 'plpgsql')
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS s WHERE s LIKE 'search_path=%');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'and that search_path puts pg_catalog first and pg_temp last')
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
CROSS JOIN LATERAL (SELECT substr(s, length('search_path=') + 1) AS sp
                      FROM unnest(p.proconfig) AS s WHERE s LIKE 'search_path=%') x
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND p.prokind = 'f' AND l.lanname IN ('sql', 'plpgsql')
  AND NOT (x.sp LIKE 'pg_catalog,%' AND x.sp LIKE '%pg_temp');

-- No SQL-standard body (BEGIN ATOMIC / RETURN) reads a table: such a body is
-- bound to its tables when created, and a Citus worker cannot plan it over
-- a shard (issue 14 §8); those functions have string bodies, parsed when
-- called (src/sql/0.3.0/93_string_bodies.sql).
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'no function has a SQL-standard body that reads a table')
FROM pg_proc p
WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.prosqlbody IS NOT NULL
  AND EXISTS (SELECT FROM pg_depend d
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                 AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n');

-- No SQL function reads a table of the extension either: Citus cannot plan
-- a SQL function's statements that take parameters over distributed tables
-- ("could not create distributed plan"), so those are PL/pgSQL (issue 14).
-- The test looks for a table of the schema named in the body.
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'no SQL function reads a table of the extension (they are PL/pgSQL)')
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'reseller_billing'::regnamespace AND l.lanname = 'sql'
  AND EXISTS (SELECT FROM pg_class c
               WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v')
                 AND p.prosrc ~ ('reseller_billing\.' || c.relname || '\M'));

-- The rules' context (reseller_billing.action, .effective_at, ...) is set
-- with SET LOCAL through set_local(), which Citus passes on to the workers
-- where the guards run; set_config() it does not (issue 14).
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'no function sets the rules'' context with set_config() (set_local() reaches a cluster''s workers)')
FROM pg_proc p
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND p.prosrc ~ 'set_config\(''reseller_billing\.';

SELECT * FROM finish();

ROLLBACK;

-- test/pgtap/080_clock.sql
--
-- One billing clock (issue 12; doc/clock.md): no rule of the extension reads
-- the wall clock; they all read reseller_billing.clock_now().  The catalog
-- is scanned as it stands at run time, so a function, default, view,
-- constraint, trigger or policy added later is covered without editing this
-- file:
--   * function and procedure definitions (bodies, argument defaults; SQL
--     comments removed first), column defaults, views, check constraints,
--     trigger definitions and row-level security policies;
--   * looking for now(), clock_timestamp(), statement_timestamp(),
--     transaction_timestamp(), timeofday(), current_date, current_time,
--     current_timestamp, localtime, localtimestamp and the 'now' / 'today' /
--     'tomorrow' / 'yesterday' literals;
--   * the only reads allowed are the bookkeeping listed in allowed below
--     (wall times of the audit log, of clock moves, of a close's progress
--     and of the run log), and each of them is still there (the list cannot rot);
--   * a function planted with now() is found (the scan can fail).
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

-- the wall-clock reads in a piece of SQL text
CREATE FUNCTION pg_temp.reads_in(p_sql text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT lower(m[1])
      FROM regexp_matches(regexp_replace(p_sql, '--[^\n]*', '', 'g'),
                          '((?:\mnow|\mclock_timestamp|\mstatement_timestamp|\mtransaction_timestamp|\mtimeofday)\s*\(\s*\)'
                          '|\m(?:current_date|current_timestamp|current_time|localtimestamp|localtime)\M'
                          '|''(?:now|today|tomorrow|yesterday)'')', 'gi') m
$$;

-- the objects of the extension: members, or in its schema
CREATE TEMP VIEW rb_objects AS
SELECT 'function'::text AS kind, p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS def
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
UNION ALL
SELECT 'default', format('%s.%s', a.attrelid::regclass, a.attname), pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  JOIN pg_class c ON c.oid = d.adrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace
UNION ALL
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'constraint', format('%s.%s', k.conrelid::regclass, k.conname), pg_get_constraintdef(k.oid)
  FROM pg_constraint k WHERE k.connamespace = 'reseller_billing'::regnamespace
UNION ALL
SELECT 'trigger', format('%s.%s', t.tgrelid::regclass, t.tgname), pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'policy', format('%s.%s', p.schemaname, p.policyname) || ' on ' || p.tablename,
       coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
  FROM pg_policies p WHERE p.schemaname = 'reseller_billing';

CREATE TEMP VIEW rb_reads AS
SELECT o.kind, o.name, r AS read FROM rb_objects o, pg_temp.reads_in(o.def) r;

-- bookkeeping that is the wall's time, not the billing clock's
CREATE TEMP TABLE allowed (kind text, name text, read text, why text, PRIMARY KEY (kind, name, read));
INSERT INTO allowed VALUES
    ('default', 'reseller_billing.audit_log.logged_at', 'now()', 'the audit log''s wall time'),
    ('default', 'reseller_billing.audit_log.statement_at', 'statement_timestamp()', 'the audit log''s wall time'),
    ('default', 'reseller_billing.clock_move.wall_started', 'clock_timestamp()', 'when a clock move ran'),
    ('function', 'reseller_billing.freeze_clock(timestamp with time zone)', 'clock_timestamp()', 'when a clock move ran'),
    ('function', 'reseller_billing.thaw_clock()', 'clock_timestamp()', 'when a clock move ran'),
    ('function', 'reseller_billing.clock_advance_step(bigint,timestamp with time zone,integer,integer,integer)',
     'clock_timestamp()', 'when a clock move ran'),
    ('view', 'reseller_billing.clock_status', 'now()', 'shows the wall clock beside the billing clock'),
    ('function', 'reseller_billing.close_begin(reseller_billing.billing_period,bigint,timestamp with time zone)',
     'clock_timestamp()', 'close_progress: how long a close run takes'),
    ('function', 'reseller_billing.close_step(reseller_billing.billing_period,bigint,bigint,bigint,integer)',
     'clock_timestamp()', 'close_progress: how long a close run takes'),
    ('function', 'reseller_billing.close_finish(reseller_billing.billing_period,bigint)',
     'clock_timestamp()', 'close_progress: how long a close run takes'),
    ('default', 'reseller_billing.run_log.started_at', 'clock_timestamp()', 'run_log: when a scheduled run ran'),
    ('function', 'reseller_billing.run_due(timestamp with time zone,integer,integer)',
     'clock_timestamp()', 'run_log: when a scheduled run finished'),
    ('function', 'reseller_billing.event_lease_clock()',
     'clock_timestamp()', 'the leases of event consumers: a frozen billing clock must not keep a crashed consumer''s events from coming back');

SELECT plan(8);

SELECT ok((SELECT count(*) FROM rb_objects WHERE kind = 'function') > 100
          AND (SELECT count(*) FROM rb_objects WHERE kind = 'default') > 30
          AND (SELECT count(*) FROM rb_objects WHERE kind = 'view') > 5,
          'the scan sees the functions, defaults and views of the extension');

SELECT is((SELECT array_agg(format('%s %s reads %s', r.kind, r.name, r.read) ORDER BY r.kind, r.name, r.read)
             FROM rb_reads r
            WHERE NOT EXISTS (SELECT FROM allowed a WHERE (a.kind, a.name, a.read) = (r.kind, r.name, r.read))),
          NULL,
          'no function, default, view, constraint, trigger or policy of the extension reads the wall clock but the allowed bookkeeping');

SELECT is((SELECT array_agg(format('%s %s: %s', a.kind, a.name, a.read) ORDER BY a.kind, a.name)
             FROM allowed a
            WHERE NOT EXISTS (SELECT FROM rb_reads r WHERE (a.kind, a.name, a.read) = (r.kind, r.name, r.read))),
          NULL,
          'every allowed wall-clock read is still there (the allow-list is exact)');

SELECT ok((SELECT count(*) FROM rb_reads r WHERE r.read = 'now()' AND r.kind = 'default') = 1,
          'of the column defaults only the audit log''s wall time is now()');

SELECT is((SELECT count(*)::int FROM rb_objects o WHERE o.kind = 'default' AND o.def = 'reseller_billing.clock_now()') >= 30,
          true, 'the "when" columns of the rules'' tables default to clock_now()');

SELECT is((SELECT format('%s %s %s', l.lanname, p.provolatile, p.prosrc)
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'reseller_billing.clock_now()'::regprocedure),
          'c s rb_clock_now', 'clock_now() is the C function, STABLE (one value per transaction)');

-- the scan can fail: a function planted in the schema with a wall-clock read
CREATE FUNCTION reseller_billing.rb_scan_probe() RETURNS date LANGUAGE sql STABLE
    AS $$ SELECT (now() AT TIME ZONE 'UTC')::date -- and current_date in a comment is no read
$$;
SELECT is((SELECT array_agg(r.read ORDER BY r.read) FROM rb_reads r WHERE r.name = 'reseller_billing.rb_scan_probe()'),
          ARRAY['now()'], 'a planted now() is found, a now() in a comment is not');
SELECT is((SELECT array_agg(r ORDER BY r)
             FROM pg_temp.reads_in($$SELECT CURRENT_DATE, 'today'::date, clock_timestamp (), localtimestamp, x.now_at$$) r),
          ARRAY['''today''', 'clock_timestamp ()', 'current_date', 'localtimestamp'],
          'the scan finds every spelling, and not a column that merely starts with now');

SELECT * FROM finish();

ROLLBACK;

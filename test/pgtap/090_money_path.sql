-- test/pgtap/090_money_path.sql
--
-- Money stays an amount (issue 17 §1; doc/types.md): from fact to invoice,
-- payment, credit and channel line the rules add, subtract, compare, scale
-- and round amounts, so every step checks the currency and rounds by the
-- one rule.  value() -- the numeric of an amount -- is for output.  The
-- catalog is scanned as it stands at run time (functions and procedures
-- but C ones, views, column defaults, constraints, triggers, policies; SQL
-- comments removed), so what is added later is covered too:
--   * nowhere is a value() result used in arithmetic or a comparison, or
--     summed: no operator after value(...) or before value(, no
--     sum/avg/min/max/greatest/least of a value();
--   * value() appears in a function only in the exact allow-list below
--     (functions that return numerics for BI tools, and the one numeric
--     column of late interest); the views show value() of amounts;
--   * planted value() arithmetic is found (the scan can fail).
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

-- the places in a piece of SQL where a value() result is computed with:
-- each value( call is followed to its closing parenthesis, then what stands
-- after it (an operator, ::numeric and an operator) and before it (an
-- operator, an aggregate or GREATEST/LEAST, an assignment) is looked at
CREATE FUNCTION pg_temp.value_arithmetic(p_sql text) RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    t       text := regexp_replace(p_sql, '--[^\n]*', '', 'g');
    n       int := 1;
    at      int;
    i       int;
    depth   int;
    call    text;
    after   text;
    before  text;
BEGIN
    LOOP
        at := regexp_instr(t, '\mvalue\s*\(', 1, n, 0, 'i');
        EXIT WHEN at = 0;
        n := n + 1;
        i := strpos(substr(t, at), '(') + at - 1;
        depth := 0;
        LOOP
            EXIT WHEN i > length(t);
            IF substr(t, i, 1) = '(' THEN
                depth := depth + 1;
            ELSIF substr(t, i, 1) = ')' THEN
                depth := depth - 1;
                EXIT WHEN depth = 0;
            END IF;
            i := i + 1;
        END LOOP;
        call := substr(t, at, i - at + 1);
        after := regexp_replace(substr(t, i + 1, 40), '^\s*(::\s*numeric\s*)?', '');
        before := regexp_replace(substr(t, greatest(1, at - 60), at - greatest(1, at - 60)), '(reseller_billing\.)?$', '');
        IF after ~* '^([-+*/%<>=!]|OPERATOR\s*\()' THEN
            RETURN NEXT call || ' ' || substring(after FROM '^([-+*/%<>=!]+|OPERATOR)');
        END IF;
        IF before ~* '([-+*/%<>=]|OPERATOR\s*\([^)]*\))\s*$' THEN
            RETURN NEXT substring(before FROM '([-+*/%<>=]+|OPERATOR\s*\([^)]*\))\s*$') || ' value(';
        END IF;
        IF before ~* '\m(sum|avg|min|max|greatest|least)\s*\(\s*$' THEN
            RETURN NEXT lower(substring(before FROM '\m(\w+)\s*\(\s*$')) || '(value(';
        END IF;
    END LOOP;
END $$;

CREATE TEMP VIEW rb_objects AS
SELECT 'function'::text AS kind, p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS def
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
UNION ALL
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'default', format('%s.%s', a.attrelid::regclass, a.attname), pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  JOIN pg_class c ON c.oid = d.adrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace
UNION ALL
SELECT 'constraint', format('%s.%s', k.conrelid::regclass, k.conname), pg_get_constraintdef(k.oid)
  FROM pg_constraint k WHERE k.connamespace = 'reseller_billing'::regnamespace
UNION ALL
SELECT 'trigger', format('%s.%s', t.tgrelid::regclass, t.tgname), pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'policy', format('%s on %s', p.policyname, p.tablename), coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
  FROM pg_policies p WHERE p.schemaname = 'reseller_billing';

-- the functions that may call value(): they hand numerics to BI tools or a
-- numeric column, and compute nothing with them
CREATE TEMP TABLE allowed (name text PRIMARY KEY, why text);
INSERT INTO allowed VALUES
    ('reseller_billing.receivables_aging_at(date)', 'the aging report''s numeric columns'),
    ('reseller_billing.direct_bill_standing(date)', 'revenue, threshold and shortfall as numerics'),
    ('reseller_billing.statement_interest(bigint,bigint,date,numeric,reseller_billing.amount)',
     'late_interest.balance_days, a numeric column (write_statement''s interest)');

SELECT plan(7);

SELECT ok((SELECT count(*) FROM rb_objects WHERE kind = 'function') > 100
          AND (SELECT count(*) FROM rb_objects WHERE kind = 'view') > 10
          AND (SELECT count(*) FROM rb_objects o WHERE o.kind = 'view' AND o.def ~ '\mvalue\s*\(') > 10,
          'the scan sees the functions and views of the extension, and the views'' value() calls');

SELECT is((SELECT array_agg(format('%s %s: %s', o.kind, o.name, a) ORDER BY o.kind, o.name, a)
             FROM rb_objects o, pg_temp.value_arithmetic(o.def) a),
          NULL,
          'no function, view, default, constraint, trigger or policy computes with a value() numeric');

SELECT is((SELECT array_agg(o.name ORDER BY o.name)
             FROM rb_objects o
            WHERE o.kind = 'function' AND o.def ~ '\mvalue\s*\('
              AND NOT EXISTS (SELECT FROM allowed a WHERE a.name = o.name)),
          NULL,
          'value() appears in no function but the allowed conversions for BI output');

SELECT is((SELECT array_agg(a.name ORDER BY a.name) FROM allowed a
            WHERE NOT EXISTS (SELECT FROM rb_objects o WHERE o.kind = 'function' AND o.name = a.name
                                                           AND o.def ~ '\mvalue\s*\(')),
          NULL,
          'every allowed function still calls value() (the allow-list is exact)');

SELECT is((SELECT count(*)::int FROM rb_objects o WHERE o.kind IN ('default', 'constraint', 'trigger', 'policy')
                                                    AND o.def ~ '\mvalue\s*\('),
          0, 'no default, constraint, trigger or policy calls value()');

-- the scan can fail
SELECT is((SELECT array_agg(a ORDER BY a) FROM pg_temp.value_arithmetic($$
    owed := value(i.total) - value(i.paid);          -- value(x) - 1 in a comment is no arithmetic
    IF reseller_billing.value(reseller_billing.round(x)) > 0 THEN
    SELECT sum(reseller_billing.value(l.amount)), value(a) AS shown, x OPERATOR(pg_catalog.*) value(b)
$$) a),
          ARRAY['- value(', '= value(', 'OPERATOR(pg_catalog.*) value(', 'sum(value(', 'value(i.total) -',
                'value(reseller_billing.round(x)) >'],
          'planted arithmetic on value() is found, in every spelling; a value() shown is not');

SELECT is((SELECT count(*)::int FROM pg_temp.value_arithmetic($$
    SELECT reseller_billing.value(i.total - i.paid) AS owed, value(larger(a, b)), coalesce(value(x), zero(c))
$$)),
          0, 'value() of an amount expression, for output, is no arithmetic');

SELECT * FROM finish();

ROLLBACK;

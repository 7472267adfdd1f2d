# test/t/060_hostile_search_path.pl
#
# Issue 7 §2: the extension is installed and used with a hostile schema
# first on the search_path, and never calls anything of it.
#
# Schema `evil` comes first (search_path = evil, public, reseller_billing),
# and holds what an attacker with CREATE on a schema early on a victim's path
# would plant (pg_catalog is searched first when the path does not name it,
# so only objects that are a better match than pg_catalog's, or that have
# names pg_catalog does not have, can capture a lookup):
#
#   before CREATE EXTENSION: shadows of built-ins that win by an exact match
#     where pg_catalog needs an implicit cast or a polymorphic/variadic
#     argument: format(text, text|bigint|...), text || bigint, numeric =
#     integer (and < > + - * /), bigint = numeric, date + bigint,
#     array_length(bigint[], int), array_agg(bigint), count(bigint),
#     to_char(date, text), date_trunc(text, date), jsonb_build_object(text,
#     text), generate_series(date, date, interval), lower/upper(varchar), and
#     now() (which cannot win: pg_catalog.now() is an exact match);
#   after it, generated from the catalog: a function of the same name and
#     arguments for every function and procedure of reseller_billing, an
#     operator for every operator, an aggregate for every aggregate, a domain
#     for every type (amount, billing_period, plan_kind) and an updatable view
#     for every table and view.
#
# Each of them records its call in a sequence (which a rollback does not
# undo), in table evil.calls (what, and the caller from PG_CONTEXT) and with
# a WARNING, then does what the real object does, so the workload runs on.
# A positive control (a deliberately unpinned function of the test's own)
# shows that a capture is seen.  The workload is test/fuzz/fixture.sql (the
# catalog, subscriptions, seats, closes by run_due and close_period, a
# preview, payments, a credit, a charge, a credit note, a void, the views),
# plus the other API functions, all run with the hostile path; the fixture
# schema-qualifies what it calls, so any call recorded comes from the
# extension.
#
# A capture found in the extension's SQL is listed in %KNOWN_CAPTURES below
# and asserted in a TODO block (the lead fixes the SQL; the suite stays green
# and the finding visible); any other capture fails the test.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this); RB_REPO locates the
# fixture.

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Captures found and reported, awaiting a fix in the extension's SQL:
# 'hostile object <- caller frame (PG_CONTEXT)' => 'file: function, the name'.
my %KNOWN_CAPTURES = ();

my $repo = $ENV{RB_REPO}
  // File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $fixture = "$repo/test/fuzz/fixture.sql";
ok(-f $fixture, 'the workload test/fuzz/fixture.sql exists')
  or BAIL_OUT("no $fixture");

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE hostile');

my $hostile_path = 'SET search_path = evil, public, reseller_billing;';

# ---------------------------------------------------------------------------
# The recorder and the shadows of built-ins (before the extension exists)
# ---------------------------------------------------------------------------

$node->safe_psql('hostile', <<'SQL');
SET search_path = pg_catalog;
CREATE SCHEMA evil;
CREATE SEQUENCE evil.hits;
CREATE TABLE evil.calls (n bigint, what text, caller text, context text);

-- evil.record(what, skip): count the call, keep what was called and by
-- whom.  PG_CONTEXT's first line is this function; "skip" more lines belong
-- to the hostile object itself (1 for a SQL function wrapping the real one);
-- the caller is the first function after them ("SQL statement" lines only
-- quote the statement), or the top level when there is none.
CREATE FUNCTION evil.record(what text, skip int) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ctx     text;
    frames  text[];
    caller  text;
    n       bigint;
BEGIN
    n := nextval('evil.hits');
    GET DIAGNOSTICS ctx = PG_CONTEXT;
    frames := string_to_array(ctx, E'\n');
    SELECT f INTO caller
      FROM unnest(frames[2 + skip:]) WITH ORDINALITY AS t(f, i)
     WHERE f ~ '^(PL/pgSQL|SQL) function '
     ORDER BY i LIMIT 1;
    caller := coalesce(caller, '(top level)');
    INSERT INTO evil.calls VALUES (n, what, caller, ctx);
    RAISE WARNING 'hostile object % called by %', what, caller;
    RETURN true;
END $$;

-- built-in shadows: each a SQL function (not inlined: it has a SET clause)
-- that records the call and returns what pg_catalog's object returns
DO $gen$
DECLARE
    f   record;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('format', 'text, text', 'text', 'format($1, $2)'),
        ('format', 'text, bigint', 'text', 'format($1, $2)'),
        ('format', 'text, integer', 'text', 'format($1, $2)'),
        ('format', 'text, numeric', 'text', 'format($1, $2)'),
        ('format', 'text, text, text', 'text', 'format($1, $2, $3)'),
        ('format', 'text, bigint, bigint', 'text', 'format($1, $2, $3)'),
        ('format', 'text, bigint, text', 'text', 'format($1, $2, $3)'),
        ('format', 'text, text, bigint', 'text', 'format($1, $2, $3)'),
        ('lower', 'character varying', 'text', 'lower($1::text)'),
        ('upper', 'character varying', 'text', 'upper($1::text)'),
        ('now', '', 'timestamptz', 'now()'),
        ('array_length', 'bigint[], integer', 'integer', 'array_length($1, $2)'),
        ('to_char', 'date, text', 'text', 'to_char($1::timestamp, $2)'),
        ('date_trunc', 'text, date', 'timestamptz', 'date_trunc($1, $2::timestamptz)'),
        ('jsonb_build_object', 'text, text', 'jsonb', 'jsonb_build_object($1, $2)'))
        AS t(name, args, result, body)
    LOOP
        EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog '
                       'AS %L', f.name, f.args, f.result,
                       format('SELECT evil.record(%L, 1); SELECT %s', format('function %s(%s)', f.name, f.args), f.body));
    END LOOP;
    -- generate_series(date, date, interval), set-returning
    EXECUTE 'CREATE FUNCTION evil.generate_series(date, date, interval) RETURNS SETOF timestamptz '
            'LANGUAGE sql SET search_path = pg_catalog AS '
            '$b$SELECT evil.record(''function generate_series(date, date, interval)'', 1); '
            'SELECT generate_series($1::timestamptz, $2::timestamptz, $3)$b$';

    -- operators on built-in types that pg_catalog serves only through a cast
    FOR f IN SELECT o.op, o.fname, t.l, t.r, t.cast_l, t.cast_r, o.res_bool
               FROM (VALUES ('=', 'eq', true), ('<>', 'ne', true), ('<', 'lt', true), ('<=', 'le', true),
                            ('>', 'gt', true), ('>=', 'ge', true), ('+', 'pl', false), ('-', 'mi', false),
                            ('*', 'mul', false), ('/', 'div', false)) AS o(op, fname, res_bool)
              CROSS JOIN (VALUES ('numeric', 'integer', '', '::numeric'),
                                 ('integer', 'numeric', '::numeric', ''),
                                 ('bigint', 'numeric', '::numeric', ''),
                                 ('numeric', 'bigint', '', '::numeric')) AS t(l, r, cast_l, cast_r)
    LOOP
        EXECUTE format('CREATE FUNCTION evil.%s(%s, %s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                       'op_' || f.fname || '_' || left(f.l, 3) || '_' || left(f.r, 3), f.l, f.r,
                       CASE WHEN f.res_bool THEN 'boolean' ELSE 'numeric' END,
                       format('SELECT evil.record(%L, 1); SELECT $1%s OPERATOR(pg_catalog.%s) $2%s',
                              format('operator %s %s %s', f.l, f.op, f.r), f.cast_l, f.op, f.cast_r));
        EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%s)',
                       f.op, f.l, f.r, 'op_' || f.fname || '_' || left(f.l, 3) || '_' || left(f.r, 3));
    END LOOP;
    FOR f IN SELECT * FROM (VALUES ('date', 'bigint', '+', 'date', '$1 OPERATOR(pg_catalog.+) $2::integer', 'date_pl'),
                                   ('text', 'integer', '||', 'text', '$1 OPERATOR(pg_catalog.||) $2::text', 'cat_ti'),
                                   ('text', 'bigint', '||', 'text', '$1 OPERATOR(pg_catalog.||) $2::text', 'cat_tb'),
                                   ('text', 'numeric', '||', 'text', '$1 OPERATOR(pg_catalog.||) $2::text', 'cat_tn'),
                                   ('text', 'date', '||', 'text', '$1 OPERATOR(pg_catalog.||) $2::text', 'cat_td'),
                                   ('integer', 'text', '||', 'text', '$1::text OPERATOR(pg_catalog.||) $2', 'cat_it'),
                                   ('bigint', 'text', '||', 'text', '$1::text OPERATOR(pg_catalog.||) $2', 'cat_bt'))
                            AS t(l, r, op, result, body, fname)
    LOOP
        EXECUTE format('CREATE FUNCTION evil.%s(%s, %s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                       'op_' || f.fname, f.l, f.r, f.result,
                       format('SELECT evil.record(%L, 1); SELECT %s', format('operator %s %s %s', f.l, f.op, f.r), f.body));
        EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%s)',
                       f.op, f.l, f.r, 'op_' || f.fname);
    END LOOP;
END $gen$;

-- aggregates that win over pg_catalog's polymorphic / "any" ones for bigint
CREATE FUNCTION evil.agg_final_array_agg(bigint[]) RETURNS bigint[] LANGUAGE sql SET search_path = pg_catalog
    AS $$SELECT evil.record('aggregate array_agg(bigint)', 1); SELECT $1$$;
CREATE AGGREGATE evil.array_agg(bigint) (SFUNC = pg_catalog.array_append, STYPE = bigint[],
                                         FINALFUNC = evil.agg_final_array_agg);
CREATE FUNCTION evil.agg_final_count(bigint[]) RETURNS bigint LANGUAGE sql SET search_path = pg_catalog
    AS $$SELECT evil.record('aggregate count(bigint)', 1); SELECT count(*) FROM unnest($1) v WHERE v IS NOT NULL$$;
CREATE AGGREGATE evil.count(bigint) (SFUNC = pg_catalog.array_append, STYPE = bigint[],
                                     FINALFUNC = evil.agg_final_count, INITCOND = '{}');
SQL

my $hits_sql =
  "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM evil.hits";

# the shadows work (and are found first) where the path makes them visible
is( $node->safe_psql('hostile', "$hostile_path SELECT format('%s', 'x'::text)"),
	'x', 'a built-in shadow answers like the real one');
is($node->safe_psql('hostile', $hits_sql),
	'1', '... and records its call (positive control, built-ins)');
$node->safe_psql('hostile',
	"TRUNCATE evil.calls; SELECT setval('evil.hits', 1, false)");

# ---------------------------------------------------------------------------
# CREATE EXTENSION with the hostile path
# ---------------------------------------------------------------------------

my ($rc, $out, $err) = $node->psql('hostile',
	"$hostile_path\nCREATE EXTENSION reseller_billing;");
is($rc, 0, 'CREATE EXTENSION succeeds with evil first on the search_path')
  or diag($err);
is($node->safe_psql('hostile', $hits_sql),
	'0', 'CREATE EXTENSION called no hostile object')
  or diag($node->safe_psql('hostile',
	"SELECT string_agg(what || ' <- ' || caller, E'\\n') FROM evil.calls"));

# Every SQL and PL/pgSQL function pins its search_path, pg_catalog first and
# pg_temp last (procedures cannot, as they COMMIT: they schema-qualify every
# name, which the workload below checks by running them).
is( $node->safe_psql('hostile', <<'SQL'),
SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid), '')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'reseller_billing'::regnamespace
   AND p.prokind = 'f' AND l.lanname IN ('sql', 'plpgsql')
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, reseller_billing, pg_temp'], false)
SQL
	'', 'every SQL and PL/pgSQL function has SET search_path = pg_catalog, reseller_billing, pg_temp');

# ---------------------------------------------------------------------------
# Shadows of the extension's own objects, generated from the catalog
# ---------------------------------------------------------------------------

$node->safe_psql('hostile', <<'SQL');
SET search_path = pg_catalog;
DO $gen$
DECLARE
    f       record;
    callv   text;
    what    text;
    n       int := 0;
BEGIN
    -- functions and procedures (not those taking or returning pseudo-types,
    -- like type I/O, support and trigger functions; void and record are fine)
    FOR f IN
        SELECT p.oid, p.proname, p.prokind, p.pronargs, p.provariadic, p.proretset,
               p.prorettype = 'void'::regtype AS is_void
          FROM pg_proc p
         WHERE p.pronamespace = 'reseller_billing'::regnamespace
           AND p.prokind IN ('f', 'p')
           AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) a JOIN pg_type t ON t.oid = a
                            WHERE t.typtype = 'p')
           AND (p.prokind = 'p'
                OR p.prorettype IN ('void'::regtype, 'record'::regtype)
                OR (SELECT t.typtype FROM pg_type t WHERE t.oid = p.prorettype) <> 'p')
         ORDER BY p.oid
    LOOP
        what := format('function %s', f.oid::regprocedure);
        SELECT string_agg(CASE WHEN f.provariadic <> 0 AND i = f.pronargs THEN 'VARIADIC ' ELSE '' END || '$' || i,
                          ', ' ORDER BY i)
          INTO callv FROM generate_series(1, f.pronargs) i;
        callv := format('reseller_billing.%I(%s)', f.proname, coalesce(callv, ''));
        IF f.prokind = 'p' THEN
            EXECUTE format('CREATE PROCEDURE evil.%I(%s) LANGUAGE plpgsql SET search_path = pg_catalog AS %L',
                           f.proname, pg_get_function_arguments(f.oid),
                           format('BEGIN PERFORM evil.record(%L, 1); END', what));
        ELSE
            EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                           f.proname, pg_get_function_arguments(f.oid), pg_get_function_result(f.oid),
                           format('SELECT evil.record(%L, 1); %s', what,
                                  CASE WHEN f.is_void THEN 'SELECT ' || callv
                                       ELSE 'SELECT * FROM ' || callv END));
        END IF;
        n := n + 1;
    END LOOP;
    RAISE NOTICE 'functions shadowed: %', n;

    -- aggregates: collect the values, then the real aggregate over them
    FOR f IN
        SELECT p.oid, p.proname, p.proargtypes[0]::regtype AS argt, p.prorettype::regtype AS rett
          FROM pg_proc p
         WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.prokind = 'a' AND p.pronargs = 1
    LOOP
        what := format('aggregate %s', f.oid::regprocedure);
        EXECUTE format('CREATE FUNCTION evil.%I(%s[]) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                       'agg_final_' || f.oid, f.argt, f.rett,
                       format('SELECT evil.record(%L, 1); SELECT reseller_billing.%I(v) FROM unnest($1) v',
                              what, f.proname));
        EXECUTE format('CREATE AGGREGATE evil.%I(%s) (SFUNC = pg_catalog.array_append, STYPE = %s[], '
                       'FINALFUNC = evil.%I, INITCOND = ''{}'')',
                       f.proname, f.argt, f.argt, 'agg_final_' || f.oid);
    END LOOP;

    -- operators
    FOR f IN
        SELECT o.oid, o.oprname, o.oprleft::regtype AS l, o.oprright::regtype AS r, o.oprresult::regtype AS res,
               o.oprleft = 0 AS prefix
          FROM pg_operator o
         WHERE o.oprnamespace = 'reseller_billing'::regnamespace
    LOOP
        what := format('operator %s', f.oid::regoperator);
        IF f.prefix THEN
            EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                           'op_' || f.oid, f.r, f.res,
                           format('SELECT evil.record(%L, 1); SELECT OPERATOR(reseller_billing.%s) $1', what, f.oprname));
            EXECUTE format('CREATE OPERATOR evil.%s (RIGHTARG = %s, FUNCTION = evil.%I)', f.oprname, f.r, 'op_' || f.oid);
        ELSE
            EXECUTE format('CREATE FUNCTION evil.%I(%s, %s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog AS %L',
                           'op_' || f.oid, f.l, f.r, f.res,
                           format('SELECT evil.record(%L, 1); SELECT $1 OPERATOR(reseller_billing.%s) $2', what, f.oprname));
            EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%I)',
                           f.oprname, f.l, f.r, 'op_' || f.oid);
        END IF;
    END LOOP;

    -- types: a domain of the same name over the real type
    FOR f IN
        SELECT t.typname FROM pg_type t
         WHERE t.typnamespace = 'reseller_billing'::regnamespace AND t.typtype IN ('b', 'e', 'd', 'r') AND t.typcategory <> 'A'
    LOOP
        EXECUTE format('CREATE DOMAIN evil.%I AS reseller_billing.%I CHECK (evil.record(%L, 0))',
                       f.typname, f.typname, 'type ' || f.typname);
    END LOOP;

    -- tables and views: an updatable view of the same name over the real one
    FOR f IN
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v', 'p')
    LOOP
        EXECUTE format('CREATE VIEW evil.%I AS SELECT * FROM reseller_billing.%I WHERE evil.record(%L, 0) '
                       'WITH LOCAL CHECK OPTION', f.relname, f.relname, 'relation ' || f.relname);
    END LOOP;
END $gen$;
SQL

my $shadows = $node->safe_psql('hostile', <<'SQL');
SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'evil'::regnamespace AND prokind IN ('f', 'p'))
       || '|' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'evil'::regnamespace AND prokind = 'a')
       || '|' || (SELECT count(*) FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace)
       || '|' || (SELECT count(*) FROM pg_type WHERE typnamespace = 'evil'::regnamespace AND typtype = 'd')
       || '|' || (SELECT count(*) FROM pg_class WHERE relnamespace = 'evil'::regnamespace AND relkind = 'v')
SQL
my ($nfun, $nagg, $nop, $ndom, $nview) = split /\|/, $shadows;
note("hostile objects: $nfun functions/procedures, $nagg aggregates, $nop operators, $ndom domains, $nview views");
cmp_ok($nfun, '>', 100, 'the extension\'s functions are shadowed');
cmp_ok($nop, '>', 20, 'the extension\'s operators are shadowed');
cmp_ok($nagg, '>=', 6, 'the extension\'s aggregates are shadowed');
cmp_ok($ndom, '>=', 3, 'the extension\'s types are shadowed');
cmp_ok($nview, '>=', 20, 'the extension\'s tables and views are shadowed');

# ---------------------------------------------------------------------------
# The workload, with the hostile path
# ---------------------------------------------------------------------------

open(my $fh, '<', $fixture) or die "cannot read $fixture: $!";
my $workload = do { local $/; <$fh> };
close $fh;

($rc, $out, $err) = $node->psql('hostile', "$hostile_path\n$workload",
	on_error_stop => 1);
is($rc, 0, 'the workload (test/fuzz/fixture.sql) runs with evil first on the path')
  or diag($err);

# the rest of the API on the fixture's data, each call on its own (a rule
# refusing one of them does not stop the others; what matters is what runs)
my @api = (
	q{SELECT reseller_billing.partner_price(s.sku_id, s.plan, s.reseller_id, '2012-03-01') FROM reseller_billing.subscription s WHERE s.subscription_id = 1},
	q{SELECT reseller_billing.suspend(s.reseller_id, s.subscription_id, 'unpaid', '2012-04-10 10:00+00') FROM reseller_billing.subscription s WHERE s.plan::text = 'annual_monthly' ORDER BY s.subscription_id LIMIT 1},
	q{SELECT reseller_billing.reactivate(s.reseller_id, s.subscription_id, '2012-04-11 10:00+00') FROM reseller_billing.subscription s WHERE s.status = 'suspended' ORDER BY s.subscription_id LIMIT 1},
	q{SELECT reseller_billing.set_renewal(s.reseller_id, s.subscription_id, 'switch_to_flex', '2012-04-12 10:00+00') FROM reseller_billing.subscription s WHERE s.plan::text = 'annual_monthly' ORDER BY s.subscription_id LIMIT 1},
	q{SELECT reseller_billing.end_seats(s.reseller_id, s.subscription_id, '2012-04-13 10:00+00') FROM reseller_billing.subscription s WHERE s.plan::text = 'flexible' ORDER BY s.subscription_id LIMIT 1},
	q{SELECT reseller_billing.cancel_subscription(s.reseller_id, s.subscription_id, '2012-04-14 10:00+00') FROM reseller_billing.subscription s WHERE s.plan::text = 'flexible' ORDER BY s.subscription_id DESC LIMIT 1},
	q{SELECT reseller_billing.terminate_early(s.reseller_id, s.subscription_id, '2012-04-15 10:00+00', 'customer closed') FROM reseller_billing.subscription s WHERE s.plan::text = 'annual_monthly' ORDER BY s.subscription_id DESC LIMIT 1},
	q{SELECT reseller_billing.issue_credit_note(i.invoice_id, reseller_billing.amount(1, i.currency), 'goodwill') FROM reseller_billing.invoice i WHERE i.status = 'issued' ORDER BY i.invoice_id LIMIT 1},
	q{SELECT reseller_billing.migrate_to_postpaid(r.reseller_id, '2012-04-20 10:00+00') FROM reseller_billing.reseller r WHERE r.billing_model = 'prepaid' ORDER BY r.reseller_id LIMIT 1},
	q{SELECT pg_catalog.count(*) FROM reseller_billing.migration_credit_statement},
	q{CALL reseller_billing.close_period_batched('2012-05', NULL, 2, '2012-06-02 00:05+00')},
	q{SELECT reseller_billing.schedule_month_end()},
);
my $api_ok = 0;
for my $q (@api)
{
	my ($r, $o, $e) = $node->psql('hostile', "$hostile_path\n$q");
	if ($r == 0) { $api_ok++ }
	else { note("refused (fine, it is the capture that counts): $q\n$e") }
}
cmp_ok($api_ok, '>=', 8, "the other API calls ran ($api_ok of " . scalar(@api) . ')');

# the workload did its work
is( $node->safe_psql('hostile',
		q{SELECT count(DISTINCT period) >= 4 AND count(*) >= 30 FROM reseller_billing.invoice}),
	't', 'the closes wrote invoices for January to April');

# ---------------------------------------------------------------------------
# The verdict: no hostile object was called
# ---------------------------------------------------------------------------

my $hits = $node->safe_psql('hostile', $hits_sql);
my @captures = grep { $_ ne '' } split /\n/, $node->safe_psql('hostile', <<'SQL');
SELECT what || ' <- ' || caller || E'\t' || count(*)
  FROM evil.calls GROUP BY what, caller ORDER BY what, caller
SQL
my (@known, @unknown);
for my $c (@captures)
{
	my ($key) = split /\t/, $c;
	if (exists $KNOWN_CAPTURES{$key}) { push @known, $c }
	else { push @unknown, $c }
}
is(scalar(@unknown), 0, 'the workload called no hostile object (outside the known captures)')
  or diag("hostile calls (object <- caller, count):\n" . join("\n", @unknown));
# a call in a statement that failed leaves no evil.calls row, but counts in
# the sequence
if (@captures)
{
	note("evil.hits = $hits (captures listed above)");
}
else
{
	is($hits, 0, 'no hostile call at all, rolled-back ones included (evil.hits)');
}

TODO:
{
	local $TODO = 'search_path captures in the extension\'s SQL, reported for the lead to fix';
	for my $key (sort keys %KNOWN_CAPTURES)
	{
		my @seen = grep { (split /\t/)[0] eq $key } @known;
		is(scalar(@seen), 0, "no capture: $key ($KNOWN_CAPTURES{$key})");
	}
}

# ---------------------------------------------------------------------------
# Positive control, after the verdict (the relations have rows now): a
# function of the test's own without a pinned search_path is captured by
# each kind of hostile object (function, operator, type, relation,
# aggregate), so the shadows were live all along.
# ---------------------------------------------------------------------------

$node->safe_psql('hostile', <<'SQL');
CREATE FUNCTION public.unpinned(a reseller_billing.amount) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v numeric;
BEGIN
    v := value(a);
    RETURN (a + a)::text || (SELECT count(*) FROM program)::text || 'USD 1.00'::amount::text
        || coalesce(sum(a)::text, '') ;
END $$;
SQL
($rc, $out, $err) = $node->psql('hostile',
	"$hostile_path SELECT public.unpinned('USD 1.00'::reseller_billing.amount)");
my $control = $node->safe_psql('hostile',
	"SELECT string_agg(DISTINCT split_part(what, ' ', 1), ',' ORDER BY split_part(what, ' ', 1)) FROM evil.calls WHERE caller LIKE '%unpinned%'");
is($control, 'aggregate,function,operator,relation,type',
	'positive control: an unpinned function is captured by each kind of hostile object')
  or diag("rc=$rc\n$err");


$node->stop;
done_testing();

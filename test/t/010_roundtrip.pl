# test/t/010_roundtrip.pl
#
# Round trips of the extension's types through everything that serialises
# them, on a node of its own:
#   a. text:    x::text::type = x for 20,000 random amounts (USD, JPY, KWD,
#               EUR, CLF with 4 minor digits, XAU with none, values over the
#               whole range including ±9223372036854.775807 and 6-digit
#               fractions), billing periods (years 0001-9999, anchors 1-31)
#               and plan kinds;
#   b. binary:  COPY ... TO a file (FORMAT binary) in the node's basedir and
#               COPY ... FROM it into a second table: the same rows;
#   c. dump:    pg_dump -Fc of a database with a table of the three types,
#               a btree index on the amount and a hash index on the period,
#               pg_restore into a fresh database: the same rows, and indexes
#               that are valid (amcheck) and return what a scan returns.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $basedir = $node->basedir;
# the test's own tables go to public; the types, functions and operators are
# found in reseller_billing
my $rb = 'SET search_path = public, reseller_billing;';

$node->safe_psql('postgres', 'CREATE DATABASE rt');
$node->safe_psql('rt', 'CREATE EXTENSION reseller_billing');

# ---------------------------------------------------------------------------
# The values: 20,000 random rows (seeded), then the extremes of every currency
# ---------------------------------------------------------------------------

$node->safe_psql('rt', <<"SQL");
$rb
SELECT setseed(0.42);
CREATE TABLE vals (id int PRIMARY KEY, a amount, p billing_period, k plan_kind);
DO \$\$
DECLARE
	codes text[] := ARRAY['USD', 'JPY', 'KWD', 'EUR', 'CLF', 'XAU'];
	kinds text[] := ARRAY['annual_monthly', 'annual_prepaid', 'flexible', 'trial'];
	maxm numeric := 9223372036854775807;	-- the largest value, in millionths
	big numeric;
	m numeric;
	r float8;
BEGIN
	FOR i IN 1..20000 LOOP
		-- a uniformly random 20-digit integer, at full precision
		big := floor(random() * 1e10)::numeric * 10000000000 + floor(random() * 1e10)::numeric;
		r := random();
		IF r < 0.04 THEN
			m := maxm;
		ELSIF r < 0.06 THEN
			m := 0;
		ELSIF r < 0.12 THEN
			m := maxm - mod(big, 1000000000);
		ELSIF r < 0.40 THEN
			m := mod(big, maxm + 1);
		ELSIF r < 0.60 THEN
			-- whole minor units of a 2-digit currency
			m := mod(big, 922337203685478) * 10000;
		ELSE
			-- 1 to 19 digits of millionths: 6-digit fractions of every size
			m := mod(big, ('1' || repeat('0', 1 + floor(random() * 19)::int))::numeric);
			m := least(m, maxm);
		END IF;
		IF random() < 0.5 THEN
			m := -m;
		END IF;
		INSERT INTO vals VALUES (
			i,
			CASE WHEN random() < 0.01 THEN NULL
			     ELSE amount(m * 0.000001, codes[1 + floor(random() * 6)::int]) END,
			format('%s-%s\@%s', lpad((1 + floor(random() * 9999))::int::text, 4, '0'),
			       lpad((1 + floor(random() * 12))::int::text, 2, '0'),
			       1 + floor(random() * 31)::int)::billing_period,
			kinds[1 + floor(random() * 4)::int]::plan_kind);
	END LOOP;
END \$\$;
-- the extremes, in every currency, with the first and last periods
INSERT INTO vals
SELECT 20000 + row_number() OVER (), amount(v, c), p::billing_period, k::plan_kind
FROM unnest(ARRAY['USD', 'JPY', 'KWD', 'EUR', 'CLF', 'XAU']) c,
     unnest(ARRAY[9223372036854.775807, -9223372036854.775807, 9223372036854.775806, 0.000001,
                  -0.000001, 0, 0.5, -0.05, 0.005, 0.0005]) v,
     unnest(ARRAY['0001-01', '0001-01\@31', '9999-12', '9999-12\@31', '2024-02\@29']) p,
     unnest(ARRAY['annual_monthly', 'trial']) k;
SQL

my $nrows = $node->safe_psql('rt', 'SELECT count(*) FROM vals');
cmp_ok($nrows, '>=', 20000, "$nrows rows of amount, billing_period and plan_kind generated");

is( $node->safe_psql(
		'rt', qq{$rb
		SELECT count(DISTINCT (currency(a), sign(value(a)))) FROM vals
		WHERE abs(value(a)) = 9223372036854.775807}),
	'12',
	'the extremes +9223372036854.775807 and -9223372036854.775807 are there in all 6 currencies');

# ---------------------------------------------------------------------------
# a. text round trip
# ---------------------------------------------------------------------------

# mismatches of one column, and the first few of them for the log
sub text_mismatches
{
	my ($db, $type, $col, $extra) = @_;
	my $where = qq{($col)::text::$type IS DISTINCT FROM $col $extra};
	my $n = $node->safe_psql($db, "$rb SELECT count(*) FROM vals WHERE $where");
	if ($n ne '0')
	{
		diag $node->safe_psql($db,
			"$rb SELECT id, $col, ($col)::text::$type FROM vals WHERE $where ORDER BY id LIMIT 5");
	}
	return $n;
}

is(text_mismatches('rt', 'amount', 'a',
		q{OR value((a)::text::amount) IS DISTINCT FROM value(a)
		  OR currency((a)::text::amount) IS DISTINCT FROM currency(a)
		  OR a::text::amount::text IS DISTINCT FROM a::text}),
	'0', "text round trip: a::text::amount = a (same currency, same value, same text) for all $nrows rows");

is(text_mismatches('rt', 'billing_period', 'p',
		q{OR period_start(p::text::billing_period) IS DISTINCT FROM period_start(p)
		  OR period_end(p::text::billing_period) IS DISTINCT FROM period_end(p)
		  OR anchor(p::text::billing_period) IS DISTINCT FROM anchor(p)}),
	'0', "text round trip: p::text::billing_period = p for all $nrows rows");

is(text_mismatches('rt', 'plan_kind', 'k', ''),
	'0', "text round trip: k::text::plan_kind = k for all $nrows rows");

# ---------------------------------------------------------------------------
# b. binary round trip through a file (server-side COPY, as superuser)
# ---------------------------------------------------------------------------

my $binfile = "$basedir/vals.copy.bin";
my ($ret, $out, $err) = $node->psql('rt', "COPY vals TO '$binfile' (FORMAT binary)");
is($ret, 0, 'COPY vals TO a file (FORMAT binary)') or diag $err;
ok(-s $binfile, 'the binary COPY file is not empty');
$node->safe_psql('rt', 'CREATE TABLE vals_back (LIKE vals)');
($ret, $out, $err) = $node->psql('rt', "COPY vals_back FROM '$binfile' (FORMAT binary)");
is($ret, 0, 'COPY vals_back FROM the file (FORMAT binary): every value is accepted back') or diag $err;

is($node->safe_psql('rt', 'SELECT count(*) FROM vals_back'), $nrows, "binary COPY: $nrows rows read back");

is( $node->safe_psql(
		'rt', qq{$rb
		SELECT (SELECT count(*) FROM (SELECT * FROM vals EXCEPT ALL SELECT * FROM vals_back) d) || ' ' ||
		       (SELECT count(*) FROM (SELECT * FROM vals_back EXCEPT ALL SELECT * FROM vals) d)}),
	'0 0',
	'binary COPY: vals EXCEPT ALL vals_back and vals_back EXCEPT ALL vals are both empty');

# the same rows at the same ids, compared as text as well (independent of
# the types' = operators)
is( $node->safe_psql(
		'rt', qq{$rb
		SELECT count(*) FROM vals v FULL JOIN vals_back b USING (id)
		WHERE (v.a::text, v.p::text, v.k::text) IS DISTINCT FROM (b.a::text, b.p::text, b.k::text)}),
	'0',
	'binary COPY: every row reads back with the same text at the same id');

# ---------------------------------------------------------------------------
# c. pg_dump -Fc and pg_restore into a fresh database
# ---------------------------------------------------------------------------

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION reseller_billing');
$node->safe_psql('src', <<"SQL");
$rb
SELECT setseed(0.24);
CREATE TABLE ledger (
	id      int PRIMARY KEY,
	charge  amount NOT NULL,
	period  billing_period NOT NULL,
	plan    plan_kind NOT NULL
);
INSERT INTO ledger
SELECT i,
       amount(round(((random() - 0.5) * 10 ^ floor(random() * 14))::numeric, 6),
              (ARRAY['USD', 'JPY', 'KWD', 'EUR', 'CLF', 'XAU'])[1 + floor(random() * 6)::int]),
       format('%s-%s\@%s', 2000 + floor(random() * 40)::int, lpad((1 + floor(random() * 12))::int::text, 2, '0'),
              (ARRAY[1, 1, 1, 15, 28, 29, 30, 31])[1 + floor(random() * 8)::int])::billing_period,
       (ARRAY['annual_monthly', 'annual_prepaid', 'flexible', 'trial'])[1 + floor(random() * 4)::int]::plan_kind
FROM generate_series(1, 5000) i;
-- the extremes too
INSERT INTO ledger VALUES
	(5001, amount(9223372036854.775807, 'USD'), '9999-12\@31', 'trial'),
	(5002, amount(-9223372036854.775807, 'USD'), '0001-01', 'annual_monthly'),
	(5003, amount(9223372036854.775807, 'XAU'), '0001-01\@31', 'flexible'),
	(5004, amount(-0.000001, 'JPY'), '2024-02\@29', 'annual_prepaid');
CREATE INDEX ledger_charge_btree ON ledger USING btree (charge);
CREATE INDEX ledger_period_hash ON ledger USING hash (period);
CREATE INDEX ledger_plan_btree ON ledger USING btree (plan, period);
SQL

my $dump = "$basedir/src.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'src' ], 'pg_dump -Fc of the database');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
{
	local $ENV{PGOPTIONS} = '-c reseller_billing.restore=on';
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'dst', $dump ],
		'pg_restore into a fresh database');
}

my $src_count = $node->safe_psql('src', 'SELECT count(*) FROM ledger');
is($node->safe_psql('dst', 'SELECT count(*) FROM ledger'),
	$src_count, "restored table has the same $src_count rows");

# The two tables are in different databases: the restored rows come over as
# a text COPY file into the source database, and are compared there
my $restored = "$basedir/ledger.restored.copy";
$node->safe_psql('dst', "COPY ledger TO '$restored'");
$node->safe_psql('src', 'CREATE TABLE ledger_restored (LIKE ledger)');
($ret, $out, $err) = $node->psql('src', "COPY ledger_restored FROM '$restored'");
is($ret, 0, 'the restored rows load back into the source database') or diag $err;
is( $node->safe_psql(
		'src', qq{$rb
		SELECT (SELECT count(*) FROM (SELECT * FROM ledger EXCEPT ALL SELECT * FROM ledger_restored) d) || ' ' ||
		       (SELECT count(*) FROM (SELECT * FROM ledger_restored EXCEPT ALL SELECT * FROM ledger) d)}),
	'0 0',
	'restored rows: ledger EXCEPT ALL restored and restored EXCEPT ALL ledger are both empty');

# and the same text, row by row, straight from both databases
my $digest = "$rb SELECT md5(string_agg(l::text, E'\\n' ORDER BY id)) FROM ledger l";
is($node->safe_psql('dst', $digest), $node->safe_psql('src', $digest),
	'restored rows print exactly as the original rows (md5 of the ordered text)');

is( $node->safe_psql(
		'dst', q{SELECT string_agg(c.relname || ':' || i.indisvalid || '/' || i.indisready, ' ' ORDER BY c.relname)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'public.ledger'::regclass}),
	'ledger_charge_btree:true/true ledger_period_hash:true/true ledger_pkey:true/true ledger_plan_btree:true/true',
	'restored indexes exist and are valid and ready');

is( $node->safe_psql(
		'dst',
		q{SELECT extversion = reseller_billing.library_version() FROM pg_extension WHERE extname = 'reseller_billing'}),
	't', 'restored database has the extension at the library version');

# amcheck on the btree indexes: structure, order by the opclass, and every
# heap tuple present (heapallindexed)
$node->safe_psql('dst', 'CREATE EXTENSION amcheck');
foreach my $idx (qw(ledger_charge_btree ledger_plan_btree))
{
	($ret, $out, $err) =
	  $node->psql('dst', "SELECT bt_index_check('$idx', true), bt_index_parent_check('$idx', true)");
	is($ret, 0, "amcheck: bt_index_check and bt_index_parent_check of restored $idx pass")
	  or diag $err;
}

# amcheck has no hash support: the hash index must find, for every period,
# exactly the rows a sequential scan finds
$node->safe_psql('dst', q{CREATE TABLE period_counts AS
	SELECT period, count(*) AS n FROM public.ledger GROUP BY period});
$node->safe_psql('dst', q{CREATE TABLE charge_counts AS
	SELECT charge, count(*) AS n FROM public.ledger GROUP BY charge});
my $hash_probe = q{SET search_path = public, reseller_billing;
	SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;};
like(
	$node->safe_psql('dst',
		"$hash_probe EXPLAIN (COSTS OFF) SELECT count(*) FROM ledger WHERE period = '2012-06'"),
	qr/Index Scan using ledger_period_hash/,
	'a period lookup uses the restored hash index');
like(
	$node->safe_psql('dst',
		"$hash_probe EXPLAIN (COSTS OFF) SELECT count(*) FROM ledger WHERE charge = 'USD 1.00'"),
	qr/Index (Only )?Scan using ledger_charge_btree/,
	'an amount lookup uses the restored btree index');
is( $node->safe_psql(
		'dst', qq{$hash_probe
		SELECT count(*) FROM public.period_counts c
		WHERE c.n <> (SELECT count(*) FROM ledger l WHERE l.period = c.period)}),
	'0',
	'the restored hash index finds every row of every period');

# and the btree index, by lookups of every amount
is( $node->safe_psql(
		'dst', qq{$hash_probe
		SELECT count(*) FROM public.charge_counts c
		WHERE c.n <> (SELECT count(*) FROM ledger l WHERE l.charge = c.charge)}),
	'0',
	'the restored btree index finds every amount');

$node->stop;

done_testing();

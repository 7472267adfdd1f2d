# test/t/070_upgrade.pl
#
# A billing database outlives versions of the extension (issue 7 §4).
#
#   1. The first released version, 0.1.0 (tag v0.1.0; test/release/frozen.sh
#      checks that the tree still builds its script), is created and filled with a
#      populated business (test/fuzz/fixture.sql: three programs, twelve
#      resellers, every plan, January to April 2012 closed with payments,
#      credits, a charge, a late change, a credit note and a void), plus a
#      GroupDocs order with its monthly statement.
#   2. ALTER EXTENSION reseller_billing UPDATE: the version is the control
#      file's, and the invoices, their lines, balances and statements read
#      exactly as before.
#   3. The upgraded schema is the fresh one: every function (signature,
#      body, security, settings, privileges), table, column, default,
#      constraint, index, trigger, policy, view and row-level security flag
#      of the extension is the same in the upgraded database as in a
#      database where the newest version was created directly.
#   4. The new version's behaviour works on the old data: the audit log
#      records a change with the acting role, a reseller role sees only its
#      rows, and May 2012 closes.
#   5. pg_dump -Fc of the upgraded database, pg_restore into a fresh one:
#      the same invoices, lines, balances and statements (and the restore
#      writes nothing to the audit log).
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this), from the repository.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my ($newest) = map { /^default_version\s*=\s*'([^']+)'/ ? $1 : () } split /\n/, slurp_file('reseller_billing.control');
my $first = '0.1.0';
isnt($newest, $first, "the control file's version ($newest) is newer than the first release");

# ---------------------------------------------------------------------------
# 1. the first release, populated
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION reseller_billing VERSION '$first'");
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'"), $first,
	"created at version $first");
my ($rc, $out, $err) = $node->psql('old', slurp_file('test/fuzz/fixture.sql'), on_error_stop => 1);
is($rc, 0, 'the fixture loads into the first release') or diag($err);
$node->safe_psql('old', q{
SET TimeZone = 'UTC';
INSERT INTO reseller_billing.program (code, name, currency, time_zone, settings)
VALUES ('up_gd', 'Upgrade GroupDocs', 'USD', 'UTC', '{"payment_methods": ["bank_transfer"], "prepaid_first_orders": 0}');
INSERT INTO reseller_billing.sku (program_id, code, name, family, unit)
SELECT program_id, 'up_words', 'Words', 'words', 'licence' FROM reseller_billing.program WHERE code = 'up_gd';
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from)
SELECT sku_id, 'annual_prepaid', 'USD 999.00', '2012-01-01' FROM reseller_billing.sku WHERE code = 'up_words';
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country, region)
SELECT 99001, program_id, 'Upgrade Docs', 'US', 'OR' FROM reseller_billing.program WHERE code = 'up_gd';
SELECT reseller_billing.place_order(99001, '{"name": "Acme", "email": "it@acme.example"}',
                                    '[{"sku": "up_words", "quantity": 2}]', '2012-03-05');
SELECT reseller_billing.monthly_statement(99001, '2012-04');
});

# what the business looks like, as text, per view (order-independent), in
# the columns the first release shows (a later version may append columns
# to a view or a table; what the first release showed must stay as it was)
my %views = (
	invoices        => 'reseller_billing.invoices',
	invoice_lines   => 'reseller_billing.invoice_lines',
	balances        => 'reseller_billing.reseller_balances',
	statements      => 'reseller_billing.order_statement_lines',
	orders          => 'reseller_billing.reseller_orders',
	subscriptions   => 'reseller_billing.subscription',
	credits         => 'reseller_billing.credit',);
my %columns = map {
	$_ => $node->safe_psql('old', "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
		  . "WHERE attrelid = '$views{$_}'::regclass AND attnum > 0 AND NOT attisdropped")
} keys %views;
sub business
{
	my ($db) = @_;
	my %d;
	for my $v (sort keys %views)
	{
		$d{$v} = $node->safe_psql($db, "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') FROM (SELECT $columns{$v} FROM $views{$v}) x");
	}
	return %d;
}
my %before = business('old');
cmp_ok((split / /, $before{invoice_lines})[0], '>', 100, "the first release holds a real business ($before{invoice_lines} invoice lines)");
cmp_ok((split / /, $before{statements})[0], '>', 0, 'and a monthly statement');

# ---------------------------------------------------------------------------
# 2. the upgrade
# ---------------------------------------------------------------------------
$node->safe_psql('old', 'ALTER EXTENSION reseller_billing UPDATE');
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'"), $newest,
	"ALTER EXTENSION UPDATE reaches $newest");
my %after = business('old');
is($after{$_}, $before{$_}, "after the upgrade: $_ unchanged") for sort keys %views;

# A database created at 0.2.0 from the script 0.2.0 released (tag v0.2.0;
# test/release/frozen.sh --install put it in place: the tree builds no full
# 0.2.0 script, PostgreSQL would chain 0.1.0 and its upgrade instead), with
# history: its audit rows get their clock time, which was the wall time
# while the rules read the wall clock.
my $released = ($ENV{RB_REPO} // '.') . '/.work/release/v0.2.0/reseller_billing--0.2.0.sql';
my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
ok(-f $released && slurp_file($released) eq (eval { slurp_file("$sharedir/extension/reseller_billing--0.2.0.sql") } // ''),
	'the full script of release v0.2.0 is the one installed (run test/release/frozen.sh --export .work/release --install)');
$node->safe_psql('postgres', 'CREATE DATABASE v020');
$node->safe_psql('v020', q{
CREATE EXTENSION reseller_billing VERSION '0.2.0';
INSERT INTO reseller_billing.program (code, name, currency, time_zone) VALUES ('v020', 'at 0.2.0', 'USD', 'UTC');
ALTER EXTENSION reseller_billing UPDATE;});
is($node->safe_psql('v020', 'SELECT count(*) || \' \' || bool_and(clock_at = logged_at) FROM reseller_billing.audit_log'),
	'1 true', 'after 0.2.0 -> 0.3.0 an audit row written before has clock_at = logged_at');

# A two-tier invoice issued at 0.2.0 gets its copy of both parties' names
# and addresses (issue 16: the names a two-tier document prints) from the
# upgrade, as the reseller rows hold them then.
$node->safe_psql('postgres', 'CREATE DATABASE v020_two_tier');
$node->safe_psql('v020_two_tier', q{
CREATE EXTENSION reseller_billing VERSION '0.2.0';
SET search_path = reseller_billing, public;
INSERT INTO program (program_id, code, name, currency, time_zone, reseller_discount, settings)
VALUES (99101, 'up_csp', 'Upgrade CSP', 'USD', 'UTC', 0, '{"csp": true}');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (99101, 99101, 'up_e3', 'E3', 'o365');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (99101, 'annual_monthly', 'USD 240.00', '2024-01-01');
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region) VALUES
    (99101, 99101, 'Upgrade Distribution', 'indirect_provider', 'US', 'PA'),
    (99102, 99101, 'Upgrade Reseller', 'indirect_reseller', 'US', 'OH');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (99101, 99101, 'annual_monthly', 'USD 264.00', '2025-01-01');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (99102, 99111, 'Upgrade Customer');
SELECT accept_invitation(99102, invite_reseller(99101, 99102));
SELECT accept_invitation(99102, invite_customer(99102, 99111));
SELECT place_subscription(99101, 99102, 99111, 99101, 10, 'annual_monthly', '2025-01-01 00:00+00');
SELECT close_period('2025-01', 99101);
ALTER EXTENSION reseller_billing UPDATE;});
is( $node->safe_psql('v020_two_tier', q{
SELECT string_agg(concat_ws(' | ', provider_name, provider_region, provider_country, reseller_name, reseller_region,
                            reseller_country), E'\n')
  FROM reseller_billing.channel_invoice}),
	'Upgrade Distribution | PA | US | Upgrade Reseller | OH | US',
	'after 0.2.0 -> 0.3.0 a two-tier invoice issued before names both parties');
like( $node->safe_psql('v020_two_tier', q{
SET reseller_billing.reseller_id = '99101'; SET ROLE reseller_billing_reseller;
SELECT reseller_billing.channel_invoice_document(channel_invoice_id) FROM reseller_billing.channel_invoice}),
	qr{<h2>Bill to \(indirect reseller\)</h2>\n<p><strong>Upgrade Reseller</strong>},
	'and its provider\'s rendering of it names the reseller');

# ---------------------------------------------------------------------------
# 3. the upgraded schemas are the fresh one: from release 0.1.0 through
#    0.2.0's upgrade, and from release 0.2.0's own script (the two 0.2.0s
#    differed: 0.1.0 was changed after its release)
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION reseller_billing');
my %catalog = (
	functions => q{
SELECT p.oid::regprocedure::text || ' ' || md5(p.prosrc || coalesce(pg_get_function_sqlbody(p.oid), '')) || ' ' || p.prosecdef || ' ' || p.provolatile::text || ' '
       || coalesce(p.proconfig::text, '') || ' ' || coalesce(p.proacl::text, '') || ' ' || pg_get_function_result(p.oid)
  FROM pg_proc p WHERE p.pronamespace = 'reseller_billing'::regnamespace},
	columns => q{
SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '
       || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attidentity::text || ' ' || coalesce(a.attacl::text, '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v')},
	relations => q{
SELECT c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity || ' '
       || coalesce(c.reloptions::text, '') || ' ' || coalesce(c.relacl::text, '')
       || CASE WHEN c.relkind = 'v' THEN ' ' || md5(pg_get_viewdef(c.oid)) ELSE '' END
  FROM pg_class c WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v', 'S')},
	constraints => q{
SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'reseller_billing'::regnamespace},
	indexes => q{
SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace},
	triggers => q{
SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND NOT t.tgisinternal},
	policies => q{
SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
  FROM pg_policies WHERE schemaname = 'reseller_billing'},
	members => q{
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE e.extname = 'reseller_billing' AND d.deptype = 'e'},
	config_dump => q{
SELECT x::regclass::text FROM pg_extension e, unnest(e.extconfig) x WHERE e.extname = 'reseller_billing'},);
for my $db ('old', 'v020')
{
for my $k (sort keys %catalog)
{
	my $q = "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ($catalog{$k}) AS t(x)";
	my $up = $node->safe_psql($db, $q);
	my $fr = $node->safe_psql('fresh', $q);
	my @u = split /\n/, $up;
	my %f = map { $_ => 1 } split /\n/, $fr;
	my %u = map { $_ => 1 } @u;
	my @missing = grep { !$u{$_} } sort keys %f;
	my @extra = grep { !$f{$_} } @u;
	ok(@missing == 0 && @extra == 0 && $up eq $fr, "upgraded from " . ($db eq 'old' ? '0.1.0' : '0.2.0') . " = fresh: $k (" . scalar(@u) . ')')
	  or diag("only in fresh:\n  " . join("\n  ", @missing[0 .. ($#missing < 5 ? $#missing : 5)])
		  . "\nonly in upgraded:\n  " . join("\n  ", @extra[0 .. ($#extra < 5 ? $#extra : 5)]));
}
}

# ---------------------------------------------------------------------------
# 4. the new version's behaviour on the old data
# ---------------------------------------------------------------------------
my $victim = $node->safe_psql('old', q{
SELECT s.reseller_id || ' ' || s.subscription_id FROM reseller_billing.subscription s
 WHERE s.plan OPERATOR(reseller_billing.=) 'flexible' AND s.status = 'active' AND s.active_seats < s.seat_cap ORDER BY 1 LIMIT 1});
my ($vr, $vs) = split / /, $victim;
$node->safe_psql('old', qq{
CREATE ROLE upgrade_app LOGIN IN ROLE reseller_billing_reseller;});
is( $node->safe_psql('old', qq{
SET ROLE upgrade_app;
SET reseller_billing.reseller_id = '$vr';
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
VALUES ($vr, $vs, 'after-upgrade', '2012-05-02 00:00+00');
SELECT count(*) FILTER (WHERE reseller_id <> $vr) || ' ' || count(*) FILTER (WHERE reseller_id = $vr)
  FROM reseller_billing.subscription;}),
	'0 ' . $node->safe_psql('old', "SELECT count(*) FROM reseller_billing.subscription WHERE reseller_id = $vr"),
	'a reseller application sees only its own subscriptions, and adds an account');
is( $node->safe_psql('old', q{
SELECT role_name || ' ' || table_name || ' ' || operation FROM reseller_billing.audit_log
 WHERE new_row ->> 'user_name' = 'after-upgrade'}),
	'upgrade_app seat INSERT', 'the audit log records the change with the acting role');
my $may = $node->safe_psql('old', q{
SET client_min_messages = warning;
SELECT sum(reseller_billing.close_period('2012-05', p.program_id)) FROM reseller_billing.program p
 WHERE p.code LIKE 'fx\_%'});
cmp_ok($may, '>', 0, "May 2012 closes on the upgraded database ($may invoices)");
my %closed = business('old');

# the billing clock (0.3.0) is dumped with the data: frozen here at the
# latest change recorded, it is frozen there at the same moment
my $frozen = $node->safe_psql('old', q{
SELECT reseller_billing.freeze_clock((SELECT max(clock_at) FROM reseller_billing.audit_log))});
is($node->safe_psql('old', 'SELECT reseller_billing.clock_now()'), $frozen, 'the upgraded database\'s clock freezes');

# ---------------------------------------------------------------------------
# 5. dump and restore of the upgraded database
# ---------------------------------------------------------------------------
my $dump = $node->basedir . '/old.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'old' ], 'pg_dump -Fc of the upgraded database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
{
	local $ENV{PGOPTIONS} = '-c reseller_billing.restore=on';
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'restored', $dump ], 'pg_restore into a fresh database');
}
is($node->safe_psql('restored', "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'"), $newest,
	"the restored extension is $newest");
my %restored = business('restored');
is($restored{$_}, $closed{$_}, "after the restore: $_ identical") for sort keys %views;
is( $node->safe_psql('restored', 'SELECT count(*) FROM reseller_billing.audit_log'),
	$node->safe_psql('old', 'SELECT count(*) FROM reseller_billing.audit_log'),
	'the audit log is restored as it was (the restore itself logs nothing)');
is($node->safe_psql('restored', 'SELECT reseller_billing.clock_now() || \' \' || frozen || \' \' || moves FROM reseller_billing.clock_status'),
	"$frozen true 1", 'the billing clock is restored frozen, with its history of moves');

$node->stop;
done_testing();

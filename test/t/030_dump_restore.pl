# test/t/030_dump_restore.pl
#
# The tables users fill survive pg_dump -Fc / pg_restore whole, and the
# rules hold afterwards (issue 3 §1: "ordinary tables ... kept by pg_dump").
#
#   1. A database with programs, SKUs, dated prices, resellers, customers and
#      subscriptions of every plan and every status -- Annual (monthly and
#      prepaid) active, renewed, suspended, terminated early, switched to Flex
#      and cancelled at renewal; Flex active, full, suspended and cancelled;
#      trials running, suspended at their end and converted -- with accounts
#      active and ended, their history, and charges.
#   2. pg_dump -Fc, pg_restore into a fresh database, the documented way:
#      PGOPTIONS='-c reseller_billing.restore=on', a superuser.  While the
#      dump is replayed the triggers keep the rows as they are
#      (reseller_billing.restoring()): nothing is recomputed, recounted or
#      re-recorded.  Without the setting the rules hold even though
#      pg_restore turns check_function_bodies off: the triggers run on the
#      replayed rows (the first, the audit log's, collides with the restored
#      log) and the restore fails (0.2.0 took that setting for a restore).
#   3. Every table of the extension that pg_dump keeps (the extconfig list,
#      so tables added by later issues are covered too) holds the same rows
#      in both databases: the rows of each, as text, EXCEPT ALL the other's,
#      both ways, is empty; every identity sequence is where it was.
#   4. After the restore: every counter still equals the real count of
#      active accounts, and the rules work: a full Flex subscription refuses
#      an account (23514), one with room takes it and counts it, an Annual
#      commitment refuses a cancellation before its renewal date (55000),
#      a new subscription gets a fresh id and its history row.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->start;

my $rb = "SET search_path = reseller_billing, public; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';";

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION reseller_billing');

# ---------------------------------------------------------------------------
# 1. the source database
# ---------------------------------------------------------------------------

# Subscriptions whose terms started in 2012 are inserted with their effect
# dated to that start (reseller_billing.effective_at, the setting the API's
# p_at uses), so that their later changes, dated in 2012-2013 too, come
# after their creation.  Running trials and the commitment still to come
# start in 2090 (accounts are refused on a trial that has ended by the real
# clock).
$node->safe_psql('src', $rb . <<'SQL');
INSERT INTO program (program_id, code, name, currency, reseller_discount, trial_days, trial_seat_cap) VALUES
    (1, 'google', 'Google Apps', 'USD', 0.20, 30, 5);
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, settings) VALUES
    (2, 'groupdocs', 'GroupDocs', 'USD', 0.10, 'America/Los_Angeles', '{"bank_transfer_only": true}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES
    (1, 1, 'apps', 'Google Apps for Business', 'apps', 'seat'),
    (2, 1, 'vault', 'Google Apps Vault', 'apps', 'seat'),
    (3, 2, 'viewer', 'GroupDocs.Viewer', 'groupdocs', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES
    (1, 'annual_monthly', 'USD 50', '2012-01-01', '2013-01-01'),
    (1, 'annual_monthly', 'USD 55', '2013-01-01', NULL),
    (1, 'annual_prepaid', 'USD 45', '2012-01-01', NULL),
    (1, 'flexible',       'USD 60', '2012-01-01', NULL),
    (2, 'flexible',       'USD 30', '2012-01-01', NULL),
    (3, 'annual_prepaid', 'USD 599.99', '2012-01-01', NULL);
INSERT INTO reseller (reseller_id, program_id, name, tier, business_type, billing_model, country, region) VALUES
    (1, 1, 'Cloud Retail Inc', 'direct', 'retail', 'prepaid', 'US', 'CA'),
    (2, 1, 'Build-It Consulting', 'indirect_reseller', 'consulting', 'prepaid', 'GB', NULL),
    (3, 2, 'Docs Distributor', 'indirect_provider', 'retail', 'prepaid', 'DE', NULL);
INSERT INTO customer (reseller_id, customer_id, name, primary_domain, kind) VALUES
    (1, 1, 'Acme', 'acme.example', 'online'),
    (1, 2, 'Offline Co', 'offline.example', 'offline'),
    (2, 3, 'Acme', 'acme.example', 'online'),
    (3, 4, 'Lone Star Title', 'lonestar.example', 'online');

SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (1, 1, 1, 1, 'annual_monthly', 10, '2012-01-01'),     -- renewed
    (1, 2, 1, 1, 'annual_prepaid', 5, '2012-06-01'),      -- active
    (1, 3, 2, 1, 'annual_monthly', 8, '2012-01-01'),      -- terminated early
    (1, 4, 2, 1, 'annual_monthly', 4, '2012-02-01'),      -- suspended
    (1, 11, 1, 1, 'annual_monthly', 3, '2012-01-01'),     -- switched to Flex at renewal
    (1, 12, 1, 1, 'annual_monthly', 2, '2012-01-01');     -- cancelled at renewal
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start) VALUES
    (1, 5, 1, 1, 'flexible', 3, '2012-01-01'),            -- full
    (1, 6, 2, 2, 'flexible', 10, '2012-01-01'),           -- suspended
    (1, 7, 2, 1, 'flexible', 5, '2012-01-01'),            -- cancelled
    (2, 13, 3, 1, 'flexible', 5, '2012-01-01');           -- consulting: list price
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start) VALUES
    (1, 9, 1, 1, 'trial', '2012-01-01'),                  -- ends unconverted
    (1, 10, 1, 1, 'trial', '2012-01-01');                 -- converted to Flex
RESET reseller_billing.effective_at;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start) VALUES
    (1, 8, 2, 1, 'trial', '2090-01-01');                  -- running
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (1, 15, 1, 1, 'annual_monthly', 2, '2090-01-01'),     -- its commitment still to come
    (3, 14, 4, 3, 'annual_prepaid', 1, '2016-05-10');     -- another program, another zone

-- accounts: active and ended
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 1, 1, 'user' || i || '@acme.example', '2012-01-02' FROM generate_series(1, 8) i;
UPDATE seat SET active_until = '2012-02-15 17:30+00'
 WHERE reseller_id = 1 AND subscription_id = 1 AND user_name IN ('user7@acme.example', 'user8@acme.example');
SELECT add_seats(1, 1, 2, '2012-03-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (1, 2, 'ann', '2012-06-01'), (1, 2, 'bob', '2012-06-01'), (1, 2, 'cid', '2012-06-01'),
    (1, 3, 'ann', '2012-01-05'), (1, 3, 'bob', '2012-01-05'), (1, 3, 'cid', '2012-01-05'), (1, 3, 'dan', '2012-01-05'),
    (1, 4, 'ann', '2012-02-01'), (1, 4, 'bob', '2012-02-01'),
    (1, 5, 'ann', '2012-01-02'), (1, 5, 'bob', '2012-01-02'), (1, 5, 'old', '2012-01-02'),
    (1, 6, 'ann', '2012-01-02'), (1, 6, 'bob', '2012-01-02'),
    (1, 7, 'ann', '2012-01-02'), (1, 7, 'bob', '2012-01-02'),
    (1, 11, 'ann', '2012-01-02'), (1, 11, 'bob', '2012-01-02'),
    (1, 12, 'ann', '2012-01-02'),
    (2, 13, 'ann', '2012-01-02'),
    (3, 14, 'lic1', '2016-05-10');
UPDATE seat SET active_until = '2012-03-01' WHERE reseller_id = 1 AND subscription_id = 5 AND user_name = 'old';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (1, 5, 'cid', '2012-03-01');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 8, 'ann'), (1, 8, 'bob');

-- changes: converted, suspended, cancelled, terminated, renewed
SELECT change_plan(1, 10, 'flexible', 4, '2012-01-20');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (1, 10, 'ann', '2012-01-21'), (1, 10, 'bob', '2012-01-21');
SELECT suspend(1, 4, 'payment overdue', '2012-04-01');
SELECT suspend(1, 6, 'abuse report', '2012-04-01');
SELECT cancel_subscription(1, 7, '2012-09-01');
SELECT terminate_early(1, 3, '2012-05-15', 'customer went out of business');
SELECT set_renewal(1, 11, 'switch_to_flex', '2012-06-01');
SELECT set_renewal(1, 12, 'cancel', '2012-06-01');
SELECT renew_due('2013-01-05 00:00+00');
INSERT INTO charge (reseller_id, customer_id, subscription_id, kind, description, amount, charge_on)
VALUES (1, 1, NULL, 'one_off', 'Data migration service', 'USD 250.00', '2012-03-15');

-- rows were given their ids: the identity sequences continue after them
SELECT setval('program_program_id_seq', 2), setval('sku_sku_id_seq', 3), setval('reseller_reseller_id_seq', 3),
       setval('customer_customer_id_seq', 4), setval('subscription_subscription_id_seq', 15);
SQL

# every plan and every status is there
is( $node->safe_psql('src', $rb . q{
        SELECT string_agg(DISTINCT plan::text, ',' ORDER BY plan::text) || ' / '
            || string_agg(DISTINCT status, ',' ORDER BY status)
          FROM subscription}),
	'annual_monthly,annual_prepaid,flexible,trial / active,cancelled,suspended,trial',
	'the source holds every plan and every status');
is( $node->safe_psql('src', $rb . q{
        SELECT count(*) FILTER (WHERE active_until IS NULL) || ' active, '
            || count(*) FILTER (WHERE active_until IS NOT NULL) || ' ended'
          FROM seat}),
	'24 active, 10 ended',
	'the source holds accounts active and ended');
is( $node->safe_psql('src', $rb . q{
        SELECT string_agg(kind || ' ' || amount, ', ' ORDER BY charge_id) FROM charge}),
	'early_termination USD 186.65, one_off USD 250.00',
	'the source holds an early-termination charge and a one-off charge');
is( $node->safe_psql('src', $rb . q{
        SELECT count(DISTINCT subscription_id) || ' subscriptions, ' || count(*) FILTER (WHERE field <> 'created') || ' changes'
          FROM subscription_change}),
	'15 subscriptions, 21 changes',
	'the source holds the history of the changes');

# the counters in the source: the truth recomputed the slow way
my $counters_off = q{
    SELECT count(*) FROM reseller_billing.subscription s
     WHERE s.active_seats <> (SELECT count(*) FROM reseller_billing.seat a
                               WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
                                 AND a.active_until IS NULL)
        OR s.active_seats > CASE WHEN reseller_billing.is_annual(s.plan) THEN s.committed_seats ELSE s.seat_cap END};
is($node->safe_psql('src', $counters_off), '0', 'source: every counter equals its real count, within its limit');

# ---------------------------------------------------------------------------
# 2. dump and restore
# ---------------------------------------------------------------------------

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'src' ], 'pg_dump -Fc of the source database');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
$node->command_fails_like([ 'pg_restore', '--exit-on-error', '-d', 'dst_plain', $dump ],
	qr/COPY failed for table "\w+": ERROR:/,
	'pg_restore without reseller_billing.restore: the triggers run on the replayed rows, and the restore fails');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
{
	local $ENV{PGOPTIONS} = '-c reseller_billing.restore=on';
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'dst', $dump ],
		'pg_restore into a fresh database with reseller_billing.restore = on');
}

# ---------------------------------------------------------------------------
# 3. the same rows, table by table, both ways
# ---------------------------------------------------------------------------

$node->safe_psql('dst', 'CREATE EXTENSION dblink');
my $src_conn = sprintf("host=%s port=%d dbname=src options='-c TimeZone=UTC -c DateStyle=ISO,YMD'",
	$node->host, $node->port);

my @tables = split /\n/, $node->safe_psql('dst', q{
    SELECT c.oid::regclass FROM pg_extension e, unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
     WHERE e.extname = 'reseller_billing' AND c.relkind = 'r' ORDER BY 1::text});
my @sequences = split /\n/, $node->safe_psql('dst', q{
    SELECT c.oid::regclass FROM pg_extension e, unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
     WHERE e.extname = 'reseller_billing' AND c.relkind = 'S' ORDER BY 1::text});
my %required = map { ("reseller_billing.$_" => 1) }
  qw(program sku price reseller customer subscription seat subscription_change charge);
ok(!(grep { !$required{$_} } keys %required) && (grep { $required{$_} } @tables) == keys %required,
	'every table of issue 3 is kept by pg_dump: ' . join(', ', sort keys %required));

for my $t (@tables)
{
	my $rows = $node->safe_psql('src', "SELECT count(*) FROM $t");
	my ($missing, $extra) = split /\|/, $node->safe_psql('dst', qq{
        SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';
        SELECT (SELECT count(*) FROM (SELECT x FROM dblink(\$c\$$src_conn\$c\$, 'SELECT t::text FROM $t AS t') AS r(x text)
                                      EXCEPT ALL SELECT t::text FROM $t AS t) d),
               (SELECT count(*) FROM (SELECT t::text FROM $t AS t
                                      EXCEPT ALL SELECT x FROM dblink(\$c\$$src_conn\$c\$, 'SELECT t::text FROM $t AS t') AS r(x text)) d)});
	is("$missing|$extra", '0|0', "$t: the same $rows rows after the restore (none missing, none added)");
	ok($rows > 0, "$t: the source has rows to compare") if $required{$t};
}
for my $s (@sequences)
{
	is( $node->safe_psql('dst', "SELECT last_value || '/' || is_called FROM $s"),
		$node->safe_psql('src', "SELECT last_value || '/' || is_called FROM $s"),
		"$s: restored where it was");
}

# ---------------------------------------------------------------------------
# 4. the rules after the restore
# ---------------------------------------------------------------------------

is($node->safe_psql('dst', 'SELECT reseller_billing.restoring()'), 'f', 'a plain session is not restoring');
is($node->safe_psql('dst', $counters_off), '0', 'restored: every counter equals its real count, within its limit');

# a full Flex subscription refuses an account
my ($rc, $out, $err) = $node->psql('dst', $rb . q{
    \set VERBOSITY verbose
    INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 5, 'dan');});
isnt($rc, 0, 'restored: a full Flex subscription refuses an account');
like($err, qr/ERROR:  23514: subscription 5 of reseller 1 would exceed its seat cap/,
	'  ... with 23514 and the message naming the subscription');
like($err, qr/The seat cap: 3; 3 accounts are active and 1 more were to be added, 4 in all\./,
	'  ... and the detail naming the cap and the attempt');
is($node->safe_psql('dst', $rb . q{SELECT count(*) FROM seat WHERE reseller_id = 1 AND subscription_id = 5}),
	'4', '  ... and writes nothing');

# one with room takes an account, counts it, with a fresh seat id
is( $node->safe_psql('dst', $rb . q{
        INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (2, 13, 'bob');
        SELECT active_seats FROM subscription WHERE reseller_id = 2 AND subscription_id = 13}),
	'2', 'restored: a Flex subscription with room takes an account and counts it');

# an Annual commitment still cannot be cancelled before its renewal date
($rc, $out, $err) = $node->psql('dst', $rb . q{
    \set VERBOSITY verbose
    SELECT status FROM cancel_subscription(1, 15);});
like($err, qr/ERROR:  55000: subscription 15 of reseller 1 cannot be cancelled before its renewal date/,
	'restored: an Annual commitment refuses a cancellation before its renewal date (55000)');

# a suspended subscription still refuses accounts; a cancelled one too
($rc, $out, $err) = $node->psql('dst', $rb . q{
    \set VERBOSITY verbose
    INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 6, 'cid');});
like($err, qr/ERROR:  55000: subscription 6 of reseller 1 is suspended and accepts no new accounts/,
	'restored: a suspended subscription refuses an account (55000)');
($rc, $out, $err) = $node->psql('dst', $rb . q{
    \set VERBOSITY verbose
    INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 7, 'cid');});
like($err, qr/ERROR:  55000: subscription 7 of reseller 1 is cancelled and accepts no new accounts/,
	'restored: a cancelled subscription refuses an account (55000)');

# the counter is still the triggers' alone
($rc, $out, $err) = $node->psql('dst', $rb . q{
    \set VERBOSITY verbose
    UPDATE subscription SET active_seats = 0 WHERE reseller_id = 1 AND subscription_id = 5;});
like($err, qr/ERROR:  55000: active_seats of subscription 5 is maintained by the seat triggers/,
	'restored: the counter cannot be written directly');

# a new subscription: a fresh id after the restored ones, its terms filled
# in, its creation recorded
is( $node->safe_psql('dst', $rb . q{
        WITH s AS (INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
                   VALUES (1, 1, 2, 'flexible', 2) RETURNING *)
        SELECT s.subscription_id || ' ' || s.status || ' ' || s.partner_price FROM s}),
	'16 active USD 24.00', 'restored: a new subscription gets a fresh id and its partner price');
is( $node->safe_psql('dst', $rb . q{
        SELECT string_agg(field, ',') FROM subscription_change c
         WHERE c.subscription_id = (SELECT max(subscription_id) FROM subscription WHERE reseller_id = 1)
           AND c.reseller_id = 1}),
	'created', '  ... and its history row');
# and a change is recorded
is( $node->safe_psql('dst', $rb . q{
        SELECT set_seat_cap(1, 5, 4, '2013-02-01');
        SELECT field || ' ' || old_value || ' -> ' || new_value FROM subscription_change
         WHERE reseller_id = 1 AND subscription_id = 5 ORDER BY change_id DESC LIMIT 1}),
	"4\nseat_cap 3 -> 4", 'restored: a change is recorded in the history');
is($node->safe_psql('dst', $counters_off), '0', 'restored, then used: every counter equals its real count');

$node->stop;
done_testing();

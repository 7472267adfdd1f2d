# test/t/050_pg_cron.pl
#
# Scheduling the month end with pg_cron (Debian's 1.4, preloaded): on a node
# whose cron.database_name is the billing database, schedule_month_end()
# registers one daily job that calls run_due, and calling it again updates
# that job instead of adding a second.  Without pg_cron the function refuses
# with 55000 and run_due still works by hand.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'billing'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE billing');
$node->safe_psql('postgres', 'CREATE DATABASE other');

# without pg_cron in the database: a clear refusal, and run_due still works
$node->safe_psql('other', 'CREATE EXTENSION reseller_billing');
my ($rc, $out, $err) = $node->psql('other',
	"\\set VERBOSITY verbose\nSELECT reseller_billing.schedule_month_end()");
isnt($rc, 0, 'schedule_month_end fails without pg_cron');
like($err, qr/55000/, 'with SQLSTATE 55000');
like($err, qr/pg_cron is not installed/, 'saying pg_cron is missing');
is($node->safe_psql('other', 'CALL reseller_billing.run_due()'), '0|0',
	'run_due works by hand without pg_cron');

# with pg_cron: one job, updated in place
$node->safe_psql('billing', 'CREATE EXTENSION pg_cron');
$node->safe_psql('billing', 'CREATE EXTENSION reseller_billing');
my $job = $node->safe_psql('billing', 'SELECT reseller_billing.schedule_month_end()');
like($job, qr/^\d+$/, 'schedule_month_end returns a job id');
is($node->safe_psql('billing',
		"SELECT schedule, command, database FROM cron.job WHERE jobid = $job"),
	'15 0 * * *|CALL reseller_billing.run_due()|billing',
	'the job runs CALL reseller_billing.run_due() daily in the billing database');
my $again = $node->safe_psql('billing', "SELECT reseller_billing.schedule_month_end('30 1 * * *')");
is($again, $job, 'scheduling again keeps the same job');
is($node->safe_psql('billing',
		"SELECT count(*), min(schedule) FROM cron.job WHERE jobname = 'reseller_billing_month_end'"),
	'1|30 1 * * *', 'one job, with the new schedule');

# advance_clock runs the daily jobs at the job's time of day (UTC) when its
# schedule is a plain daily one, else at the default 00:15
is($node->safe_psql('billing', 'SELECT reseller_billing.clock_daily_at()'), '01:30:00',
	'the simulation clock runs the daily jobs at the scheduled 01:30');
is($node->safe_psql('other', 'SELECT reseller_billing.clock_daily_at()'), '00:15:00',
	'without pg_cron, at the default 00:15');
$node->safe_psql('billing', "SELECT reseller_billing.schedule_month_end('*/10 * * * *')");
is($node->safe_psql('billing', 'SELECT reseller_billing.clock_daily_at()'), '00:15:00',
	'with a schedule that is not once a day, at the default 00:15');
$node->safe_psql('billing', "SELECT reseller_billing.schedule_month_end('30 1 * * *')");

# the command the job runs succeeds as written
is($node->safe_psql('billing', 'CALL reseller_billing.run_due()'), '0|0',
	'the scheduled command runs');

# DROP EXTENSION takes its job with it (issue 19 §5), in the drop's
# transaction: a drop rolled back keeps the job
my $count_job = "SELECT count(*) FROM cron.job WHERE jobname = 'reseller_billing_month_end'";
$node->safe_psql('billing', 'BEGIN; DROP EXTENSION reseller_billing; ROLLBACK;');
is($node->safe_psql('billing', $count_job), '1', 'a DROP EXTENSION rolled back keeps the job');
my ($drc, $dout, $derr) = $node->psql('billing', 'DROP EXTENSION reseller_billing');
is($drc, 0, 'DROP EXTENSION reseller_billing succeeds');
is($node->safe_psql('billing', $count_job), '0', 'and unschedules the daily job');
like($derr, qr/unschedules its pg_cron job reseller_billing_month_end/, 'saying so');

$node->stop;
done_testing();

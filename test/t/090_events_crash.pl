#!/usr/bin/perl
#
# test/t/090_events_crash.pl — an event consumer killed mid-batch (issue 16
# §3; doc/events.md "Leases and crashes").
#
# One node, one database: 20 payments recorded by record_payment, so 20
# payment.recorded events of one reseller.
#
#   1. The consumer "mailer" (a background psql) claims a batch of 10 with a
#      lease of 3 seconds (its claim commits), acknowledges the first 4, and
#      is "processing" the fifth (pg_sleep) when its backend is terminated
#      (pg_terminate_backend).
#      * at once, another session of the mailer is handed the 10 events never
#        claimed, and none of the 6 still leased;
#      * once the lease has ended, the 6 come back, each at its second
#        attempt; the 4 acknowledged never do;
#      * acknowledged, nothing is left for the mailer; the consumer "audit"
#        still gets all 20 at their first attempt (consumers are independent).
#   2. A consumer killed inside the transaction of its claim: the claim is
#      rolled back with it, so its events are handed out at once, with no
#      lease to wait for.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('events_crash');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone)
VALUES (1, 'tap_events', 'TAP events', 'USD', 'UTC');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country) VALUES (1, 1, 'Events Ltd', 'US');
SELECT count(reseller_billing.record_payment(1, reseller_billing.amount(n, 'USD'), 'bank_transfer',
                                             reseller_billing.clock_now()::date, format('TAP-%s', lpad(n::text, 2, '0'))))
  FROM generate_series(1, 20) n;
});
is($node->safe_psql('postgres', q{SELECT count(*) FROM reseller_billing.event WHERE kind = 'payment.recorded'}),
	'20', '20 payments recorded: 20 payment.recorded events');

# the events in order: reference TAP-01 .. TAP-20
sub refs
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', qq{
SELECT coalesce(string_agg(payload ->> 'reference', ' ' ORDER BY event_id), '') FROM ($sql) c});
}

# ---------------------------------------------------------------------------
# 1. killed after its claim committed: the lease brings the events back
# ---------------------------------------------------------------------------

my $mailer = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $mailer->query_safe('SELECT pg_backend_pid()');
my $batch = $mailer->query_safe(q{
SELECT string_agg(payload ->> 'reference', ' ' ORDER BY event_id)
  FROM reseller_billing.claim_events('mailer', 10, '3 seconds')});
is($batch, join(' ', map { sprintf('TAP-%02d', $_) } 1 .. 10), 'the mailer claims the first 10 events');
is($mailer->query_safe(q{
SELECT reseller_billing.ack_events('mailer', array_agg(event_id))
  FROM reseller_billing.event WHERE payload ->> 'reference' IN ('TAP-01', 'TAP-02', 'TAP-03', 'TAP-04')}),
	'4', 'it acknowledges the first 4');
# the fifth is being processed when the consumer dies
$mailer->query_until(qr/processing/, q{
\echo processing
SELECT pg_sleep(60);
});
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)"), 't', 'the mailer is killed mid-batch');
$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid)")
	or die 'the killed backend did not go away';
eval { $mailer->quit; };

is(refs(q{SELECT * FROM reseller_billing.claim_events('mailer', 100, '1 minute')}),
	join(' ', map { sprintf('TAP-%02d', $_) } 11 .. 20),
	'at once, another session of the mailer gets the 10 never claimed, none of the 6 still leased');

# the lease ends 3 seconds after the claim: wait until the 6 come back
my $back = '';
my $deadline = time + 60;
while (time < $deadline)
{
	$back = refs(q{SELECT * FROM reseller_billing.claim_events('mailer', 100, '1 minute')});
	last if $back ne '';
	usleep(200_000);
}
is($back, join(' ', map { sprintf('TAP-%02d', $_) } 5 .. 10),
	'after the lease, the 6 claimed and not acknowledged are handed out again (not the 4 acknowledged)');
is($node->safe_psql('postgres', q{
SELECT string_agg(DISTINCT attempts::text, ',') FROM reseller_billing.event_delivery d
  JOIN reseller_billing.event e USING (reseller_id, event_id)
 WHERE d.consumer = 'mailer' AND e.payload ->> 'reference' BETWEEN 'TAP-05' AND 'TAP-10'}),
	'2', 'each of the 6 at its second attempt');

is($node->safe_psql('postgres', q{
SELECT reseller_billing.ack_events('mailer', array_agg(event_id)) FROM reseller_billing.event_delivery
 WHERE consumer = 'mailer' AND acked_at IS NULL}), '16', 'the mailer acknowledges the 16 it holds');
is(refs(q{SELECT * FROM reseller_billing.claim_events('mailer', 100, '1 second')}), '',
	'nothing is left for the mailer');
sleep(2);
is(refs(q{SELECT * FROM reseller_billing.claim_events('mailer', 100, '1 second')}), '',
	'and nothing comes back after a lease: acknowledged events are never handed out again');
is($node->safe_psql('postgres', q{
SELECT count(*) || ' ' || max(attempt) FROM reseller_billing.claim_events('audit', 100)}),
	'20 1', 'another consumer gets all 20, at their first attempt');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT consumer, event_id FROM reseller_billing.event_delivery
                       GROUP BY 1, 2 HAVING count(*) > 1) x}),
	'0', 'one delivery row per consumer and event');

# ---------------------------------------------------------------------------
# 2. killed inside the claim's transaction: the claim goes with it
# ---------------------------------------------------------------------------

my $crm = $node->background_psql('postgres', on_error_stop => 0);
$pid = $crm->query_safe('SELECT pg_backend_pid()');
is($crm->query_safe(q{BEGIN; SELECT count(*) FROM reseller_billing.claim_events('crm', 5, '1 hour')}), '5',
	'the consumer crm claims 5 events in an open transaction');
is(refs(q{SELECT * FROM reseller_billing.claim_events('crm', 100, '1 hour')}),
	join(' ', map { sprintf('TAP-%02d', $_) } 6 .. 20),
	'while it holds them, another session of crm skips them (SKIP LOCKED) and gets the 15 others');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid)")
	or die 'the killed backend did not go away';
eval { $crm->quit; };
is(refs(q{SELECT * FROM reseller_billing.claim_events('crm', 100, '1 minute')}),
	join(' ', map { sprintf('TAP-%02d', $_) } 1 .. 5),
	'killed before its claim committed: the 5 are handed out at once, with no lease to wait for');

# ---------------------------------------------------------------------------
# 3. listeners: NOTIFY at commit, nothing for a rollback
# ---------------------------------------------------------------------------

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN reseller_billing_events');
$node->safe_psql('postgres', q{
BEGIN;
SELECT reseller_billing.record_payment(1, reseller_billing.amount(99, 'USD'), 'bank_transfer',
                                       reseller_billing.clock_now()::date, 'TAP-ROLLED-BACK');
ROLLBACK;
SELECT reseller_billing.record_payment(1, reseller_billing.amount(21, 'USD'), 'bank_transfer',
                                       reseller_billing.clock_now()::date, 'TAP-21');
});
my $event_id = $node->safe_psql('postgres', q{
SELECT event_id FROM reseller_billing.event WHERE payload ->> 'reference' = 'TAP-21'});
my $heard = $listener->query_safe('SELECT 1');
like($heard, qr/Asynchronous notification "reseller_billing_events" with payload "\{"kind": "payment.recorded", "event_id": $event_id, "reseller_id": 1\}"/,
	'a listener on reseller_billing_events is notified of the committed event');
my @heard = $heard =~ /Asynchronous notification/g;
is(scalar(@heard), 1, 'and of nothing else (the rolled-back payment wrote no event and sent nothing)');
$listener->quit;

$node->stop;
done_testing();

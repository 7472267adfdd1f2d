#!/usr/bin/perl
#
# test/t/040_close_crash.pl — a month-end close killed by SIGKILL half-way
# (issue 4 §2 "Crash").
#
# One node, two databases with identical data (db a is generated, then
# db b = CREATE DATABASE ... TEMPLATE a): 2,000 resellers in two programs
# (1,500 in USD/UTC, 500 in EUR/Europe/Berlin), each with an Annual
# commitment from 2012-01-01 (all but r % 10 = 5), for every third a second
# one starting 2012-03-15 (a partial March), for every eleventh a prepaid
# year from 2012-03-01, and a Flex subscription with 1 to 4 accounts around
# March 2012 (none for r % 10 = 5); one-off charges in March (r % 13 = 0) and
# credits (r % 17 = 0, half of them only for online customers).  All set-based
# INSERT ... SELECT generate_series through the extension's triggers.
#
# Before any close, preview_invoice of every reseller for 2012-03 is kept in
# public.expected_line (in both databases): the lines a close must write.
#
#   db a: CALL close_period_batched('2012-03', NULL, 50), uninterrupted.
#   db b: the same CALL in a background psql; a third session holds reseller
#         1001 (program 1, about half-way) FOR UPDATE, so the close can never
#         get past the middle of program 1 however slow this test is.  As soon
#         as close_status shows some resellers done (>= 100 of 1,500), every
#         process of the server is killed with SIGKILL (the postmaster with
#         $node->kill9, its children by the same signal, so no orphaned
#         backend keeps running or holds shared memory) and the node is
#         restarted, which runs crash recovery.
#
# After the restart, in db b:
#   * some but not all resellers are invoiced (program 2 not at all);
#   * every invoiced reseller has its complete invoice: issued (or paid,
#     when credits covered it), numbered,
#     lines summing to the subtotal, and exactly the lines preview_invoice
#     gave (same line numbers, kinds, descriptions, quantities, prices,
#     amounts, service periods and dates); identical to db a's invoice for
#     the same reseller, totals and credits included;
#   * no draft, no invoice without lines, numbers 1..N without gaps per
#     program and the program's counter at N; every credit's remaining
#     amount equals its amount less what was applied; each charge billed at
#     most once; the month is not recorded closed;
#   * CALL again completes the rest and writes exactly the missing invoices;
#     then db a and db b hold the same invoices reseller by reseller (lines,
#     amounts, totals, credits, dates), numbers 1..N without gaps in each,
#     equal grand totals per currency, both months recorded closed; and a
#     third CALL writes nothing in either database.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use Cwd qw(abs_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $RESELLERS = 2000;
my $BATCH     = 50;
my $BARRIER   = 1001;    # reseller held FOR UPDATE in db b: program 1, half-way
my $KILL_AT   = 100;     # kill once this many resellers of program 1 are done

my $node = PostgreSQL::Test::Cluster->new('close_crash');
$node->init;
# no autovacuum: no worker can be forked between listing the server's
# processes and killing them
$node->append_conf('postgresql.conf', qq{
autovacuum = off
max_connections = 20
});
$node->start;

# ---------------------------------------------------------------------------
# The data, once, in db a; db b is a copy
# ---------------------------------------------------------------------------

$node->safe_psql('postgres', 'CREATE DATABASE a');
$node->safe_psql('a', <<"SQL");
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount) VALUES
  (1, 'crash_usd', 'Crash test USD', 'USD', 'UTC', 0.20),
  (2, 'crash_eur', 'Crash test EUR', 'EUR', 'Europe/Berlin', 0.10);
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family) VALUES
  (1, 1, 'apps', 'Apps', 'apps'), (2, 1, 'vault', 'Vault', 'vault'), (3, 2, 'apps_eu', 'Apps EU', 'apps');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from)
SELECT k, p::reseller_billing.plan_kind,
       reseller_billing.amount(CASE p WHEN 'flexible' THEN 72 ELSE 60 END + 7 * k,
                               CASE WHEN k = 3 THEN 'EUR' ELSE 'USD' END),
       '2000-01-01'
  FROM generate_series(1, 3) k, unnest(ARRAY['annual_monthly', 'annual_prepaid', 'flexible']) p;

-- every fourth reseller in the EUR program; every seventh a consulting firm
-- every eleventh prepaid (it holds a prepaid order, below)
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country, business_type, billing_model)
SELECT r, CASE WHEN r % 4 = 0 THEN 2 ELSE 1 END, format('Reseller %s', lpad(r::text, 5, '0')),
       CASE WHEN r % 4 = 0 THEN 'DE' ELSE 'US' END, CASE WHEN r % 7 = 0 THEN 'consulting' ELSE 'retail' END,
       CASE WHEN r % 11 = 0 THEN 'prepaid' ELSE 'postpaid' END
  FROM generate_series(1, $RESELLERS) r;
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain, kind)
SELECT r, 10 * r + c, format('Customer %s-%s', r, c), format('c%s-%s.example', r, c),
       CASE WHEN c = 2 THEN 'offline' ELSE 'online' END
  FROM generate_series(1, $RESELLERS) r, generate_series(1, 2) c;

-- the subscriptions take effect on 2012-01-01 (a Flex term starts then)
SET reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO reseller_billing.subscription
       (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
SELECT r, 10 * r + s.n, 10 * r + s.cust,
       CASE WHEN r % 4 = 0 THEN 3 WHEN s.n = 2 THEN 2 ELSE 1 END,
       s.plan::reseller_billing.plan_kind, s.seats, s.cap, s.start::date
  FROM generate_series(1, $RESELLERS) r
 CROSS JOIN LATERAL (VALUES
        (1, 1, 'annual_monthly', r % 9 + 1, NULL::int, '2012-01-01', r % 10 <> 5),
        (2, 2, 'annual_monthly', r % 5 + 1, NULL, '2012-03-15', r % 3 = 0),
        (3, 1, 'annual_prepaid', r % 4 + 2, NULL, '2012-03-01', r % 11 = 0),
        (4, 2, 'flexible', NULL, 20, '2012-01-01', true)) AS s(n, cust, plan, seats, cap, start, wanted)
 WHERE s.wanted
 ORDER BY 1, 2;
RESET reseller_billing.effective_at;

-- Flex accounts, one multi-row INSERT through the seat triggers: 1 to 4 per
-- subscription starting between 2012-02-15 and 2012-03-29 at varying hours;
-- some end in March, some ended before it
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from, active_until)
SELECT r, 10 * r + 4, format('user%s', k), f.af,
       CASE WHEN (r + k) % 3 = 0 THEN f.af + make_interval(days => (r * 5 + k) % 20, hours => k)
            WHEN (r + k) % 7 = 0 THEN '2012-02-28 12:00+00'::timestamptz END
  FROM generate_series(1, $RESELLERS) r, generate_series(1, 4) k
 CROSS JOIN LATERAL (SELECT '2012-02-15 00:00+00'::timestamptz
                            + make_interval(days => (r * 7 + k * 3) % 44 * CASE WHEN (r + k) % 7 = 0 THEN 0 ELSE 1 END,
                                            hours => (r + k * 5) % 24) AS af) f
 WHERE r % 10 <> 5 AND k <= r % 4 + 1;

INSERT INTO reseller_billing.charge (reseller_id, customer_id, kind, description, amount, charge_on)
SELECT r, 10 * r + 1, 'one_off', 'Setup fee',
       reseller_billing.amount(25 + r % 10, CASE WHEN r % 4 = 0 THEN 'EUR' ELSE 'USD' END), '2012-03-10'
  FROM generate_series(1, $RESELLERS) r WHERE r % 13 = 0;
SELECT count(reseller_billing.grant_credit(r,
           reseller_billing.amount(5 + r % 4, CASE WHEN r % 4 = 0 THEN 'EUR' ELSE 'USD' END), 'goodwill',
           CASE WHEN r % 2 = 0 THEN '{"customer_kind": ["online"]}'::jsonb ELSE '{}' END))
  FROM generate_series(1, $RESELLERS) r WHERE r % 17 = 0;

-- what a close must write: the preview of every reseller, before any close
CREATE TABLE public.expected_line AS
SELECT r.reseller_id, r.name AS reseller_name, r.program_id, p.*
  FROM reseller_billing.reseller r
 CROSS JOIN LATERAL reseller_billing.preview_invoice(r.reseller_id, '2012-03') p;
SQL

# invoices: one per reseller, currency and kind (a prepaid reseller's
# prepaid year goes on a prepaid invoice of its own)
my ($exp_lines, $exp_resellers, $exp_p1, $exp_p2, $exp_invoices) = split /\|/, $node->safe_psql('a', q{
SELECT count(*), count(DISTINCT reseller_id),
       count(DISTINCT (reseller_id, currency, invoice_kind)) FILTER (WHERE program_id = 1),
       count(DISTINCT (reseller_id, currency, invoice_kind)) FILTER (WHERE program_id = 2),
       count(DISTINCT (reseller_id, currency, invoice_kind))
  FROM public.expected_line});
note("preview: $exp_lines lines for $exp_resellers resellers, $exp_invoices invoices ($exp_p1 in program 1, $exp_p2 in program 2)");
cmp_ok($exp_invoices, '>', $exp_resellers, 'some resellers get a prepaid and a post-paid invoice');
cmp_ok($exp_resellers, '>', 1500, 'most resellers have something to bill in 2012-03');
cmp_ok($exp_resellers, '<', $RESELLERS, 'some resellers have nothing to bill (they must get no invoice)');
is($node->safe_psql('a', q{
SELECT string_agg(DISTINCT kind, ',' ORDER BY kind) FROM public.expected_line}),
	'annual_installment,annual_prepaid,flex_usage,one_off',
	'the month bills installments, prepaid years, Flex account-days and one-off charges');

$node->safe_psql('postgres', 'CREATE DATABASE b TEMPLATE a');

# ---------------------------------------------------------------------------
# Queries used on both databases
# ---------------------------------------------------------------------------

# one row per invoice of 2012-03: the reseller, the totals and a digest of
# its lines (everything but ids and numbers)
my $INVOICES_SQL = q{
SELECT r.name, i.currency, i.status, i.kind, i.subtotal, i.credits_applied, i.tax, i.total, i.paid, i.credited,
       i.issued_on, i.due_on, count(l.line_no),
       md5(string_agg(concat_ws('|', l.line_no, l.kind, l.subscription_id, l.customer_id, l.sku_id, l.description,
                                l.quantity, l.unit_price, l.amount, l.service_period, l.service, l.charge_id IS NOT NULL,
                                l.tranche_id IS NOT NULL,
                                (SELECT string_agg(a.amount::text, ',' ORDER BY a.credit_id) FROM reseller_billing.credit_application a
                                  WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id AND a.line_no = l.line_no)),
                      E'\n' ORDER BY l.line_no))
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
  LEFT JOIN reseller_billing.invoice_line l ON l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id
 WHERE i.period::text = '2012-03'
 GROUP BY r.name, i.reseller_id, i.invoice_id
 ORDER BY r.name, i.currency};

# resellers whose invoices do not hold exactly the previewed lines, or whose
# lines do not add up to the subtotal; and previewed resellers left out when
# $complete
sub line_mismatches
{
	my ($db, $complete) = @_;
	my $missing = $complete ? q{
UNION ALL
SELECT e.reseller_id, 'previewed but not invoiced' FROM public.expected_line e
 WHERE NOT EXISTS (SELECT FROM reseller_billing.invoice i WHERE i.reseller_id = e.reseller_id)} : '';
	return $node->safe_psql($db, qq{
WITH got AS (
    SELECT l.reseller_id, i.currency, i.kind AS invoice_kind, l.line_no, l.kind, l.subscription_id, l.description, l.quantity,
           l.unit_price::text AS unit_price, l.amount::text AS amount, l.service_period::text AS service_period, l.service
      FROM reseller_billing.invoice_line l
      JOIN reseller_billing.invoice i ON i.reseller_id = l.reseller_id AND i.invoice_id = l.invoice_id
     WHERE i.period::text = '2012-03'
), want AS (
    SELECT e.reseller_id, e.currency, e.invoice_kind, e.line_no, e.kind, e.subscription_id, e.description, e.quantity,
           e.unit_price::text, e.amount::text, e.service_period::text, e.service
      FROM public.expected_line e
     WHERE e.reseller_id IN (SELECT reseller_id FROM got)
), diff AS (
    (SELECT * FROM got EXCEPT ALL SELECT * FROM want)
    UNION ALL
    (SELECT * FROM want EXCEPT ALL SELECT * FROM got)
)
SELECT coalesce(string_agg(DISTINCT format('reseller %s: %s', x.reseller_id, x.what), '; '), '') FROM (
    SELECT reseller_id, 'lines differ from the preview' AS what FROM diff
    UNION ALL
    SELECT i.reseller_id, format('lines sum to %s, subtotal %s', reseller_billing.sum(l.amount), i.subtotal)
      FROM reseller_billing.invoice i
      LEFT JOIN reseller_billing.invoice_line l ON l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id
     WHERE i.period::text = '2012-03'
     GROUP BY i.reseller_id, i.invoice_id, i.subtotal
    HAVING reseller_billing.sum(l.amount)::text IS DISTINCT FROM i.subtotal::text
    UNION ALL
    SELECT i.reseller_id, format('invoice %s is %s', i.invoice_id, i.status)
      FROM reseller_billing.invoice i
     WHERE i.invoice_number IS NULL
        OR NOT (i.status = 'issued'
                OR i.status = 'paid' AND reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                                         - reseller_billing.value(i.paid) <= 0)
    $missing
) x});
}

# per program: invoices, their numbers are exactly 1..N, the counter is N
my $NUMBERS_SQL = q{
SELECT pg.program_id, count(i.invoice_id),
       coalesce(array_agg(i.invoice_number ORDER BY i.invoice_number) FILTER (WHERE i.invoice_id IS NOT NULL)
                = (SELECT array_agg(g ORDER BY g) FROM generate_series(1, count(i.invoice_id)) g), count(i.invoice_id) = 0),
       coalesce((SELECT c.last_number FROM reseller_billing.invoice_counter c WHERE c.program_id = pg.program_id), 0)
  FROM reseller_billing.program pg
  LEFT JOIN reseller_billing.invoice i ON i.program_id = pg.program_id
 GROUP BY pg.program_id ORDER BY 1};

# other ledger invariants: credits, charges, the month's close record
my $LEDGER_SQL = q{
SELECT (SELECT count(*) FROM reseller_billing.credit c
         WHERE reseller_billing.value(c.remaining) <> reseller_billing.value(c.amount)
               - coalesce((SELECT sum(reseller_billing.value(a.amount)) FROM reseller_billing.credit_application a
                            WHERE a.reseller_id = c.reseller_id AND a.credit_id = c.credit_id), 0)),
       (SELECT count(*) FROM (SELECT l.charge_id FROM reseller_billing.invoice_line l WHERE l.charge_id IS NOT NULL
                               GROUP BY l.reseller_id, l.charge_id HAVING count(*) > 1) d),
       (SELECT count(*) FROM reseller_billing.invoice i
         WHERE NOT EXISTS (SELECT FROM reseller_billing.invoice_line l
                            WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id)),
       (SELECT count(*) FROM reseller_billing.period_close WHERE period::text = '2012-03')};

# grand totals per currency
my $TOTALS_SQL = q{
SELECT currency, count(*), sum(reseller_billing.value(subtotal)), sum(reseller_billing.value(credits_applied)),
       sum(reseller_billing.value(total))
  FROM reseller_billing.invoice WHERE period::text = '2012-03' GROUP BY 1 ORDER BY 1};

# ---------------------------------------------------------------------------
# db a: the close that was never interrupted
# ---------------------------------------------------------------------------

my $written_a = $node->safe_psql('a', qq{
SET client_min_messages = warning;
CALL reseller_billing.close_period_batched('2012-03', NULL, $BATCH);});
is($written_a, $exp_invoices, "db a: the close wrote one invoice per reseller and kind with something to bill ($written_a)");
is(line_mismatches('a', 1), '', 'db a: every invoice holds exactly the previewed lines, adding up to its subtotal');
is($node->safe_psql('a', $NUMBERS_SQL), "1|$exp_p1|t|$exp_p1\n2|$exp_p2|t|$exp_p2",
	'db a: invoice numbers 1..N without gaps per program, counters at N');
is($node->safe_psql('a', $LEDGER_SQL), '0|0|0|2',
	'db a: credits balance with their applications, no charge billed twice, no empty invoice, month closed for both programs');
my $credited_a = $node->safe_psql('a', q{
SELECT count(*) FROM reseller_billing.invoice WHERE reseller_billing.value(credits_applied) > 0});
cmp_ok($credited_a, '>', 10, "db a: credits were applied ($credited_a invoices)");

# ---------------------------------------------------------------------------
# db b: the same close, killed half-way
# ---------------------------------------------------------------------------

my $barrier = $node->background_psql('b');
$barrier->query_safe(qq{BEGIN; SELECT reseller_id FROM reseller_billing.reseller WHERE reseller_id = $BARRIER FOR UPDATE;});

my $poll = $node->background_psql('b');
my $close = $node->background_psql('b', on_error_stop => 0);
$close->query_until(qr/close starting/, qq{
SET client_min_messages = warning;
\\echo close starting
CALL reseller_billing.close_period_batched('2012-03', NULL, $BATCH);
});

my ($done, $total) = (0, 0);
my $deadline = time + 60;
while (time < $deadline)
{
	my $row = $poll->query_safe(q{
SELECT resellers_done, resellers_total FROM reseller_billing.close_status
 WHERE program_code = 'crash_usd' AND period = '2012-03'});
	($done, $total) = split /\|/, $row if $row ne '';
	last if $done >= $KILL_AT;
	usleep(5_000);
}
note("db b: killing the server with $done of $total resellers of program 1 visited");
cmp_ok($done, '>=', $KILL_AT, "db b: the close got under way before the kill ($done resellers visited)");

# every process of the server: the postmaster and its children (they all
# run in the data directory)
my $datadir = abs_path($node->data_dir);
my @procs = server_processes($datadir);
note('server processes: ' . scalar(@procs));
$node->kill9;
kill 'KILL', @procs;
# gone, and reaped: a killed postmaster stays a zombie until its parent (init)
# reaps it, and until then pg_ctl and the new postmaster take it for alive
my $gone_by = time + 60;
usleep(50_000) while (grep { kill 0, $_ } @procs) && time < $gone_by;
is(join(',', grep { kill 0, $_ } @procs), '', 'every server process is gone');

eval { $close->quit; };
eval { $poll->quit; };
eval { $barrier->quit; };

$node->restart;
ok($node->log_contains(qr/database system was interrupted|was not properly shut down; automatic recovery in progress/),
	'the restart ran crash recovery');

# ---------------------------------------------------------------------------
# db b after the crash: whole invoices or none
# ---------------------------------------------------------------------------

my ($inv_b, $inv_b1, $inv_b2, $res_b1, $invoices_b) = split /\|/, $node->safe_psql('b', q{
SELECT count(DISTINCT reseller_id), count(*) FILTER (WHERE program_id = 1),
       count(*) FILTER (WHERE program_id = 2), count(DISTINCT reseller_id) FILTER (WHERE program_id = 1), count(*)
  FROM reseller_billing.invoice WHERE period::text = '2012-03'});
note("db b after the crash: $inv_b resellers invoiced, $invoices_b invoices ($inv_b1 in program 1, $inv_b2 in program 2)");
cmp_ok($inv_b, '>', 0, 'db b: some resellers were invoiced before the crash');
cmp_ok($inv_b, '<', $exp_resellers, 'db b: not all resellers were invoiced');
is($inv_b2, '0', 'db b: program 2 was not reached');
is($node->safe_psql('b', qq{
SELECT count(*) FROM reseller_billing.invoice WHERE program_id = 1 AND reseller_id >= $BARRIER}),
	'0', "db b: program 1 never got past the barrier (reseller $BARRIER)");

is(line_mismatches('b', 0), '',
	'db b: every invoiced reseller has its whole invoice: issued (or paid by credits), exactly the previewed lines, summing to the subtotal');
is($node->safe_psql('b', q{
SELECT count(*) FROM reseller_billing.invoice_line l
 WHERE NOT EXISTS (SELECT FROM reseller_billing.invoice i WHERE i.reseller_id = l.reseller_id AND i.invoice_id = l.invoice_id)}),
	'0', 'db b: no line without its invoice');
is($node->safe_psql('b', q{
SELECT count(*) FROM reseller_billing.invoice i
 WHERE NOT EXISTS (SELECT FROM public.expected_line e WHERE e.reseller_id = i.reseller_id AND e.currency = i.currency)}),
	'0', 'db b: no invoice for a reseller with nothing to bill');
is($node->safe_psql('b', $NUMBERS_SQL), "1|$inv_b1|t|$inv_b1\n2|0|t|0",
	'db b: the numbers issued before the crash are 1..N without gaps, and the counter is at N');
is($node->safe_psql('b', $LEDGER_SQL), '0|0|0|0',
	'db b: credits balance with their applications, no charge billed twice, no empty invoice, month not closed');
is($node->safe_psql('b', q{
SELECT finished FROM reseller_billing.close_status WHERE program_code = 'crash_usd' AND period = '2012-03'}),
	'f', 'db b: close_status shows the close unfinished');

# the invoices written before the crash are those of db a, reseller by reseller
my %a_inv = invoices_by_reseller('a');
my %b_inv = invoices_by_reseller('b');
my @diff_partial = grep { !defined $a_inv{$_} || $a_inv{$_} ne $b_inv{$_} } sort keys %b_inv;
is(scalar(@diff_partial), 0,
	'db b: each invoice written before the crash equals db a\'s for the same reseller (lines, amounts, totals, credits, dates)')
  or diag(join("\n", map { "b: $b_inv{$_}\na: " . ($a_inv{$_} // '(none)') } @diff_partial[ 0 .. ($#diff_partial < 4 ? $#diff_partial : 4) ]));

# ---------------------------------------------------------------------------
# db b: running the close again completes it
# ---------------------------------------------------------------------------

my $written_b = $node->safe_psql('b', qq{
SET client_min_messages = warning;
CALL reseller_billing.close_period_batched('2012-03', NULL, $BATCH);});
is($written_b, $exp_invoices - $invoices_b, "db b: the second CALL wrote the $written_b invoices that were missing");
is(line_mismatches('b', 1), '', 'db b: now every previewed reseller has exactly its previewed lines');
is($node->safe_psql('b', $NUMBERS_SQL), "1|$exp_p1|t|$exp_p1\n2|$exp_p2|t|$exp_p2",
	'db b: invoice numbers 1..N without gaps per program, counters at N');
is($node->safe_psql('b', $LEDGER_SQL), '0|0|0|2',
	'db b: credits balance with their applications, no charge billed twice, no empty invoice, month closed for both programs');

%b_inv = invoices_by_reseller('b');
is(scalar(keys %b_inv), scalar(keys %a_inv), 'db a and db b hold as many invoices');
my @diff_all = grep { !defined $b_inv{$_} || $a_inv{$_} ne $b_inv{$_} } sort keys %a_inv;
is(scalar(@diff_all), 0,
	'every reseller\'s invoice in db b equals db a\'s (lines, amounts, totals, credits, dates)')
  or diag(join("\n", map { "a: $a_inv{$_}\nb: " . ($b_inv{$_} // '(none)') } @diff_all[ 0 .. ($#diff_all < 4 ? $#diff_all : 4) ]));
my $totals_a = $node->safe_psql('a', $TOTALS_SQL);
my $totals_b = $node->safe_psql('b', $TOTALS_SQL);
note("grand totals (currency|invoices|subtotal|credits|total):\n$totals_a");
is($totals_b, $totals_a, 'grand totals per currency are equal');
my ($p1_total, $p2_total) = split /\|/, $node->safe_psql('a', q{
SELECT count(*) FILTER (WHERE program_id = 1), count(*) FILTER (WHERE program_id = 2) FROM reseller_billing.reseller});
my $p1_left = $p1_total - $res_b1;
is($node->safe_psql('b', q{
SELECT string_agg(format('%s %s/%s %s', program_code, resellers_done, resellers_total, finished), ', ' ORDER BY program_code)
  FROM reseller_billing.close_status WHERE period = '2012-03'}),
	"crash_eur $p2_total/$p2_total t, crash_usd $p1_left/$p1_left t",
	'db b: close_status shows both programs finished, the second close having visited the resellers left');

for my $db ('a', 'b')
{
	is($node->safe_psql($db, qq{
SET client_min_messages = warning;
CALL reseller_billing.close_period_batched('2012-03', NULL, $BATCH);}),
		'0', "db $db: a third CALL writes nothing");
}

$node->stop;
done_testing();

# ---------------------------------------------------------------------------

# pids of the processes whose working directory is the data directory: the
# postmaster and every process it started
sub server_processes
{
	my ($dir) = @_;
	my @pids;
	opendir(my $dh, '/proc') or die "cannot read /proc: $!";
	for my $pid (grep { /^\d+$/ } readdir $dh)
	{
		my $cwd = readlink("/proc/$pid/cwd");
		push @pids, $pid if defined $cwd && $cwd eq $dir;
	}
	closedir $dh;
	return @pids;
}

# reseller name => the invoice row of $INVOICES_SQL
sub invoices_by_reseller
{
	my ($db) = @_;
	my %by;
	for my $row (split /\n/, $node->safe_psql($db, $INVOICES_SQL))
	{
		my ($name, $currency, $status, $kind) = split /\|/, $row;
		$by{"$name $currency $kind"} = $row;
	}
	return %by;
}

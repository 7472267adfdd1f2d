#!/usr/bin/perl
#
# test/t/020_seat_load.pl — seat limits under load (issue 3 §4).
#
# 100 Flex subscriptions with seat cap 50, each preloaded with 40 active
# accounts.  pgbench runs 8 clients for 10 seconds; every transaction picks a
# random subscription and either adds one account (50%), adds three in one
# multi-row INSERT (10%), or ends a random active account (40%).  Adds drift
# ahead of ends, so the subscriptions sit at their caps and many adds are
# refused.
#
# PostgreSQL 15's pgbench aborts a client on any SQL error, so the script
# calls load_step(), a plpgsql helper created here, which catches only the
# cap's check_violation (SQLSTATE 23514 with the trigger's "would exceed its
# seat cap" message) and re-raises anything else.  Every transaction writes
# one row to load_event (insert-only, so the log adds no lock contention):
# 'added' / 'refused' with the accounts asked for, 'ended' or 'end_none'
# (the account picked was ended by another client first).
#
# Afterwards, recounted the slow way from the seat rows: no subscription is
# over its cap, every counter equals its real count, the event log balances
# (40 * 100 + added - ended = active accounts), adds were refused (the cap
# was really hit) and many succeeded, and pgbench reported no failed
# transaction and no aborted client.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $SUBS    = 100;
my $CAP     = 50;
my $PRELOAD = 40;

my $node = PostgreSQL::Test::Cluster->new('seat_load');
$node->init;
$node->append_conf('postgresql.conf', qq{
fsync = off
synchronous_commit = off
max_connections = 40
});
$node->start;

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (1, 'load', 'Load test program', 'USD', 'UTC', 0.20);
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family)
VALUES (1, 1, 'apps', 'Apps', 'apps');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from) VALUES
  (1, 'annual_monthly', reseller_billing.amount(50, 'USD'), '2000-01-01'),
  (1, 'flexible',       reseller_billing.amount(60, 'USD'), '2000-01-01');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
VALUES (1, 1, 'Load reseller', 'US');
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain)
VALUES (1, 1, 'Load customer', 'load.example');
});

$node->safe_psql('postgres', qq{
INSERT INTO reseller_billing.subscription
       (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT 1, i, 1, 1, 'flexible', $CAP, '2024-01-01'
  FROM generate_series(1, $SUBS) i;

-- one multi-row INSERT through the trigger: $PRELOAD accounts on each
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
SELECT 1, s, 'pre_' || s || '_' || n
  FROM generate_series(1, $SUBS) s, generate_series(1, $PRELOAD) n;

CREATE SEQUENCE public.load_user_seq;
CREATE TABLE public.load_event (
    sub     int  NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('added', 'refused', 'ended', 'end_none')),
    seats   int  NOT NULL
);

-- One pgbench transaction: op 1..50 adds one account, 51..60 adds three in
-- one statement, 61..100 ends a random active account.
CREATE FUNCTION public.load_step(p_sub int, p_op int) RETURNS text
    LANGUAGE plpgsql AS \$\$
DECLARE
    n       int := CASE WHEN p_op <= 50 THEN 1 WHEN p_op <= 60 THEN 3 ELSE 0 END;
    msg     text;
    ended   int;
BEGIN
    IF n > 0 THEN
        BEGIN
            INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
            SELECT 1, p_sub, 'u' || nextval('public.load_user_seq')
              FROM generate_series(1, n);
            INSERT INTO public.load_event VALUES (p_sub, 'added', n);
            RETURN 'added';
        EXCEPTION WHEN check_violation THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            IF msg NOT LIKE '%would exceed its seat cap%' THEN
                RAISE;                  -- not the cap: let pgbench see it
            END IF;
            INSERT INTO public.load_event VALUES (p_sub, 'refused', n);
            RETURN 'refused';
        END;
    END IF;
    -- active_from of an account committed after this transaction began can
    -- be later than now(): never end an account before it started
    UPDATE reseller_billing.seat t SET active_until = greatest(now(), t.active_from)
     WHERE t.reseller_id = 1
       AND t.seat_id = (SELECT a.seat_id FROM reseller_billing.seat a
                         WHERE a.reseller_id = 1 AND a.subscription_id = p_sub
                           AND a.active_until IS NULL
                         ORDER BY random() LIMIT 1)
       AND t.active_until IS NULL;
    GET DIAGNOSTICS ended = ROW_COUNT;
    INSERT INTO public.load_event VALUES (p_sub, CASE WHEN ended > 0 THEN 'ended' ELSE 'end_none' END, ended);
    RETURN CASE WHEN ended > 0 THEN 'ended' ELSE 'end_none' END;
END \$\$;
});

is($node->safe_psql('postgres',
		'SELECT sum(active_seats) FROM reseller_billing.subscription'),
	$SUBS * $PRELOAD, "preload: $PRELOAD accounts on each of $SUBS subscriptions");

# ---- the load ----------------------------------------------------------------
$node->pgbench(
	'-n -c 8 -j 2 -T 10',
	0,
	[
		qr{number of clients: 8},
		qr{number of transactions actually processed: [1-9]\d*},
		qr{number of failed transactions: 0 \(0\.000%\)},
	],
	[qr{^$}],
	'pgbench: 8 clients, 10 s of adds and ends, no failed transaction, no aborted client',
	{
		'020_seat_load' => qq{
\\set sub random(1, $SUBS)
\\set op random(1, 100)
SELECT public.load_step(:sub, :op);
}
	});

# ---- what happened -------------------------------------------------------------
my ($txns, $add_txns, $added, $refused_txns, $refused, $ended, $end_none) = split /\|/,
  $node->safe_psql('postgres', q{
SELECT count(*),
       count(*) FILTER (WHERE kind = 'added'),
       coalesce(sum(seats) FILTER (WHERE kind = 'added'), 0),
       count(*) FILTER (WHERE kind = 'refused'),
       coalesce(sum(seats) FILTER (WHERE kind = 'refused'), 0),
       coalesce(sum(seats) FILTER (WHERE kind = 'ended'), 0),
       count(*) FILTER (WHERE kind = 'end_none')
  FROM public.load_event});
note("transactions: $txns; add transactions committed: $add_txns ($added accounts); "
	  . "refused: $refused_txns ($refused accounts); accounts ended: $ended; "
	  . "ends that found their account already ended: $end_none");

my $full = $node->safe_psql('postgres',
	"SELECT count(*) FROM reseller_billing.subscription WHERE active_seats = seat_cap");
note("subscriptions at their cap at the end: $full of $SUBS");

# ---- the invariants, recounted from the seat rows --------------------------------
is($node->safe_psql('postgres', q{
SELECT count(*) FROM reseller_billing.subscription s
 WHERE s.active_seats > s.seat_cap
    OR (SELECT count(*) FROM reseller_billing.seat a
         WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
           AND a.active_until IS NULL) > s.seat_cap}),
	'0', 'no subscription has more active accounts than its seat cap');

is($node->safe_psql('postgres', q{
SELECT coalesce(string_agg(format('subscription %s: counter %s, real %s', s.subscription_id, s.active_seats, c.n), '; '), '')
  FROM reseller_billing.subscription s
 CROSS JOIN LATERAL (SELECT count(*) AS n FROM reseller_billing.seat a
                      WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
                        AND a.active_until IS NULL) c
 WHERE s.active_seats <> c.n}),
	'', 'every counter equals the real count of active accounts');

is($node->safe_psql('postgres', q{SELECT count(*) FROM reseller_billing.subscription WHERE seat_cap <> 50 OR status <> 'active'}),
	'0', 'caps and statuses unchanged');

is($node->safe_psql('postgres', q{
SELECT count(*) FROM reseller_billing.seat WHERE active_until IS NULL}),
	$SUBS * $PRELOAD + $added - $ended,
	'the event log balances: preloaded + added - ended = active accounts');

is($node->safe_psql('postgres', q{
SELECT count(*) FROM reseller_billing.seat WHERE user_name LIKE 'u%'}),
	$added, 'every committed add left its accounts, and no refused add left any');

cmp_ok($txns, '>=', 1000, "pgbench ran many transactions ($txns)");
cmp_ok($refused_txns, '>', 0, "adds were refused at the cap ($refused_txns transactions, $refused accounts)");
cmp_ok($add_txns, '>=', 100, "many adds succeeded ($add_txns transactions, $added accounts)");
cmp_ok($ended, '>', 0, "accounts were ended ($ended)");

$node->stop;
done_testing();

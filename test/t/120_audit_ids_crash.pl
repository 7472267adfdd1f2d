#!/usr/bin/perl
#
# test/t/120_audit_ids_crash.pl — the audit ids after a crash (issue 13;
# doc/audit.md "How it is written").
#
# A statement's audit ids are taken from the log's identity sequence in one
# step (src/audit_ids.c), WAL-logged as nextval logs them.  Statements of 1,
# 5, 40 and 1,000 rows are committed, some right after a checkpoint (the
# first ids after one must be logged again), and one more is left open;
# then the server is stopped with -m immediate (no shutdown checkpoint: the
# sequence comes back from WAL alone).  After the restart:
#   * every committed row is in the log, once, with the id it had;
#   * the ids given after the restart are all larger than every committed
#     id (as with nextval, ids of a transaction that never committed may be
#     given again: no row holds them);
#   * each statement's ids are consecutive and in row order.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('audit_ids_crash');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
CREATE TABLE public.probe (reseller_id bigint NOT NULL, id int NOT NULL, PRIMARY KEY (reseller_id, id));
SELECT reseller_billing.audit_attach('public.probe', ARRAY['reseller_id', 'id']);
});

my $next = 1;
sub insert_rows
{
	my ($n) = @_;
	my ($from, $to) = ($next, $next + $n - 1);
	$next += $n;
	$node->safe_psql('postgres',
		"INSERT INTO public.probe SELECT 1, g FROM generate_series($from, $to) g");
}

insert_rows(1000);
insert_rows(40);
$node->safe_psql('postgres', 'CHECKPOINT');
insert_rows(5);
insert_rows(1);
$node->safe_psql('postgres', 'CHECKPOINT');
insert_rows(1000);
insert_rows(40);

my $before = $node->safe_psql('postgres', q{
SELECT count(*) || ' ' || max(audit_id) || ' ' || md5(string_agg(audit_id || ':' || row_key::text, ',' ORDER BY audit_id))
  FROM reseller_billing.audit_log WHERE table_name = 'probe'});
my ($rows, $max_committed) = split / /, $before;
is($rows, '2086', '2,086 rows committed and logged');

# a statement left open: its ids are taken but never committed
my $open = $node->background_psql('postgres', on_error_stop => 1);
$open->query_safe('BEGIN');
$open->query_safe('INSERT INTO public.probe SELECT 1, g FROM generate_series(100001, 100500) g');
is($open->query_safe(qq{SELECT min(audit_id) > $max_committed FROM reseller_billing.audit_log
  WHERE table_name = 'probe' AND (row_key ->> 'id')::int > 100000}),
	't', 'the open statement took ids past the committed ones');

$node->stop('immediate');
eval { $open->quit; };
$node->start;

is($node->safe_psql('postgres', q{
SELECT count(*) || ' ' || max(audit_id) || ' ' || md5(string_agg(audit_id || ':' || row_key::text, ',' ORDER BY audit_id))
  FROM reseller_billing.audit_log WHERE table_name = 'probe'}),
	$before, 'after the crash: the committed rows, once each, with their ids; the open one is gone');

my $start_after = $node->safe_psql('postgres', 'SELECT max(audit_id) FROM reseller_billing.audit_log');
insert_rows(1000);
insert_rows(1);
insert_rows(40);
is($node->safe_psql('postgres', qq{
SELECT count(*) = 1041 AND min(audit_id) > $max_committed FROM reseller_billing.audit_log
 WHERE table_name = 'probe' AND audit_id > $start_after}),
	't', 'the ids given after the restart are past every committed id');
is($node->safe_psql('postgres', q{
SELECT count(*) = count(DISTINCT audit_id) FROM reseller_billing.audit_log}),
	't', 'no audit id is given twice');
is($node->safe_psql('postgres', q{
SELECT string_agg(n || ':' || (consecutive AND in_order)::text, ' ' ORDER BY first_id)
  FROM (SELECT count(*) AS n, min(audit_id) AS first_id,
               max(audit_id) - min(audit_id) + 1 = count(*) AS consecutive,
               bool_and(id_rank = audit_rank) AS in_order
          FROM (SELECT xact, audit_id,
                       rank() OVER (PARTITION BY xact ORDER BY (row_key ->> 'id')::int) AS id_rank,
                       rank() OVER (PARTITION BY xact ORDER BY audit_id) AS audit_rank
                  FROM reseller_billing.audit_log WHERE table_name = 'probe') r
         GROUP BY xact) s}),
	'1000:true 40:true 5:true 1:true 1000:true 40:true 1000:true 1:true 40:true',
	'each statement: its ids consecutive and in row order');

$node->stop;
done_testing();

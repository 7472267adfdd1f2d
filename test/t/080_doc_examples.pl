# test/t/080_doc_examples.pl
#
# The SQL examples of README.md and doc/*.md run as written (issue 18 §1).
# Every ```sql block of those files is run, on its own, in a fresh copy of
# a database holding the demo's data (doc/demo/*.sql, what make demo
# loads) -- or, for a block that says "-- in a new database", of one with
# the extension and nothing else, and for a block that creates the
# extension, of an empty one -- with search_path = reseller_billing, public,
# and must succeed.
#
# A block whose first line is "-- continues the example above" runs in
# the database the block before it left, with the psql variables it set
# (\gset): the examples of doc/invoicing.md are one story on its example
# data.  A block that does not run yet (below) runs in a database of its own
# and does not end the example it sits in.  The roles a block creates are
# dropped after its example, so the next example may create them again.
#
# The pg_cron examples (%on_cron below: the setup of doc/invoicing.md, the
# scheduling from the cron database, the hourly renew_due of
# doc/subscriptions.md) need pg_cron preloaded: they run, in the order of
# the docs, in the database "billing" of a second node started as
# doc/invoicing.md says (shared_preload_libraries = 'pg_cron',
# cron.database_name = 'billing', cron.use_background_workers = on: the
# node listens on a socket only), and the jobs they leave in cron.job are
# compared with what the docs say they schedule.  Without pg_cron installed
# they are TODO tests.
#
# The Citus examples do not run here: they need a coordinator with workers
# and shared_preload_libraries = 'citus', which this test's node has not.
# They are listed in %not_yet below, each with the error it stops at, as
# TODO tests: they are run and reported, and they do not fail the suite.
# What they do is run by the citus suite (test/harness/citus.sh sets up the
# coordinator and its two workers with citus_set_coordinator_host and
# citus_add_node on Unix sockets, test/citus/run.sh runs distribute() and
# checks the tables it names).  The list is exact: a listed block that is
# gone fails, so a block fixed or rewritten is taken off it.  A block is
# named by its file, its first statement line and its number of statement
# lines.
#
# A block that shows an error, as "-- ERROR 55000 message" after the
# statement (the message may end in "…", or start with "…" for a part of
# it), optionally followed by a line "-- DETAIL text" (or "-- DETAIL: text",
# "…" as in the message), runs to its end and must raise exactly the errors
# it shows, in order, with their SQLSTATEs, the shown start of their
# messages and the shown details.
#
# A shown result is a ```text block right after the ```sql block (blank
# lines between): it must be exactly what psql -q prints for the whole block
# (aligned, with headers and row counts; no command tags; NOTICEs and errors
# go elsewhere), trailing blanks aside.  Comments after a statement
# ("-- USD 40.00") are compared where they show a value (see "Inline
# comments" below), else they are notes for the reader.  Nothing that
# depends on the day may be shown: the demo's data is fixed, except the two
# trials 02_subscriptions.sql starts "today" (Sunrise Bakery, Northwind
# Traders) and the wall-clock columns (created_at, logged_at, ...).
#
# RB_DOC_OUTPUT=dir writes what psql printed for each block to
# dir/<file>.<n>.out, to write a shown result from.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this), from the repository.

use strict;
use warnings;

use Encode qw(decode encode);

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# file|first statement line (trimmed, at most 60 characters)|statement
# lines, a tab, and the error it stops at: the examples that cannot run in
# this test (Citus needs a coordinator with workers and
# shared_preload_libraries = 'citus'; the citus suite runs their steps)
my %not_yet = map { split /\t/, $_, 2 } grep { /\S/ } split /\n/, <<'NOT_YET';
README.md|CREATE EXTENSION reseller_billing;              -- Citus cre|2	distribute() needs Citus: a coordinator with its workers (the citus suite runs it)
doc/scaling.md|SELECT citus_set_coordinator_host('coord.example', 5432);|5	function citus_set_coordinator_host(unknown, integer) does not exist: a Citus coordinator's (test/harness/citus.sh runs these steps)
doc/scaling.md|SELECT kind, count(*) FROM reseller_billing.distribute() GRO|1	distribute() needs Citus: a coordinator with its workers (the citus suite runs it)
NOT_YET

# the examples that need pg_cron preloaded, run on the node $cron (below),
# in the database "billing", in the order of the docs
my @on_cron = (
	'doc/invoicing.md|CREATE EXTENSION pg_cron;|3',
	"doc/invoicing.md|SELECT cron.schedule_in_database('reseller_billing_month_end|2",
	"doc/subscriptions.md|SELECT cron.schedule('renew_due', '0 * * * *', 'SELECT resel|1");
my %on_cron = map { $_ => 1 } @on_cron;
my $cron;
my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
if (-e "$pkglibdir/pg_cron.so")
{
	$cron = PostgreSQL::Test::Cluster->new('docs_cron');
	$cron->init;
	$cron->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'billing'
cron.use_background_workers = on
});
	$cron->start;
	$cron->safe_psql('postgres', 'CREATE DATABASE billing');
}
else
{
	$not_yet{$_} = "pg_cron is not installed (Debian: postgresql-15-cron; make test installs it)" for @on_cron;
}

my $node = PostgreSQL::Test::Cluster->new('docs');
$node->init;
$node->start;
# the templates: the demo's data (make demo's scripts, doc/demo/*.sql, run
# as make demo runs them, into rb_demo); the extension alone, for a block
# that says "-- in a new database"; nothing, for a block that creates the
# extension
$node->safe_psql('postgres', 'CREATE DATABASE doc_new');
$node->safe_psql('doc_new', 'CREATE EXTENSION reseller_billing');
$node->safe_psql('postgres', 'CREATE DATABASE rb_demo');
$node->safe_psql('rb_demo', 'CREATE EXTENSION reseller_billing');
for my $f (sort glob('doc/demo/*.sql'))
{
	my ($rc, $out, $err) = $node->psql('rb_demo', slurp_file($f), on_error_stop => 1);
	is($rc, 0, "demo $f loads") or diag($err);
}

sub statement_lines
{
	my ($block) = @_;
	my @lines;
	for my $l (split /\n/, $block)
	{
		$l =~ s/^\s+|\s+$//g;
		next if $l eq '' || $l =~ /^--/ || $l =~ /^SET search_path/i;
		push @lines, $l;
	}
	return @lines;
}

# a block's name: its first statement line (60 characters, not bytes: the
# docs are UTF-8) and how many statement lines it has
sub block_key
{
	my ($block) = @_;
	my @lines = statement_lines($block);
	my $first = @lines ? encode('UTF-8', substr(decode('UTF-8', $lines[0]), 0, 60)) : '';
	return ($first, scalar @lines);
}

# a shown text ("message", "…", "… part …") matches a message: its start,
# or after a leading "…" a part of it; "…" ends what is shown
sub shown_matches
{
	my ($text, $msg) = @_;
	my @parts = map { s/^\s+|\s+$//gr } split /…/, $text, -1;
	my $want = @parts ? $parts[0] : '';
	return 1 if $want eq '' && @parts <= 1;
	return index($msg, $parts[1]) >= 0 if $want eq '';
	return 0 unless index($msg, $want) == 0;
	# more parts: each one further on in the message, in order
	my $at = length $want;
	for my $part (@parts[ 1 .. $#parts ])
	{
		next if $part eq '';
		my $k = index($msg, $part, $at);
		return 0 if $k < 0;
		$at = $k + length $part;
	}
	return 1;
}

# psql's output as compared: trailing blanks of each line and trailing empty
# lines dropped
sub normalized
{
	my ($t) = @_;
	$t =~ s/[ \t]+$//mg;
	$t =~ s/\n+\z//;
	$t =~ s/\A\n+//;
	return $t;
}

# the roles there are before the examples: a block's roles (CREATE ROLE
# crm_app ...) are dropped with its database, so the next block may create
# them again
my $roles_before = $node->safe_psql('postgres', 'SELECT string_agg(quote_literal(rolname), \',\') FROM pg_roles');
sub drop_database
{
	my ($db) = @_;
	$node->safe_psql('postgres', "DROP DATABASE $db");
	for my $role (split /\n/,
		$node->safe_psql('postgres', "SELECT quote_ident(rolname) FROM pg_roles WHERE rolname NOT IN ($roles_before)"))
	{
		$node->safe_psql('postgres', "DROP ROLE $role");
	}
}

# Inline comments.  In a block with no shown result, a one-line statement
# (SELECT, CALL, VALUES, TABLE) ending in ";" and followed by a comment is
# compared with what it printed, when it printed one row: its cells joined
# by ", " must be what the comment starts with ("-- USD 40.00", "-- 5, 6, 6",
# "-- 2 invoices written; run again: 0" for 2; or parted by " | "; t and f
# may be written true and false) -- when the comment starts like a value of
# that kind (an amount "USD 1", a number, t/f), else it is prose and not
# compared.  A block with a dollar-quoted body or COPY data gets no marks.
my $inline_compared = 0;

sub inline_marks
{
	my ($block) = @_;
	return ($block, []) if $block =~ /\$[A-Za-z_]*\$/ || $block =~ /\bFROM\s+STDIN\b/i;
	my (@out, @inline);
	my ($k, $in_statement) = (0, 0);
	for my $l (split /\n/, $block, -1)
	{
		push @out, $l;
		(my $code = $l) =~ s/\s+--.*$//;
		$code =~ s/^\s*--.*$//;
		$code =~ s/\s+$//;
		next if $code eq '';
		if ($code =~ /;$/ || $code =~ /\\g\w*(\s+\S+)?$/)
		{
			$k++;
			push @out, "\\echo '--- inline $k ---'";
			if (!$in_statement && $code =~ /^\s*(SELECT|CALL|VALUES|TABLE)\b/i && $code !~ /;.+/
				&& $l =~ /;\s+--\s*(.*?)\s*$/)
			{
				push @inline, [ $k, $1, $code ];
			}
			$in_statement = 0;
		}
		elsif ($code !~ /^\s*\\/)
		{
			$in_statement = 1;
		}
	}
	return (join("\n", @out), \@inline);
}

# undef: not compared; '': agrees; else what was printed
sub inline_verdict
{
	my ($printed, $comment) = @_;
	my @lines = grep { /\S/ } split /\n/, $printed;
	return undef unless @lines == 4 && $lines[1] =~ /^-[-+]*$/ && $lines[3] eq '(1 row)';
	my $value = join(', ', map { s/^\s+|\s+$//gr } split /\|/, $lines[2], -1);
	my $kind =
	    $value =~ /^[A-Z]{3} -?[0-9]/ ? qr/^[A-Z]{3} -?[0-9]/
	  : $value =~ /^-?[0-9]/         ? qr/^-?[0-9]/
	  : $value =~ /^[tf]$/           ? qr/^(t|f|true|false)\b/
	  :                                undef;
	return undef unless defined $kind && $comment =~ $kind;
	# psql's t and f may be written true and false, the cells parted by " | "
	my @cells = map { s/^\s+|\s+$//gr } split /\|/, $lines[2], -1;
	for my $form ($value, join(' | ', @cells), join(', ', map { $_ eq 't' ? 'true' : $_ eq 'f' ? 'false' : $_ } @cells))
	{
		return '' if $comment eq $form;
		return '' if index($comment, $form) == 0 && substr($comment, length $form, 1) !~ /[0-9A-Za-z.]/;
	}
	return $value;
}

my %seen;
my %seen_cron;
my ($n, $ran, $compared) = (0, 0, 0);
my $prev_db;
# the psql variables a block set (\gset), for the block that continues it:
# the examples' variables are lower case, psql's own upper case
my %vars;
my $vars_mark = '--- the variables ---';
for my $doc ('README.md', sort glob('doc/*.md'))
{
	my $text = slurp_file($doc);
	my $i = 0;
	drop_database($prev_db) if defined $prev_db;
	undef $prev_db;
	# a block, and the ```text block right after it (blank lines between
	# allowed): what psql prints for it
	while ($text =~ /```sql\n(.*?)```[ \t]*\n(?:[ \t]*\n)*(?:```text\n(.*?)```)?/sg)
	{
		my ($block, $result) = ($1, $2);
		$i++;
		$n++;
		my ($first, $count) = block_key($block);
		my $key = "$doc|$first|$count";
		$seen{$key} = 1;
		if ($on_cron{$key} && $cron)
		{
			# on the pg_cron node, in its cron database, after the examples
			# before it there; it does not end the example it sits in
			my ($rc, $out, $err) = $cron->psql('billing',
				"\\set VERBOSITY verbose\nSET search_path = reseller_billing, public;\n$block\n", on_error_stop => 1);
			$ran++ if $rc == 0;
			$seen_cron{$key} = 1 if $rc == 0;
			ok($rc == 0, "$doc, example $i runs as written on a server with pg_cron ($first)")
			  or diag("$err\n(its name in \@on_cron: $key)");
			next;
		}
		my $db;
		# "-- continues the example above": in the previous block's
		# database, with the psql variables it set; a block that does not run
		# yet (in %not_yet) has a database of its own and does not end the
		# example it sits in
		my $aside = exists $not_yet{$key};
		if ($block =~ /\A\s*--\s*continues the example above/i && defined $prev_db)
		{
			$db = $prev_db;
		}
		else
		{
			unless ($aside)
			{
				%vars = ();
				drop_database($prev_db) if defined $prev_db;
				undef $prev_db;
			}
			$db = "doc_$n";
			my $template =
				$block =~ /^\s*CREATE EXTENSION reseller_billing/mi ? 'template0'
			  : $block =~ /^\s*--\s*in a new database/mi ? 'doc_new'
			  :                                           'rb_demo';
			$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE $template");
		}
		my %vars_before = %vars;
		$prev_db = $db unless $aside && (!defined $prev_db || $db ne $prev_db);
		# a block that shows errors ("-- ERROR 55000 message…" after the
		# statement, and optionally "-- DETAIL text…" on the next line) runs
		# to its end, and must raise those errors, in that order, with those
		# SQLSTATEs, messages and details
		my @shown;
		for my $l (split /\n/, $block)
		{
			if ($l =~ /--\s*ERROR\s+([0-9A-Z]{5})\b\s*(.*)$/)
			{
				push @shown, [ $1, $2, undef ];
			}
			elsif ($l =~ /^\s*--\s*DETAIL:?\s+(.*)$/ && @shown && !defined $shown[-1][2])
			{
				$shown[-1][2] = $1;
			}
		}
		# a block with no shown result: a mark after each statement, so that
		# what a one-line statement printed can be compared with its inline
		# comment ("-- USD 40.00")
		my ($marked, $inline) = defined $result ? ($block, []) : inline_marks($block);
		my $script = "\\set VERBOSITY verbose\n\\pset format aligned\n\\pset tuples_only off\n"
		  . join('', map { "\\set $_ '$vars{$_}'\n" } sort keys %vars)
		  . "SET search_path = reseller_billing, public;\n$marked\n\\echo '$vars_mark'\n\\set\n";
		my ($rc, $out, $err) = $node->psql($db, $script, on_error_stop => @shown ? 0 : 1);
		if ($out =~ s/(?:\A|\n)\Q$vars_mark\E\n(.*)\z//s)
		{
			%vars = map { /^([a-z][a-z0-9_]*) = '(.*)'$/ ? ($1 => $2) : () } split /\n/, $1;
		}
		my @inline_wrong;
		if (@$inline)
		{
			my %printed;
			my $at = 0;
			for my $piece (split /^(--- inline \d+ ---)\n?/m, $out)
			{
				if ($piece =~ /^--- inline (\d+) ---$/) { $at = $1; next; }
				$printed{ $at + 1 } .= $piece;
			}
			$out =~ s/^--- inline \d+ ---\n?//mg;
			for my $m (@$inline)
			{
				my ($k, $comment, $line) = @$m;
				my $verdict = inline_verdict($printed{$k} // '', $comment);
				next unless defined $verdict;
				$inline_compared++;
				push @inline_wrong, "$line  -- $comment\n  psql printed: $verdict" if $verdict ne '';
			}
		}
		if (@shown)
		{
			my @raised;
			for my $l (split /\n/, $err)
			{
				if ($l =~ /ERROR:\s+([0-9A-Z]{5}):\s+(.*)$/)
				{
					push @raised, [ $1, $2, '' ];
				}
				elsif ($l =~ /^DETAIL:\s+(.*)$/ && @raised && $raised[-1][2] eq '')
				{
					$raised[-1][2] = $1;
				}
			}
			my $same = @raised == @shown;
			for my $k (0 .. $#shown)
			{
				last unless $same;
				my ($state, $msg, $detail) = @{ $shown[$k] };
				$same = $raised[$k][0] eq $state
				  && shown_matches($msg, $raised[$k][1])
				  && (!defined $detail || shown_matches($detail, $raised[$k][2]));
			}
			$rc = $same ? 0 : 1;
			$err = "shown: " . join('; ', map { "$_->[0] $_->[1]" . (defined $_->[2] ? " DETAIL $_->[2]" : '') } @shown)
			  . "\nraised: " . join('; ', map { "$_->[0] $_->[1] DETAIL $_->[2]" } @raised) unless $same;
		}
		# RB_DOC_OUTPUT=dir: what psql printed for each block, to write a
		# shown result from
		if ($ENV{RB_DOC_OUTPUT})
		{
			(my $file = "$ENV{RB_DOC_OUTPUT}/$doc.$i.out") =~ s{/doc/}{/doc_};
			open my $fh, '>', $file or die "$file: $!";
			print $fh normalized($out), "\n";
			close $fh;
		}
		if ($aside && (!defined $prev_db || $db ne $prev_db))
		{
			drop_database($db);
			%vars = %vars_before;
		}
		if ($rc == 0 && defined $result)
		{
			# the shown result is what psql -q prints for the block
			$compared++;
			if (normalized($out) ne normalized($result))
			{
				$rc = 1;
				$err = "psql printed:\n" . normalized($out) . "\nthe doc shows:\n" . normalized($result);
			}
		}
		if ($rc == 0 && @inline_wrong)
		{
			$rc = 1;
			$err = "an inline comment shows another value than the statement gives:\n" . join("\n", @inline_wrong);
		}
		my $name = "$doc, example $i runs as written ($first)"
		  . (defined $result ? ' and prints what the doc shows' : '');
		if (exists $not_yet{$key})
		{
		  TODO:
			{
				local $TODO = $not_yet{$key};
				ok($rc == 0, $name) or diag($err);
			}
		}
		else
		{
			$ran++ if $rc == 0;
			ok($rc == 0, $name) or diag("$err\n(its name in %not_yet: $key)");
		}
	}
}
drop_database($prev_db) if defined $prev_db;
cmp_ok($n, '>', 50, "the docs hold $n SQL examples");
is(join(', ', grep { !$seen{$_} } sort keys %not_yet), '',
	'every example listed as not running yet is still in the docs (the list is exact)');
if ($cron)
{
	is(join(', ', grep { !$seen_cron{$_} } @on_cron), '', 'every pg_cron example is in the docs and ran');
	# what the docs say they schedule: the month end daily at 00:15 (its
	# job updated in place by the schedule from the cron database, the same
	# job name), renew_due hourly, both in the billing database
	is($cron->safe_psql('billing', 'SELECT jobname, schedule, command, database FROM cron.job ORDER BY jobname'),
		"renew_due|0 * * * *|SELECT reseller_billing.renew_due()|billing\n"
		  . 'reseller_billing_month_end|15 0 * * *|CALL reseller_billing.run_due()|billing',
		'the pg_cron examples leave the jobs the docs describe');
	$cron->stop;
}
note("$inline_compared inline comments compared with the value their statement printed");
note("$ran of $n examples run as written ($compared of them compared with the result the doc shows); "
	  . scalar(keys %not_yet) . ' listed as not yet');

$node->stop;
done_testing();

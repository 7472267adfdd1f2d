#!/usr/bin/env bash
#
# src/sql/defined_twice.sh — the functions (and views) a version's SQL
# sections create more than once (issue 17: "one copy of each rule").  Within one version a
# later CREATE OR REPLACE silently wins, so an earlier copy is dead text that
# drifts; it stays only where something installed between the two needs it
# (a trigger, a view, a DROP of a released signature, a call at install
# time), listed in ALLOWED below with the reason.
#
#   bash src/sql/defined_twice.sh [VERSION]    (default 0.3.0)
#
# prints "name(argument types)  file:line file:line ..." for every function
# (name and argument types, as PostgreSQL identifies it) and "view name ..."
# for every view created more than once and not allowed, and exits 1 if there is any.  `make lint` runs it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=${1:-0.3.0}

# name(argument types) -- why the earlier copy is needed at install time
ALLOWED='
preview_invoice(bigint,billing_period) -- 05 must replace the 0.1.0 version before invoice_kind_of, which that version used, is dropped
'

mapfile -t files < <(find "$here/$version" -maxdepth 1 -name '*.sql' | LC_ALL=C sort)
perl -e '
	my %allowed = map { /^(\S+)/ ? ($1 => 1) : () } grep { /\S/ } split /\n/, shift;
	my (%where, @order);
	for my $file (@ARGV) {
		open my $fh, "<", $file or die "$file: $!";
		my @lines = <$fh>;
		close $fh;
		(my $short = $file) =~ s{.*/}{};
		for my $i (0 .. $#lines) {
			if ($lines[$i] =~ /^CREATE (?:OR REPLACE )?VIEW\s+(?:reseller_billing\.)?(\w+)/) {
				my $sig = "view $1";
				push @order, $sig unless $where{$sig};
				push @{ $where{$sig} }, "$short:" . ($i + 1);
				next;
			}
			next unless $lines[$i] =~ /^CREATE (?:OR REPLACE )?FUNCTION\s+([\w.]+)\s*\(/;
			my $name = $1;
			$name =~ s/^reseller_billing\.//;
			# the argument list: from the first "(" to its matching ")"
			my $text = join "", @lines[$i .. ($i + 30 > $#lines ? $#lines : $i + 30)];
			$text =~ s/--[^\n]*//g;
			$text = substr $text, index($text, "(") + 1;
			my ($depth, $args) = (0, "");
			for my $c (split //, $text) {
				last if $c eq ")" && $depth == 0;
				$depth++ if $c eq "(";
				$depth-- if $c eq ")";
				$args .= ($c eq "," && $depth == 0) ? "\0" : $c;
			}
			my @types;
			for my $a (split /\0/, $args) {
				$a = lc $a;
				$a =~ s/\s+(default\b|=).*//s;
				$a =~ s/^\s+|\s+$//g;
				$a =~ s/\s+/ /g;
				next if $a eq "";
				next if $a =~ /^(out)\s/;
				$a =~ s/^(in|inout|variadic)\s+//;
				my @w = split / /, $a;
				shift @w if @w > 1 && $w[0] !~ /^(timestamp|time|double|character|bit|interval)$/;
				my $t = join " ", @w;
				$t =~ s/^reseller_billing\.//;
				$t =~ s/^"?pg_catalog"?\.//;
				$t = "int" if $t =~ /^(integer|int4)$/;
				$t = "bigint" if $t eq "int8";
				$t = "timestamptz" if $t eq "timestamp with time zone";
				$t = "boolean" if $t eq "bool";
				push @types, $t;
			}
			my $sig = "$name(" . join(",", @types) . ")";
			push @order, $sig unless $where{$sig};
			push @{ $where{$sig} }, "$short:" . ($i + 1);
		}
	}
	my $bad = 0;
	for my $sig (@order) {
		next unless @{ $where{$sig} } > 1 && !$allowed{$sig};
		printf "%s  %s\n", $sig, join " ", @{ $where{$sig} };
		$bad = 1;
	}
	exit $bad;
' "$ALLOWED" "${files[@]}"

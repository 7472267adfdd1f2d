# test/t/100_documents_pdf.pl
#
# Invoices as PDF files (issue 16 §2): bin/rb-documents renders a month-end
# invoice with WeasyPrint, by id and by month, on a node of its own; each
# file is a PDF (it starts with %PDF-), pdfinfo (when installed) counts at
# least one page, and pdftotext (when installed) finds the invoice number,
# the total and the due date in it.  A customer portal's login renders
# nothing and the command says so.  Kept cheap: two renderings.
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this), from the repository.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub have { my ($cmd) = @_; return system("command -v $cmd >/dev/null 2>&1") == 0; }

plan skip_all => 'weasyprint is not installed (Debian: apt-get install weasyprint; make test installs it)'
  unless have('weasyprint');

my $node = PostgreSQL::Test::Cluster->new('docs');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE docs');
$node->safe_psql('docs', 'CREATE EXTENSION reseller_billing');

# January 2012: 10 Annual seats at USD 40.00 a year (33.34 a month) and a
# one-off charge of USD 1,234.50; net 30: due 2012-03-02
$node->safe_psql('docs', q{
SET search_path = reseller_billing, public;
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (1, 'pdf_apps', 'PDF Apps Program', 'USD', 0.20, 'UTC');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (1, 1, 'apps', 'Apps', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (1, 'annual_monthly', 'USD 50.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (7, 1, 'PDF & Partners', 'CA');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (7, 7, 'Acme <Corp>');
SET reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (7, 7, 7, 1, 'annual_monthly', 10);
RESET reseller_billing.effective_at;
SELECT add_charge(7, 7, 'Set-up', 'USD 1234.50', '2012-01-20');
SELECT close_period('2012-01', 1);
});
my $invoice = $node->safe_psql('docs', 'SELECT invoice_id FROM reseller_billing.invoice WHERE reseller_id = 7');
like($invoice, qr/^\d+$/, 'the close wrote one invoice');

my $dir  = PostgreSQL::Test::Utils::tempdir;
my $conn = $node->connstr('docs');

sub is_pdf
{
	my ($file, $what) = @_;
	ok(-s $file, "$what: $file written") or return;
	open(my $fh, '<:raw', $file) or die "$file: $!";
	read($fh, my $head, 5);
	close($fh);
	is($head, '%PDF-', "$what: the file is a PDF (%PDF- header)");
	if (have('pdfinfo'))
	{
		my $info = `pdfinfo '$file' 2>&1`;
		my ($pages) = $info =~ /^Pages:\s+(\d+)/m;
		ok(defined $pages && $pages >= 1, "$what: pdfinfo counts at least one page")
		  or diag($info);
	}
	if (have('pdftotext'))
	{
		my $text = `pdftotext -layout '$file' - 2>&1`;
		like($text, qr/Invoice number/, "$what: the invoice number's label is in the text");
		like($text, qr/Invoice 1 of PDF Apps Program for 2012-01/, "$what: the invoice number, in the footer");
		like($text, qr/Amount due\s+USD 1,267\.84/, "$what: the amount due, in the currency's format");
		like($text, qr/Due date\s+2012-03-02/, "$what: the due date");
		like($text, qr/Acme <Corp>/, "$what: the customer's name, as written (escaped in the HTML)");
	}
}

# by id
my ($out, $err);
my $ok = IPC::Run::run([ 'bin/rb-documents', '-d', $conn, '-o', "$dir/by_id", $invoice ], '>', \$out, '2>', \$err);
ok($ok, 'rb-documents by id exits 0') or diag($err);
is($out, "$dir/by_id/invoice-pdf_apps-1.pdf\n", 'it prints the file it wrote');
is_pdf("$dir/by_id/invoice-pdf_apps-1.pdf", 'by id');

# by month, on Letter paper
$ok = IPC::Run::run([ 'bin/rb-documents', '-d', $conn, '-o', "$dir/month", '--month', '2012-01', '-p', 'Letter' ],
	'>', \$out, '2>', \$err);
ok($ok, 'rb-documents --month exits 0') or diag($err);
like($err, qr/1 PDF file\(s\) written/, 'it says how many files it wrote');
ok(-s "$dir/month/invoice-pdf_apps-1.pdf", 'by month: the month\'s invoice written');
if (have('pdfinfo'))
{
	like(`pdfinfo '$dir/month/invoice-pdf_apps-1.pdf'`, qr/\(letter\)/, 'by month: on Letter paper');
}

# a customer portal may render nothing: the function refuses (42501), the
# command fails and writes no PDF
$node->safe_psql('docs', q{
CREATE ROLE portal LOGIN IN ROLE reseller_billing_customer;
SELECT reseller_billing.bind_login('portal', 7, 7);
});
$ok = IPC::Run::run([ 'bin/rb-documents', '-d', "$conn user=portal", '-o', "$dir/portal", $invoice ],
	'>', \$out, '2>', \$err);
ok(!$ok, 'a customer portal\'s login: rb-documents fails');
like($err, qr/permission denied for function invoice_document/, 'it reports the refusal');
ok(!-e "$dir/portal/invoice-$invoice.pdf" && !-e "$dir/portal/invoice-pdf_apps-1.pdf", 'no PDF written for it');

$node->stop;
done_testing();

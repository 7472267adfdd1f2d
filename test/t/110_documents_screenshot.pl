# test/t/110_documents_screenshot.pl
#
# An invoice document as a browser draws it (issue 16): invoice_document()'s
# HTML written to a file, a headless Chromium screenshot of it taken at a
# fixed window size, and the PNG decoded here (Compress::Zlib, no image
# library) to check that it has the window's size and is not blank: a fair
# share of its pixels is not white (the text, the rules, the bold totals),
# and not the whole page either.  Chromium comes from the Debian package
# `chromium`, which make test installs (test/harness/lib.sh,
# ensure_optional_packages); the test skips only when it is not installed,
# saying why (.work/logs/optional-packages.log).
#
# Run as the postgres OS user with PERL5LIB pointing at PostgreSQL's
# src/test/perl (test/harness/run-tests.sh does this), from the repository.

use strict;
use warnings;

use Compress::Zlib qw(uncompress);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($chromium) = grep { system("command -v $_ >/dev/null 2>&1") == 0 } qw(chromium chromium-browser);
if (!defined $chromium)
{
	my $why = '';
	if (open(my $fh, '<', '.work/logs/optional-packages.log'))
	{
		local $/;
		($why) = (<$fh> // '') =~ /^(not installed: .*)$/m;
		close($fh);
	}
	plan skip_all => 'chromium is not installed (Debian: apt-get install chromium; make test installs it as root)'
	  . ($why ? ": $why" : '');
}

my ($width, $height) = (900, 1200);

my $node = PostgreSQL::Test::Cluster->new('shot');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE shot');
$node->safe_psql('shot', 'CREATE EXTENSION reseller_billing');

# January 2012: 10 Annual seats at USD 40.00 a year and a one-off charge
$node->safe_psql('shot', q{
SET search_path = reseller_billing, public;
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (1, 'shot_apps', 'Screenshot Apps Program', 'USD', 0.20, 'UTC');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (1, 1, 'apps', 'Apps', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (1, 'annual_monthly', 'USD 50.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (7, 1, 'Shot & Partners', 'CA');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (7, 7, 'Acme <Corp>');
SET reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (7, 7, 7, 1, 'annual_monthly', 10);
RESET reseller_billing.effective_at;
SELECT add_charge(7, 7, 'Set-up', 'USD 1234.50', '2012-01-20');
SELECT close_period('2012-01', 1);
});
my $html = $node->safe_psql('shot',
	'SELECT reseller_billing.invoice_document(invoice_id) FROM reseller_billing.invoice WHERE reseller_id = 7');
like($html, qr/^<!DOCTYPE html>/, 'invoice_document returned an HTML document');

my $dir = PostgreSQL::Test::Utils::tempdir;
open(my $out, '>:raw', "$dir/invoice.html") or die "$dir/invoice.html: $!";
print $out $html, "\n";
close($out);

# --no-sandbox: as root (and in most containers) Chromium's sandbox cannot start
my @cmd = (
	$chromium, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
	'--no-first-run', '--disable-extensions', '--force-device-scale-factor=1',
	"--user-data-dir=$dir/profile", "--window-size=$width,$height",
	"--screenshot=$dir/invoice.png", "file://$dir/invoice.html");
my ($stdout, $stderr) = ('', '');
my $ok = eval {
	IPC::Run::run(\@cmd, '<', \undef, '>', \$stdout, '2>', \$stderr, IPC::Run::timeout(180));
};
ok($ok && -s "$dir/invoice.png", 'chromium took the screenshot') or diag("$@\n$stderr");

my $png = '';
if (open(my $fh, '<:raw', "$dir/invoice.png"))
{
	local $/;
	$png = <$fh>;
	close($fh);
}
is(substr($png, 0, 8), "\x89PNG\r\n\x1a\n", 'the file is a PNG');

# the PNG's chunks: IHDR (size, depth, colour type), IDAT (the zlib stream)
my ($w, $h, $depth, $ctype, $interlace, $idat) = (0, 0, 0, 0, 0, '');
my $pos = 8;
while ($pos + 8 <= length($png))
{
	my ($len, $type) = unpack('N a4', substr($png, $pos, 8));
	my $data = substr($png, $pos + 8, $len);
	if ($type eq 'IHDR')
	{
		($w, $h, $depth, $ctype, undef, undef, $interlace) = unpack('N N C C C C C', $data);
	}
	$idat .= $data if $type eq 'IDAT';
	last if $type eq 'IEND';
	$pos += 12 + $len;
}
is("${w}x$h", "${width}x$height", 'the screenshot has the window\'s size');
my %channels = (0 => 1, 2 => 3, 4 => 2, 6 => 4);
ok($depth == 8 && exists $channels{$ctype} && !$interlace, "8-bit, not interlaced (depth $depth, colour type $ctype)")
  or do { $node->stop; done_testing(); exit 0; };

# undo the row filters (PNG spec, section 9) and count the pixels that are
# not white (a channel below 0xf0; alpha ignored)
my $raw = uncompress($idat);
ok(defined $raw && length($raw) == $h * (1 + $w * $channels{$ctype}), 'the image data decompresses to its size');
my $bpp = $channels{$ctype};
my $colour = $ctype == 4 ? 1 : $ctype == 6 ? 3 : $bpp;
my $stride = $w * $bpp;
my @prev = (0) x $stride;
my ($ink, $total) = (0, $w * $h);
for my $y (0 .. $h - 1)
{
	my $filter = ord(substr($raw, $y * ($stride + 1), 1));
	my @cur = unpack('C*', substr($raw, $y * ($stride + 1) + 1, $stride));
	for my $i (0 .. $stride - 1)
	{
		my $a = $i >= $bpp ? $cur[ $i - $bpp ] : 0;
		my $b = $prev[$i];
		my $c = $i >= $bpp ? $prev[ $i - $bpp ] : 0;
		if ($filter == 1) { $cur[$i] = ($cur[$i] + $a) & 0xff; }
		elsif ($filter == 2) { $cur[$i] = ($cur[$i] + $b) & 0xff; }
		elsif ($filter == 3) { $cur[$i] = ($cur[$i] + (($a + $b) >> 1)) & 0xff; }
		elsif ($filter == 4)
		{
			my $p  = $a + $b - $c;
			my $pa = abs($p - $a);
			my $pb = abs($p - $b);
			my $pc = abs($p - $c);
			$cur[$i] = ($cur[$i] + ($pa <= $pb && $pa <= $pc ? $a : $pb <= $pc ? $b : $c)) & 0xff;
		}
	}
	for (my $x = 0; $x < $stride; $x += $bpp)
	{
		for my $k (0 .. $colour - 1)
		{
			if ($cur[ $x + $k ] < 0xf0) { $ink++; last; }
		}
	}
	@prev = @cur;
}
my $share = $ink / $total;
note(sprintf('%d of %d pixels are not white (%.2f%%)', $ink, $total, 100 * $share));
cmp_ok($share, '>', 0.01, 'the invoice is drawn: more than 1% of the pixels are not white');
cmp_ok($share, '<', 0.5, 'and it is a page, not a dark or failed rendering: less than half are');

$node->stop;
done_testing();

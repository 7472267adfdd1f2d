-- ========================================================================
-- invoice and statement documents (issue 16 §1; doc/documents.md)
-- ========================================================================
--
-- Each function returns one complete, self-contained HTML document: inline
-- CSS, an @page rule for A4 or US Letter, no link to anything outside it
-- (no fonts, images or scripts), every text value escaped.  They run as the
-- caller (SECURITY INVOKER), so row-level security decides what a caller
-- renders: a reseller application its own documents, another reseller's id
-- "does not exist" (P0002); the customer role may execute none of them
-- (42501): every document shows prices.  Amounts are amount_format()ted
-- (src/amount_format.c: the ISO 4217 minor unit, fixed grouping, never the
-- locale), dates are ISO (YYYY-MM-DD), whatever DateStyle says.  The
-- rendering only reads: money stays amounts (+, -, larger), no value().

CREATE FUNCTION reseller_billing.amount_format(reseller_billing.amount) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_format';
COMMENT ON FUNCTION reseller_billing.amount_format(reseller_billing.amount) IS
    'an amount for a document: the ISO 4217 minor-unit digits (more only when the value has them), integer digits grouped by three with a comma, a point before the fraction, never the locale: USD 1,234.50, JPY 1,000';

CREATE FUNCTION reseller_billing.html_escape(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT coalesce(replace(replace(replace(replace(replace(p_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                                    '"', '&quot;'), '''', '&#39;'), '')
$$;
COMMENT ON FUNCTION reseller_billing.html_escape(text) IS
    'text made safe for HTML content and attribute values: & < > " and '' as entities; NULL is the empty string';

-- helpers (internal) ------------------------------------------------------

-- document_check: the id and paper arguments of a document function
CREATE FUNCTION reseller_billing.document_check(p_id bigint, p_what text, p_paper text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_id IS NULL THEN
        RAISE EXCEPTION 'the % id of the document is missing', p_what
            USING ERRCODE = 'null_value_not_allowed', DETAIL = format('The %s id was NULL.', p_what);
    END IF;
    IF p_paper IS NULL THEN
        RAISE EXCEPTION 'the paper size of the % document is missing', p_what
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Give A4 or Letter.';
    END IF;
    IF p_paper NOT IN ('A4', 'Letter') THEN
        RAISE EXCEPTION 'unknown paper size for the % document', p_what
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The paper must be A4 or Letter; %s was given.', p_paper);
    END IF;
END;
$$;
COMMENT ON FUNCTION reseller_billing.document_check(bigint, text, text) IS
    'refuses a NULL document id (22004) and a paper size other than A4 or Letter (22004 for NULL, 22023); internal';

CREATE FUNCTION reseller_billing.document_not_found(p_id bigint, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% % does not exist', p_what, p_id
        USING ERRCODE = 'no_data_found',
              HINT = 'A reseller application sees only the documents of the reseller its setting reseller_billing.reseller_id names.';
END;
$$;
COMMENT ON FUNCTION reseller_billing.document_not_found(bigint, text) IS
    'raises "<what> <id> does not exist" (P0002): an unknown id, or one row-level security hides; internal';

CREATE FUNCTION reseller_billing.document_date(p_day date) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT to_char(p_day, 'YYYY-MM-DD')
$$;
COMMENT ON FUNCTION reseller_billing.document_date(date) IS
    'a date on a document: YYYY-MM-DD whatever DateStyle is; internal';

-- the days of a range as "first – last" (the range's upper bound is exclusive)
CREATE FUNCTION reseller_billing.document_days(p_days daterange) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE WHEN p_days IS NULL THEN NULL
                WHEN isempty(p_days) THEN ''
                WHEN upper(p_days) - 1 = lower(p_days) THEN reseller_billing.document_date(lower(p_days))
                ELSE reseller_billing.document_date(lower(p_days)) || U&'\00A0– ' || reseller_billing.document_date(upper(p_days) - 1) END
$$;
COMMENT ON FUNCTION reseller_billing.document_days(daterange) IS
    'the days of a range on a document: "2012-03-01 – 2012-03-31", a no-break space before the dash (the upper bound is exclusive), NULL for NULL; internal';

CREATE FUNCTION reseller_billing.document_terms(p_terms jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE p_terms ->> 'rule'
               WHEN 'net' THEN format('Net %s days', p_terms ->> 'days')
               WHEN 'end_of_following_month' THEN 'Due at the end of the month after the month billed'
           END
$$;
COMMENT ON FUNCTION reseller_billing.document_terms(jsonb) IS
    'payment terms in words: "Net 30 days", "Due at the end of the month after the month billed"; internal';

CREATE FUNCTION reseller_billing.document_money(p_amount reseller_billing.amount) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE WHEN p_amount IS NULL THEN '' ELSE reseller_billing.html_escape(reseller_billing.amount_format(p_amount)) END
$$;
COMMENT ON FUNCTION reseller_billing.document_money(reseller_billing.amount) IS
    'an amount as escaped HTML text (amount_format), empty for NULL; internal';

-- a party's block: a heading and lines of text (the first one is the name)
CREATE FUNCTION reseller_billing.document_party(p_class text, p_heading text, p_lines text[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT format(E'<div class="party %s">\n<h2>%s</h2>\n<p>%s</p>\n</div>\n',
                  reseller_billing.html_escape(p_class), reseller_billing.html_escape(p_heading),
                  coalesce((SELECT string_agg(CASE WHEN n = 1 THEN '<strong>' || reseller_billing.html_escape(l) || '</strong>'
                                                   ELSE reseller_billing.html_escape(l) END, E'<br>\n' ORDER BY n)
                              FROM unnest(p_lines) WITH ORDINALITY AS u(l, n)
                             WHERE l IS NOT NULL AND l <> ''), ''))
$$;
COMMENT ON FUNCTION reseller_billing.document_party(text, text, text[]) IS
    'the block of one party of a document (seller, bill-to, ship-to): a heading and escaped lines, the first in bold; internal';

-- a reseller as a party: name, address, id (its row, or only its id when
-- row-level security hides it: a provider and its resellers see each
-- other's ids, not their rows)
CREATE FUNCTION reseller_billing.document_reseller(p_id bigint, p_name text, p_city text, p_county text,
                                                   p_region text, p_country text) RETURNS text[]
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT ARRAY[coalesce(p_name, 'Reseller ' || p_id),
                 nullif(concat_ws(', ', p_city, p_county, p_region), ''),
                 p_country,
                 'Reseller id ' || p_id]
$$;
COMMENT ON FUNCTION reseller_billing.document_reseller(bigint, text, text, text, text, text) IS
    'the lines of a reseller''s party block: name, city/county/region, country, id; internal';

-- the meta table: label/value rows, rows whose value is NULL left out
CREATE FUNCTION reseller_billing.document_meta(p_labels text[], p_values text[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT E'<table class="meta">\n'
           || coalesce(string_agg(format(E'<tr><th>%s</th><td>%s</td></tr>\n', reseller_billing.html_escape(l),
                                         reseller_billing.html_escape(v)), '' ORDER BY n), '')
           || E'</table>\n'
      FROM unnest(p_labels, p_values) WITH ORDINALITY AS u(l, v, n)
     WHERE v IS NOT NULL
$$;
COMMENT ON FUNCTION reseller_billing.document_meta(text[], text[]) IS
    'the table of a document''s number, dates and terms: escaped label/value rows, NULL values left out; internal';

-- a totals row: label, amount (already formatted HTML), a class
CREATE FUNCTION reseller_billing.document_total(p_label text, p_amount reseller_billing.amount, p_class text DEFAULT NULL)
    RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT format(E'<tr%s><th>%s</th><td class="num">%s</td></tr>\n',
                  CASE WHEN p_class IS NULL THEN '' ELSE ' class="' || reseller_billing.html_escape(p_class) || '"' END,
                  reseller_billing.html_escape(p_label), reseller_billing.document_money(p_amount))
$$;
COMMENT ON FUNCTION reseller_billing.document_total(text, reseller_billing.amount, text) IS
    'one row of a document''s totals table; internal';

CREATE FUNCTION reseller_billing.document_style(p_paper text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT format($css$
@page { size: %s; margin: 16mm 14mm 18mm 14mm; @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; } }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; font-size: 9.5pt; color: #111; }
body { margin: 0; }
.document { max-width: 190mm; margin: 0 auto; }
header { border-bottom: 2px solid #222; padding-bottom: 4mm; margin-bottom: 5mm; }
header::after { content: ""; display: block; clear: both; }
header > div { float: left; width: 45%%; }
header > table.meta { float: right; }
h1 { font-size: 18pt; margin: 0 0 2mm 0; letter-spacing: 0.5pt; }
h2 { font-size: 9pt; text-transform: uppercase; color: #555; margin: 0 0 1.5mm 0; }
h3 { font-size: 10pt; margin: 6mm 0 2mm 0; }
.status { display: inline-block; border: 1.5pt solid #a00; color: #a00; padding: 0.5mm 2mm; font-weight: bold; text-transform: uppercase; }
table { border-collapse: collapse; }
table.meta th { text-align: left; font-weight: normal; color: #555; padding: 0.5mm 4mm 0.5mm 0; }
table.meta td { padding: 0.5mm 0; font-weight: bold; }
.parties { display: table; width: 100%%; table-layout: fixed; margin-bottom: 6mm; }
.party { display: table-cell; vertical-align: top; padding-right: 6mm; }
.party p { margin: 0; line-height: 1.4; }
table.lines { width: 100%%; margin-top: 2mm; }
table.lines th { text-align: left; border-bottom: 1px solid #222; padding: 1.5mm 1.5mm; font-size: 8.5pt; }
table.lines td { border-bottom: 0.5px solid #bbb; padding: 1.5mm 1.5mm; vertical-align: top; }
table.lines tr { page-break-inside: avoid; }
table.items td { font-size: 8.5pt; }
table.items td:nth-child(2) { width: 18%%; }
table.items td:nth-child(3) { width: 34%%; }
table.tax-lines td:nth-child(2) { width: 75%%; }
.num { text-align: right; white-space: nowrap; }
table.totals { margin: 4mm 0 0 auto; min-width: 80mm; }
table.totals th { text-align: left; font-weight: normal; padding: 1mm 4mm 1mm 0; }
table.totals td { padding: 1mm 0; }
table.totals tr.grand th, table.totals tr.grand td { font-weight: bold; border-top: 1px solid #222; }
table.totals tr.due th, table.totals tr.due td { font-weight: bold; font-size: 11pt; border-top: 2px solid #222; }
.note { color: #333; margin: 2mm 0; }
footer { margin-top: 8mm; border-top: 0.5px solid #bbb; padding-top: 2mm; font-size: 8pt; color: #555; }
$css$, CASE p_paper WHEN 'Letter' THEN 'letter' ELSE 'A4' END)
$$;
COMMENT ON FUNCTION reseller_billing.document_style(text) IS
    'the inline CSS of every document, for A4 or Letter paper; internal';

CREATE FUNCTION reseller_billing.document_page(p_kind text, p_title text, p_paper text, p_body text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT E'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>'
           || reseller_billing.html_escape(p_title) || E'</title>\n<style>'
           || reseller_billing.document_style(p_paper)
           || E'</style>\n</head>\n<body>\n<main class="document ' || reseller_billing.html_escape(p_kind) || E'">\n'
           || p_body || E'</main>\n</body>\n</html>\n'
$$;
COMMENT ON FUNCTION reseller_billing.document_page(text, text, text, text) IS
    'a complete HTML document around a body: doctype, UTF-8, title, the inline CSS; internal';

-- the tax section of a bill: its tax lines, the jurisdictions of the taxed
-- party's address on the tax day and why they apply or not (exemption)
CREATE FUNCTION reseller_billing.document_tax(p_reseller bigint, p_visible bool, p_on date, p_lines text,
                                              p_tax reseller_billing.amount) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       record;
    juris   text;
    note    text;
BEGIN
    IF p_visible THEN
        SELECT * INTO t FROM reseller_billing.sales_tax_rate(p_reseller, p_on);
        SELECT string_agg(format(E'<tr><td>%s</td><td>%s</td><td class="num">%s%%</td></tr>\n',
                                 reseller_billing.html_escape(j.kind), reseller_billing.html_escape(j.jurisdiction),
                                 reseller_billing.html_escape(trim_scale(j.rate * 100)::text)), '')
          INTO juris
          FROM reseller_billing.sales_tax_jurisdictions(p_reseller, p_on) j;
        note := CASE t.reason
                    WHEN 'exempt' THEN format('Exempt from %s sales tax on %s: exemption certificate %s on file.',
                                              t.state, reseller_billing.document_date(p_on), t.certificate_number)
                    WHEN 'taxable' THEN format('US sales tax of %s at the rates valid on %s.',
                                               t.state, reseller_billing.document_date(p_on))
                    WHEN 'no_rate' THEN format('No sales tax rate of %s is valid on %s.', t.state, reseller_billing.document_date(p_on))
                    WHEN 'outside_us' THEN 'No US sales tax: the bill-to party is outside the United States.'
                    WHEN 'no_state' THEN 'No US sales tax: no state is on file for the bill-to party.'
                END;
    END IF;
    RETURN E'<section class="tax">\n<h3>Tax</h3>\n'
        || CASE WHEN note IS NULL THEN '' ELSE '<p class="note">' || reseller_billing.html_escape(note) || E'</p>\n' END
        || CASE WHEN coalesce(juris, '') = '' THEN ''
                ELSE E'<table class="lines jurisdictions">\n<thead><tr><th>Kind</th><th>Jurisdiction</th><th class="num">Rate</th></tr></thead>\n<tbody>\n'
                     || juris || E'</tbody>\n</table>\n' END
        || CASE WHEN coalesce(p_lines, '') = '' THEN ''
                ELSE E'<table class="lines tax-lines">\n<thead><tr><th>#</th><th>Tax</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
                     || p_lines || E'</tbody>\n</table>\n' END
        || E'<table class="totals">\n' || reseller_billing.document_total('Total tax', p_tax) || E'</table>\n'
        || E'</section>\n';
END;
$$;
COMMENT ON FUNCTION reseller_billing.document_tax(bigint, bool, date, text, reseller_billing.amount) IS
    'the tax section of a document: the exemption or taxability note and the jurisdictions with their rates on the tax day (sales_tax_rate, sales_tax_jurisdictions), the tax lines, the total tax; internal';

-- ---------------------------------------------------------------------------
-- invoice_document: a month-end invoice (the vendor's invoice to a direct
-- reseller or a provider; a migration month's prepaid invoice)
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.invoice_document(p_invoice bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    i       reseller_billing.invoice;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    zero    reseller_billing.amount;
    due     reseller_billing.amount;
    title   text;
    lines   text;
    taxl    text;
    notes   text;
    pays    text;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_invoice, 'invoice', p_paper);
    SELECT * INTO i FROM reseller_billing.invoice WHERE invoice_id = p_invoice;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_invoice, 'invoice');
    END IF;
    IF i.status = 'draft' THEN
        RAISE EXCEPTION 'invoice % is a draft', p_invoice
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only an issued, paid or void invoice has a number and dates to print.';
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = i.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = i.program_id;
    zero := reseller_billing.amount(0, i.currency);
    due := CASE WHEN i.status = 'void' THEN zero
                ELSE reseller_billing.larger(i.total - i.credited - i.paid, zero) END;
    title := CASE i.kind WHEN 'prepaid' THEN 'Prepaid invoice' ELSE 'Invoice' END;

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(c.name), reseller_billing.html_escape(l.description),
                             reseller_billing.html_escape(coalesce(reseller_billing.document_days(l.service), l.service_period::text)),
                             reseller_billing.html_escape(trim_scale(l.quantity)::text),
                             reseller_billing.document_money(l.unit_price),
                             reseller_billing.document_money(ca.applied),
                             reseller_billing.document_money(l.amount)), '' ORDER BY l.line_no)
      INTO lines
      FROM reseller_billing.invoice_line l
      -- a provider's invoice bills its indirect resellers' customers (end_reseller_id)
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = coalesce(l.end_reseller_id, l.reseller_id)
                                           AND c.customer_id = l.customer_id
      LEFT JOIN LATERAL (SELECT reseller_billing.sum(a.amount) AS applied
                           FROM reseller_billing.credit_application a
                          WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id AND a.line_no = l.line_no) ca ON true
     WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id
       AND l.kind NOT IN ('sales_tax', 'prepaid_sales_tax');

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(l.description), reseller_billing.document_money(l.amount)),
                      '' ORDER BY l.line_no)
      INTO taxl
      FROM reseller_billing.invoice_line l
     WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id
       AND l.kind IN ('sales_tax', 'prepaid_sales_tax');

    SELECT string_agg(format(E'<tr><td>%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             reseller_billing.document_date((n.issued_at AT TIME ZONE pg.time_zone)::date),
                             reseller_billing.html_escape(n.reason), reseller_billing.document_money(n.amount)),
                      '' ORDER BY n.issued_at, n.credit_note_id)
      INTO notes
      FROM reseller_billing.credit_note n
     WHERE n.reseller_id = i.reseller_id AND n.invoice_id = i.invoice_id;

    SELECT string_agg(format(E'<tr><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             reseller_billing.document_date(p.received_on), reseller_billing.html_escape(replace(p.method, '_', ' ')),
                             reseller_billing.html_escape(p.reference), reseller_billing.document_money(a.amount)),
                      '' ORDER BY p.received_on, p.reference)
      INTO pays
      FROM reseller_billing.payment_allocation a
      JOIN reseller_billing.payment p ON p.reseller_id = a.reseller_id AND p.payment_id = a.payment_id
     WHERE a.reseller_id = i.reseller_id AND a.invoice_id = i.invoice_id;

    body := E'<header>\n<div>\n<h1>' || reseller_billing.html_escape(title) || E'</h1>\n'
        || CASE i.status WHEN 'void' THEN '<p class="status">Void: ' || reseller_billing.html_escape(i.void_reason) || E'</p>\n'
                         WHEN 'paid' THEN E'<p class="status">Paid</p>\n' ELSE '' END
        || E'</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Invoice number', 'Invoice date', 'Billing period', 'Due date', 'Payment terms', 'Currency'],
               ARRAY[i.invoice_number::text, reseller_billing.document_date(i.issued_on),
                     reseller_billing.document_days(i.period::daterange), reseller_billing.document_date(i.due_on),
                     reseller_billing.document_terms(reseller_billing.payment_terms(i.reseller_id)),
                     format('%s (%s decimals)', i.currency, coalesce(reseller_billing.minor_unit(i.currency)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller', ARRAY[pg.name, 'Reseller program ' || pg.code])
        || reseller_billing.document_party('bill-to', 'Bill to',
               reseller_billing.document_reseller(i.reseller_id, r.name, r.city, r.county, r.region, r.country))
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">#</th><th>Customer</th><th>Description</th><th>Service period</th><th class="num">Quantity</th><th class="num">Unit price (a year)</th><th class="num">Credit</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
        || coalesce(lines, '') || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Subtotal', i.subtotal)
        || reseller_billing.document_total('Credits applied', - i.credits_applied)
        || reseller_billing.document_total('Tax', i.tax)
        || reseller_billing.document_total('Total', i.total, 'grand')
        || reseller_billing.document_total('Credit notes', - i.credited)
        || reseller_billing.document_total('Paid', - i.paid)
        || reseller_billing.document_total('Amount due', due, 'due')
        || E'</table>\n'
        || reseller_billing.document_tax(i.reseller_id, r.reseller_id IS NOT NULL, reseller_billing.period_end(i.period) - 1, taxl, i.tax)
        || CASE WHEN notes IS NULL THEN '' ELSE
               E'<section class="credit-notes">\n<h3>Credit notes</h3>\n<table class="lines">\n<thead><tr><th>Date</th><th>Reason</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
               || notes || E'</tbody>\n</table>\n</section>\n' END
        || CASE WHEN pays IS NULL THEN '' ELSE
               E'<section class="payments">\n<h3>Payments</h3>\n<table class="lines">\n<thead><tr><th>Received</th><th>Method</th><th>Reference</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
               || pays || E'</tbody>\n</table>\n</section>\n' END
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('%s %s of %s for %s. Amounts in %s. Please quote the invoice number with your payment.',
                   title, i.invoice_number, pg.name, i.period, i.currency)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('invoice', format('%s %s', title, i.invoice_number), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.invoice_document(bigint, text) IS
    'the month-end invoice as a self-contained HTML document (A4 or Letter): seller, bill-to, number, dates, terms, lines, credits, tax by jurisdiction, totals, credit notes, payments, amount due; P0002 unknown or not visible, 55000 a draft';

-- ---------------------------------------------------------------------------
-- channel_invoice_document: a provider's invoice to an indirect reseller
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.channel_invoice_document(p_invoice bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    ci      reseller_billing.channel_invoice;
    r       reseller_billing.reseller;
    pv      reseller_billing.reseller;
    pg      reseller_billing.program;
    due     reseller_billing.amount;
    lines   text;
    taxl    text;
    notes   text;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_invoice, 'channel invoice', p_paper);
    SELECT * INTO ci FROM reseller_billing.channel_invoice WHERE channel_invoice_id = p_invoice;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_invoice, 'channel invoice');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = ci.reseller_id;
    SELECT * INTO pv FROM reseller_billing.reseller WHERE reseller_id = ci.provider_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = ci.program_id;
    due := reseller_billing.larger(ci.total - ci.credited, reseller_billing.amount(0, ci.currency));

    -- the provider's prices only: the wholesale side is the vendor's and the provider's business
    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(c.name), reseller_billing.html_escape(l.description),
                             reseller_billing.html_escape(coalesce(reseller_billing.document_days(l.service), l.service_period::text)),
                             reseller_billing.html_escape(trim_scale(l.quantity)::text),
                             reseller_billing.document_money(l.unit_price),
                             reseller_billing.document_money(ca.applied),
                             reseller_billing.document_money(l.amount)), '' ORDER BY l.line_no)
      INTO lines
      FROM reseller_billing.channel_invoice_line l
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = l.reseller_id AND c.customer_id = l.customer_id
      LEFT JOIN LATERAL (SELECT reseller_billing.sum(a.amount) AS applied
                           FROM reseller_billing.channel_credit_application a
                          WHERE a.reseller_id = l.reseller_id AND a.channel_invoice_id = l.channel_invoice_id
                            AND a.line_no = l.line_no) ca ON true
     WHERE l.reseller_id = ci.reseller_id AND l.channel_invoice_id = ci.channel_invoice_id
       AND l.kind NOT IN ('sales_tax', 'prepaid_sales_tax');

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(l.description), reseller_billing.document_money(l.amount)),
                      '' ORDER BY l.line_no)
      INTO taxl
      FROM reseller_billing.channel_invoice_line l
     WHERE l.reseller_id = ci.reseller_id AND l.channel_invoice_id = ci.channel_invoice_id
       AND l.kind IN ('sales_tax', 'prepaid_sales_tax');

    SELECT string_agg(format(E'<tr><td>%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             reseller_billing.document_date((n.issued_at AT TIME ZONE pg.time_zone)::date),
                             reseller_billing.html_escape(n.reason), reseller_billing.document_money(n.amount)),
                      '' ORDER BY n.issued_at, n.channel_credit_note_id)
      INTO notes
      FROM reseller_billing.channel_credit_note n
     WHERE n.reseller_id = ci.reseller_id AND n.channel_invoice_id = ci.channel_invoice_id;

    body := E'<header>\n<div>\n<h1>Invoice</h1>\n<p class="note">Two-tier: issued by the provider to its indirect reseller</p>\n</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Invoice number', 'Invoice date', 'Billing period', 'Due date', 'Payment terms', 'Currency'],
               ARRAY[ci.invoice_number::text, reseller_billing.document_date(ci.issued_on),
                     reseller_billing.document_days(ci.period::daterange), reseller_billing.document_date(ci.due_on),
                     CASE WHEN r.reseller_id IS NOT NULL
                          THEN reseller_billing.document_terms(reseller_billing.payment_terms(ci.reseller_id)) END,
                     format('%s (%s decimals)', ci.currency, coalesce(reseller_billing.minor_unit(ci.currency)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller (provider)',
               reseller_billing.document_reseller(ci.provider_id, pv.name, pv.city, pv.county, pv.region, pv.country)
               || ('Provider in ' || pg.name))
        || reseller_billing.document_party('bill-to', 'Bill to (indirect reseller)',
               reseller_billing.document_reseller(ci.reseller_id, r.name, r.city, r.county, r.region, r.country))
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">#</th><th>Customer</th><th>Description</th><th>Service period</th><th class="num">Quantity</th><th class="num">Unit price (a year)</th><th class="num">Credit</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
        || coalesce(lines, '') || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Subtotal', ci.subtotal)
        || reseller_billing.document_total('Credits applied', - ci.credits_applied)
        || reseller_billing.document_total('Tax', ci.tax)
        || reseller_billing.document_total('Total', ci.total, 'grand')
        || reseller_billing.document_total('Credit notes', - ci.credited)
        || reseller_billing.document_total('Amount due', due, 'due')
        || E'</table>\n'
        || reseller_billing.document_tax(ci.reseller_id, r.reseller_id IS NOT NULL, reseller_billing.period_end(ci.period) - 1, taxl, ci.tax)
        || CASE WHEN notes IS NULL THEN '' ELSE
               E'<section class="credit-notes">\n<h3>Credit notes</h3>\n<table class="lines">\n<thead><tr><th>Date</th><th>Reason</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
               || notes || E'</tbody>\n</table>\n</section>\n' END
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('Invoice %s of provider %s for %s. Amounts in %s. Payments to the provider are not recorded here.',
                   ci.invoice_number, coalesce(pv.name, ci.provider_id::text), ci.period, ci.currency)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('invoice two-tier', format('Invoice %s', ci.invoice_number), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.channel_invoice_document(bigint, text) IS
    'a provider''s invoice to an indirect reseller (two-tier) as a self-contained HTML document: provider as seller, the reseller as bill-to, the provider''s prices (never the wholesale side), tax, credits, amount due; P0002 unknown or not visible';

-- ---------------------------------------------------------------------------
-- credit_note_document: a credit note against an issued invoice
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.credit_note_document(p_credit_note bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       reseller_billing.credit_note;
    i       reseller_billing.invoice;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_credit_note, 'credit note', p_paper);
    SELECT * INTO n FROM reseller_billing.credit_note WHERE credit_note_id = p_credit_note;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_credit_note, 'credit note');
    END IF;
    SELECT * INTO i FROM reseller_billing.invoice WHERE reseller_id = n.reseller_id AND invoice_id = n.invoice_id;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = n.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = i.program_id;

    body := E'<header>\n<div>\n<h1>Credit note</h1>\n</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Credit note number', 'Date', 'Corrects invoice', 'Invoice date', 'Billing period', 'Currency'],
               ARRAY[n.credit_note_id::text, reseller_billing.document_date((n.issued_at AT TIME ZONE pg.time_zone)::date),
                     i.invoice_number::text, reseller_billing.document_date(i.issued_on),
                     reseller_billing.document_days(i.period::daterange),
                     format('%s (%s decimals)', i.currency, coalesce(reseller_billing.minor_unit(i.currency)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller', ARRAY[pg.name, 'Reseller program ' || pg.code])
        || reseller_billing.document_party('bill-to', 'Bill to',
               reseller_billing.document_reseller(n.reseller_id, r.name, r.city, r.county, r.region, r.country))
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">#</th><th>Description</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
        || format(E'<tr><td class="num">1</td><td>%s</td><td class="num">%s</td></tr>\n',
                  reseller_billing.html_escape(format('Credit on invoice %s (%s): %s', i.invoice_number, i.period, n.reason)),
                  reseller_billing.document_money(- n.amount))
        || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Credited', - n.amount, 'grand')
        || reseller_billing.document_total(format('Invoice %s total', i.invoice_number), i.total)
        || reseller_billing.document_total('All credit notes on it', - i.credited)
        || reseller_billing.document_total('Paid on it', - i.paid)
        || reseller_billing.document_total('Still owed on it',
               CASE WHEN i.status = 'void' THEN reseller_billing.amount(0, i.currency)
                    ELSE reseller_billing.larger(i.total - i.credited - i.paid, reseller_billing.amount(0, i.currency)) END, 'due')
        || E'</table>\n'
        || E'<p class="note">The credit reduces what is owed on the invoice, tax included; it is not paid out.</p>\n'
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('Credit note %s of %s against invoice %s. Amounts in %s.',
                   n.credit_note_id, pg.name, i.invoice_number, i.currency)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('credit-note', format('Credit note %s', n.credit_note_id), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.credit_note_document(bigint, text) IS
    'a credit note (issue_credit_note) as a self-contained HTML document: the invoice it corrects, the amount, what is still owed on the invoice; P0002 unknown or not visible';

-- ---------------------------------------------------------------------------
-- order_invoice_document: a GroupDocs licence order's invoice
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.order_invoice_document(p_order bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    o       reseller_billing.licence_order;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    zero    reseller_billing.amount;
    due     reseller_billing.amount;
    lines   text;
    taxl    text;
    status  text;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_order, 'order', p_paper);
    SELECT * INTO o FROM reseller_billing.licence_order WHERE order_id = p_order;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_order, 'order');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = o.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = r.program_id;
    zero := reseller_billing.amount(0, o.currency);
    due := CASE WHEN o.cancelled_on IS NOT NULL OR o.returned_on IS NOT NULL THEN zero
                ELSE reseller_billing.larger(o.total - o.paid, zero) END;
    status := CASE WHEN o.cancelled_on IS NOT NULL THEN 'Cancelled ' || reseller_billing.document_date(o.cancelled_on)
                   WHEN o.returned_on IS NOT NULL THEN 'Returned ' || reseller_billing.document_date(o.returned_on)
                   WHEN o.paid_on IS NOT NULL THEN 'Paid ' || reseller_billing.document_date(o.paid_on)
                   WHEN o.requires_prepayment THEN 'Awaiting prepayment' END;

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(k.code), reseller_billing.html_escape(l.description),
                             reseller_billing.html_escape(l.plan::text), l.quantity,
                             reseller_billing.document_money(l.unit_price), reseller_billing.document_money(l.amount)),
                      '' ORDER BY l.line_no)
      INTO lines
      FROM reseller_billing.licence_order_line l
      LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id
     WHERE l.reseller_id = o.reseller_id AND l.order_id = o.order_id AND l.kind = 'licence';

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td class="num">%s</td></tr>\n',
                             l.line_no,
                             reseller_billing.html_escape(l.description
                                 || CASE WHEN l.tax_reason = 'exempt' AND strpos(l.description, l.exemption_certificate) = 0
                                         THEN format(' (exempt: certificate %s, %s)', l.exemption_certificate, l.tax_state)
                                         ELSE '' END),
                             reseller_billing.document_money(l.amount)),
                      '' ORDER BY l.line_no)
      INTO taxl
      FROM reseller_billing.licence_order_line l
     WHERE l.reseller_id = o.reseller_id AND l.order_id = o.order_id AND l.kind = 'tax';

    body := E'<header>\n<div>\n<h1>Invoice</h1>\n<p class="note">Licence order</p>\n'
        || CASE WHEN status IS NULL THEN '' ELSE '<p class="status">' || reseller_billing.html_escape(status) || E'</p>\n' END
        || E'</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Order number', 'Order date', 'Due date', 'Payment terms', 'Currency'],
               ARRAY[o.order_id::text, reseller_billing.document_date(o.placed_on),
                     CASE WHEN o.requires_prepayment AND o.due_on IS NULL THEN 'Before delivery (prepayment)'
                          ELSE reseller_billing.document_date(o.due_on) END,
                     CASE WHEN o.requires_prepayment THEN 'Prepayment required: ' || coalesce(replace(o.prepayment_reason, '_', ' '), 'yes')
                          ELSE reseller_billing.document_terms(reseller_billing.payment_terms(o.reseller_id)) || ' from the order date' END,
                     format('%s (%s decimals)', o.currency, coalesce(reseller_billing.minor_unit(o.currency)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller', ARRAY[pg.name, 'Reseller program ' || pg.code])
        || reseller_billing.document_party('bill-to', 'Bill to',
               reseller_billing.document_reseller(o.reseller_id, r.name, r.city, r.county, r.region, r.country))
        || reseller_billing.document_party('ship-to', 'Ship to (licensee)',
               ARRAY[o.ship_to_name, o.ship_to_email, o.ship_to_domain, o.ship_to_address,
                     nullif(concat_ws(', ', o.ship_to_city, o.ship_to_region, o.ship_to_postal_code), ''), o.ship_to_country])
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">#</th><th>SKU</th><th>Description</th><th>Plan</th><th class="num">Quantity</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead>\n<tbody>\n'
        || coalesce(lines, '') || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Subtotal', o.subtotal)
        || reseller_billing.document_total('Tax', o.tax)
        || reseller_billing.document_total('Total', o.total, 'grand')
        || reseller_billing.document_total('Paid', - o.paid)
        || CASE WHEN o.returned IS NULL OR reseller_billing.is_zero(o.returned) THEN ''
                ELSE reseller_billing.document_total('Returned', - o.returned) END
        || reseller_billing.document_total('Amount due', due, 'due')
        || E'</table>\n'
        || reseller_billing.document_tax(o.reseller_id, r.reseller_id IS NOT NULL, o.placed_on, taxl, o.tax)
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('Order %s of %s, placed %s. The licence is issued to the ship-to party once the order is paid. Amounts in %s.',
                   o.order_id, r.name, reseller_billing.document_date(o.placed_on), o.currency)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('invoice order', format('Invoice for order %s', o.order_id), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.order_invoice_document(bigint, text) IS
    'a licence order''s invoice (GroupDocs) as a self-contained HTML document: seller, bill-to reseller, ship-to licensee, lines, tax per line with exemption, totals, paid, due; P0002 unknown or not visible';

-- ---------------------------------------------------------------------------
-- order_statement_document: the monthly statement of unpaid orders
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.order_statement_document(p_statement bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    s       reseller_billing.order_statement;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    lines   text;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_statement, 'statement', p_paper);
    SELECT * INTO s FROM reseller_billing.order_statement WHERE statement_id = p_statement;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_statement, 'statement');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = s.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = r.program_id;

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>\n',
                             l.line_no, reseller_billing.html_escape(replace(l.kind, '_', ' ')),
                             reseller_billing.html_escape(l.description),
                             reseller_billing.document_date(l.placed_on), reseller_billing.document_date(l.due_on),
                             coalesce(l.days_overdue::text, ''),
                             reseller_billing.document_money(l.amount), reseller_billing.document_money(- l.paid),
                             reseller_billing.document_money(l.outstanding)), '' ORDER BY l.line_no)
      INTO lines
      FROM reseller_billing.order_statement_line l
     WHERE l.reseller_id = s.reseller_id AND l.statement_id = s.statement_id;

    body := E'<header>\n<div>\n<h1>Statement</h1>\n<p class="note">Unpaid orders</p>\n</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Statement number', 'Statement date', 'Month', 'Payment terms', 'Late interest', 'Currency'],
               ARRAY[s.statement_id::text, reseller_billing.document_date(s.issued_on), s.period::text,
                     reseller_billing.document_terms(reseller_billing.payment_terms(s.reseller_id)) || ' from each order''s date',
                     CASE WHEN s.interest_rate IS NULL THEN NULL ELSE trim_scale(s.interest_rate * 100)::text || '% a year, simple, actual/365' END,
                     format('%s (%s decimals)', s.currency, coalesce(reseller_billing.minor_unit(s.currency)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller', ARRAY[pg.name, 'Reseller program ' || pg.code])
        || reseller_billing.document_party('bill-to', 'Bill to',
               reseller_billing.document_reseller(s.reseller_id, r.name, r.city, r.county, r.region, r.country))
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">#</th><th>Kind</th><th>Description</th><th>Placed</th><th>Due</th><th class="num">Days overdue</th><th class="num">Amount</th><th class="num">Paid</th><th class="num">Outstanding</th></tr></thead>\n<tbody>\n'
        || coalesce(lines, '') || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Orders outstanding', s.orders_outstanding)
        || reseller_billing.document_total('Interest charged on this statement', s.interest_charged)
        || reseller_billing.document_total('Interest outstanding (this statement''s and earlier)', s.interest_outstanding)
        || reseller_billing.document_total('Total due', s.total_due, 'due')
        || E'</table>\n'
        || E'<p class="note">Tax is on each order''s invoice; the amounts above include it. Late interest is charged on the order''s total from its due date.</p>\n'
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('Statement %s of %s as of %s. Amounts in %s.',
                   s.statement_id, pg.name, reseller_billing.document_date(s.issued_on), s.currency)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('statement', format('Statement %s', s.statement_id), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.order_statement_document(bigint, text) IS
    'the monthly statement of unpaid orders (monthly_statement) as a self-contained HTML document: orders, interest, days overdue, totals due; P0002 unknown or not visible';

-- ---------------------------------------------------------------------------
-- migration_credit_document: the migration credit statement of a reseller
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.migration_credit_document(p_reseller bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    m       reseller_billing.migration;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    cr      reseller_billing.credit;
    total   reseller_billing.amount;
    cur     text;
    lines   text;
    body    text;
BEGIN
    PERFORM reseller_billing.document_check(p_reseller, 'reseller', p_paper);
    SELECT * INTO m FROM reseller_billing.migration WHERE reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'migration of reseller % does not exist', p_reseller
            USING ERRCODE = 'no_data_found',
                  HINT = 'Only a reseller moved to post-paid billing (migrate_to_postpaid) has a migration credit statement; a reseller application sees only its own.';
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = p_reseller;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = r.program_id;
    SELECT * INTO cr FROM reseller_billing.credit WHERE reseller_id = p_reseller AND credit_id = m.credit_id;
    cur := pg.currency;
    SELECT reseller_billing.sum(o.amount_credited) INTO total
      FROM reseller_billing.migration_order o WHERE o.reseller_id = p_reseller;
    total := coalesce(total, reseller_billing.amount(0, cur));

    SELECT string_agg(format(E'<tr><td class="num">%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>\n',
                             o.subscription_id, reseller_billing.html_escape(coalesce(c.name, 'Customer ' || o.customer_id)
                                                                             || CASE WHEN c.kind IS NULL THEN '' ELSE ' (' || c.kind || ')' END),
                             reseller_billing.html_escape(k.name), o.seats,
                             reseller_billing.html_escape(reseller_billing.document_days(daterange(o.term_start, o.term_end))),
                             reseller_billing.document_money(o.amount_paid), o.days_in_term, o.days_left,
                             reseller_billing.document_money(o.amount_credited),
                             reseller_billing.html_escape(replace(o.migrated_to, '_', ' '))), '' ORDER BY o.subscription_id)
      INTO lines
      FROM reseller_billing.migration_order o
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = o.reseller_id AND c.customer_id = o.customer_id
      LEFT JOIN reseller_billing.sku k ON k.sku_id = o.sku_id
     WHERE o.reseller_id = p_reseller;

    body := E'<header>\n<div>\n<h1>Migration credit statement</h1>\n<p class="note">From prepaid to post-paid billing</p>\n</div>\n'
        || reseller_billing.document_meta(
               ARRAY['Reseller', 'Migrated on', 'Orders migrated', 'Currency'],
               ARRAY[p_reseller::text, reseller_billing.document_date((m.migrated_at AT TIME ZONE pg.time_zone)::date),
                     m.orders_migrated::text,
                     format('%s (%s decimals)', cur, coalesce(reseller_billing.minor_unit(cur)::text, 'no fixed'))])
        || E'</header>\n<section class="parties">\n'
        || reseller_billing.document_party('seller', 'Seller', ARRAY[pg.name, 'Reseller program ' || pg.code])
        || reseller_billing.document_party('bill-to', 'Credited to',
               reseller_billing.document_reseller(p_reseller, r.name, r.city, r.county, r.region, r.country))
        || E'</section>\n'
        || E'<table class="lines items">\n<thead><tr><th class="num">Order</th><th>Customer</th><th>Product</th><th class="num">Seats</th><th>Prepaid term</th><th class="num">Paid</th><th class="num">Days in term</th><th class="num">Days left</th><th class="num">Credited</th><th>Now</th></tr></thead>\n<tbody>\n'
        || coalesce(lines, '') || E'</tbody>\n</table>\n'
        || E'<table class="totals">\n'
        || reseller_billing.document_total('Total credited', total, 'grand')
        || CASE WHEN cr.credit_id IS NULL THEN '' ELSE
               reseller_billing.document_total('Applied to invoices so far', - (cr.amount - cr.remaining))
               || reseller_billing.document_total('Credit remaining', cr.remaining, 'due') END
        || E'</table>\n'
        || E'<p class="note">Credited: the amount paid times the days left over the days in the term, rounded once. The credit pays the post-paid invoices'' recurring lines of the main product for online customers until it is used up; it is never paid out.</p>\n'
        || E'<footer>\n<p>' || reseller_billing.html_escape(format('Migration credit statement of %s in %s. Amounts in %s.',
                   coalesce(r.name, p_reseller::text), pg.name, cur)) || E'</p>\n</footer>\n';
    RETURN reseller_billing.document_page('statement migration', format('Migration credit statement of reseller %s', p_reseller), p_paper, body);
END;
$$;
COMMENT ON FUNCTION reseller_billing.migration_credit_document(bigint, text) IS
    'the migration credit statement of a reseller moved to post-paid as a self-contained HTML document: every prepaid order with what was paid and credited, the total, what was applied and what remains; P0002 not migrated or not visible';

-- who may render: the admin and reseller applications, never the customer
-- portal (every document shows prices) ------------------------------------
DO $grants$
DECLARE
    f   text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'document_check(bigint, text, text)', 'document_not_found(bigint, text)', 'document_date(date)',
        'document_days(daterange)', 'document_terms(jsonb)', 'document_money(reseller_billing.amount)',
        'document_party(text, text, text[])', 'document_reseller(bigint, text, text, text, text, text)',
        'document_meta(text[], text[])', 'document_total(text, reseller_billing.amount, text)',
        'document_style(text)', 'document_page(text, text, text, text)',
        'document_tax(bigint, bool, date, text, reseller_billing.amount)',
        'invoice_document(bigint, text)', 'channel_invoice_document(bigint, text)',
        'credit_note_document(bigint, text)', 'order_invoice_document(bigint, text)',
        'order_statement_document(bigint, text)', 'migration_credit_document(bigint, text)']
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION reseller_billing.%s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION reseller_billing.%s TO reseller_billing_admin, reseller_billing_reseller', f);
    END LOOP;
END;
$grants$;

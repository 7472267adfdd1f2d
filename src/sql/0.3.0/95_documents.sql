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

-- document_draft: a document of what is not issued yet is refused (55000):
-- a draft has no number and no dates, and exists only inside the
-- transaction of the close that writes it
CREATE FUNCTION reseller_billing.document_draft(p_message text, p_detail text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%', p_message
        USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = p_detail,
              HINT = 'Render it once the close that writes it has committed.';
END;
$$;
COMMENT ON FUNCTION reseller_billing.document_draft(text, text) IS
    'raises the refusal of a document of a draft invoice (55000) with its detail; internal';

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

-- the small blocks every document is made of ---------------------------------

CREATE FUNCTION reseller_billing.document_currency(p_currency text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT format('%s (%s decimals)', p_currency, coalesce(reseller_billing.minor_unit(p_currency)::text, 'no fixed'))
$$;
COMMENT ON FUNCTION reseller_billing.document_currency(text) IS
    'a document''s currency with its ISO 4217 minor unit: "USD (2 decimals)", "XAU (no fixed decimals)"; internal';

CREATE FUNCTION reseller_billing.document_seller(p_name text, p_code text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_party('seller', 'Seller', ARRAY[p_name, 'Reseller program ' || p_code])
$$;
COMMENT ON FUNCTION reseller_billing.document_seller(text, text) IS
    'the seller''s block when the seller is the vendor''s program: its name and code; internal';

-- a paragraph of a class (note, status); nothing for NULL
CREATE FUNCTION reseller_billing.document_para(p_class text, p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE WHEN p_text IS NULL THEN ''
                ELSE '<p class="' || reseller_billing.html_escape(p_class) || '">' || reseller_billing.html_escape(p_text) || E'</p>\n' END
$$;
COMMENT ON FUNCTION reseller_billing.document_para(text, text) IS
    'an escaped paragraph of a class (note, status), the empty string for NULL; internal';

-- the head of a document: its title and notes (HTML), the meta table, the
-- parties' blocks (HTML)
CREATE FUNCTION reseller_billing.document_head(p_title text, p_notes text, p_meta text, p_parties text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT E'<header>\n<div>\n<h1>' || reseller_billing.html_escape(p_title) || E'</h1>\n' || coalesce(p_notes, '')
           || E'</div>\n' || p_meta || E'</header>\n<section class="parties">\n' || p_parties || E'</section>\n'
$$;
COMMENT ON FUNCTION reseller_billing.document_head(text, text, text, text) IS
    'the header of a document (title, notes, the meta table) and its parties'' section; internal';

-- a table row: cells (already HTML), those at the positions p_num right-aligned
CREATE FUNCTION reseller_billing.document_row(p_cells text[], p_num int[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT '<tr>' || string_agg(CASE WHEN n = ANY (p_num) THEN '<td class="num">' ELSE '<td>' END || coalesce(c, '') || '</td>',
                                '' ORDER BY n) || E'</tr>\n'
      FROM unnest(p_cells) WITH ORDINALITY AS u(c, n)
$$;
COMMENT ON FUNCTION reseller_billing.document_row(text[], int[]) IS
    'one row of a document''s table: the cells (HTML) in <td>, those at the positions given right-aligned (class num); internal';

-- a table of a class: escaped headings (those at p_num right-aligned) and
-- its rows (HTML, possibly none)
CREATE FUNCTION reseller_billing.document_table(p_class text, p_headings text[], p_num int[], p_rows text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT '<table class="' || reseller_billing.html_escape(p_class) || E'">\n<thead><tr>'
           || string_agg(CASE WHEN n = ANY (p_num) THEN '<th class="num">' ELSE '<th>' END || reseller_billing.html_escape(h) || '</th>',
                         '' ORDER BY n)
           || E'</tr></thead>\n<tbody>\n' || coalesce(p_rows, '') || E'</tbody>\n</table>\n'
      FROM unnest(p_headings) WITH ORDINALITY AS u(h, n)
$$;
COMMENT ON FUNCTION reseller_billing.document_table(text, text[], int[], text) IS
    'a table of a document: a class, escaped headings (right-aligned at the positions given) and the rows (HTML); internal';

CREATE FUNCTION reseller_billing.document_section(p_class text, p_heading text, p_content text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT '<section class="' || reseller_billing.html_escape(p_class) || E'">\n<h3>' || reseller_billing.html_escape(p_heading)
           || E'</h3>\n' || p_content || E'</section>\n'
$$;
COMMENT ON FUNCTION reseller_billing.document_section(text, text, text) IS
    'a section of a document: a class, an escaped heading and its content (HTML); internal';

-- the totals table: its rows (document_total), NULL rows left out
CREATE FUNCTION reseller_billing.document_totals(VARIADIC p_rows text[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT E'<table class="totals">\n' || array_to_string(p_rows, '') || E'</table>\n'
$$;
COMMENT ON FUNCTION reseller_billing.document_totals(text[]) IS
    'the totals table of a document around its rows (document_total), NULL rows left out; internal';

CREATE FUNCTION reseller_billing.document_footer(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT E'<footer>\n<p>' || reseller_billing.html_escape(p_text) || E'</p>\n</footer>\n'
$$;
COMMENT ON FUNCTION reseller_billing.document_footer(text) IS
    'the footer of a document: one escaped sentence; internal';

-- what is still owed: nothing once closed (void, cancelled, returned), never below zero
CREATE FUNCTION reseller_billing.document_due(p_closed bool, p_owed reseller_billing.amount) RETURNS reseller_billing.amount
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE WHEN p_closed THEN reseller_billing.amount(0, reseller_billing.currency(p_owed))
                ELSE reseller_billing.larger(p_owed, reseller_billing.amount(0, reseller_billing.currency(p_owed))) END
$$;
COMMENT ON FUNCTION reseller_billing.document_due(bool, reseller_billing.amount) IS
    'the amount due of a document: zero when closed (void, cancelled, returned), else what is owed, never below zero; internal';

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
-- what a document says of a reseller's sales tax on a day: the note
-- (exempt, taxable, no rate, outside the US, no state) and the
-- jurisdictions with their rates; a two-tier invoice keeps both as of issue
-- (96_channel_names.sql), the other documents ask when rendered
CREATE FUNCTION reseller_billing.document_tax_note(p_reseller bigint, p_on date) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       record;
BEGIN
    SELECT * INTO t FROM reseller_billing.sales_tax_rate(p_reseller, p_on);
    RETURN CASE t.reason
               WHEN 'exempt' THEN format('Exempt from %s sales tax on %s: exemption certificate %s on file.',
                                         t.state, reseller_billing.document_date(p_on), t.certificate_number)
               WHEN 'taxable' THEN format('US sales tax of %s at the rates valid on %s.',
                                          t.state, reseller_billing.document_date(p_on))
               WHEN 'no_rate' THEN format('No sales tax rate of %s is valid on %s.', t.state, reseller_billing.document_date(p_on))
               WHEN 'outside_us' THEN 'No US sales tax: the bill-to party is outside the United States.'
               WHEN 'no_state' THEN 'No US sales tax: no state is on file for the bill-to party.'
           END;
END;
$$;
COMMENT ON FUNCTION reseller_billing.document_tax_note(bigint, date) IS
    'the sentence a document prints on a reseller''s sales tax on a day: exempt (with the certificate), taxable, no rate, outside the US, no state; internal';

CREATE FUNCTION reseller_billing.document_tax_jurisdictions(p_reseller bigint, p_on date) RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('kind', j.kind, 'jurisdiction', j.jurisdiction, 'rate', j.rate)
                              ORDER BY j.ord), '[]'::jsonb)
      FROM reseller_billing.sales_tax_jurisdictions(p_reseller, p_on) WITH ORDINALITY AS j(kind, jurisdiction, rate, ord)
$$;
COMMENT ON FUNCTION reseller_billing.document_tax_jurisdictions(bigint, date) IS
    'the jurisdictions whose sales tax applies to a reseller on a day, with their rates, as a JSON array of {kind, jurisdiction, rate} in sales_tax_jurisdictions'' order; internal';

-- the tax section of a document from its note, jurisdictions, tax lines
-- and total
CREATE FUNCTION reseller_billing.document_tax_section(p_note text, p_jurisdictions jsonb, p_lines text,
                                                      p_tax reseller_billing.amount) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_section('tax', 'Tax',
           reseller_billing.document_para('note', p_note)
        || coalesce((SELECT reseller_billing.document_table('lines jurisdictions', ARRAY['Kind', 'Jurisdiction', 'Rate'], ARRAY[3],
                                string_agg(reseller_billing.document_row(
                                    ARRAY[reseller_billing.html_escape(j.value ->> 'kind'),
                                          reseller_billing.html_escape(j.value ->> 'jurisdiction'),
                                          reseller_billing.html_escape(trim_scale((j.value ->> 'rate')::numeric * 100)::text) || '%'],
                                    ARRAY[3]), '' ORDER BY j.ord))
                       FROM jsonb_array_elements(p_jurisdictions) WITH ORDINALITY AS j(value, ord)
                     HAVING count(*) > 0), '')
        || CASE WHEN coalesce(p_lines, '') = '' THEN ''
                ELSE reseller_billing.document_table('lines tax-lines', ARRAY['#', 'Tax', 'Amount'], ARRAY[3], p_lines) END
        || reseller_billing.document_totals(reseller_billing.document_total('Total tax', p_tax)))
$$;
COMMENT ON FUNCTION reseller_billing.document_tax_section(text, jsonb, text, reseller_billing.amount) IS
    'the tax section of a document: the note, the jurisdictions with their rates (a JSON array of {kind, jurisdiction, rate}), the tax lines, the total tax; internal';

CREATE FUNCTION reseller_billing.document_tax(p_reseller bigint, p_visible bool, p_on date, p_lines text,
                                              p_tax reseller_billing.amount) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_tax_section(
               CASE WHEN p_visible THEN reseller_billing.document_tax_note(p_reseller, p_on) END,
               CASE WHEN p_visible THEN reseller_billing.document_tax_jurisdictions(p_reseller, p_on) END,
               p_lines, p_tax)
$$;
COMMENT ON FUNCTION reseller_billing.document_tax(bigint, bool, date, text, reseller_billing.amount) IS
    'the tax section of a document: the exemption or taxability note and the jurisdictions with their rates on the tax day (sales_tax_rate, sales_tax_jurisdictions), the tax lines, the total tax; internal';

-- a tax line of a bill: number, description, amount
CREATE FUNCTION reseller_billing.document_tax_row(p_line int, p_description text, p_amount reseller_billing.amount) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_row(ARRAY[p_line::text, reseller_billing.html_escape(p_description),
                                               reseller_billing.document_money(p_amount)], ARRAY[1, 3])
$$;
COMMENT ON FUNCTION reseller_billing.document_tax_row(int, text, reseller_billing.amount) IS
    'one row of a document''s tax lines: number, escaped description, amount; internal';

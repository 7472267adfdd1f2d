-- ========================================================================
-- invoice documents: the month-end invoice, the two-tier invoice, the
-- credit note (issue 16 §1; doc/documents.md).  The blocks they are made
-- of are in 95_documents.sql; the order documents in 95_documents_orders.sql.
-- ========================================================================

-- the blocks the month-end and the two-tier invoice share ------------------

-- a line of a bill: number, customer, description, service period,
-- quantity, unit price (a year), the credit applied to it, amount
CREATE FUNCTION reseller_billing.document_item_row(p_line int, p_customer text, p_description text, p_service text,
                                                   p_quantity numeric, p_unit_price reseller_billing.amount,
                                                   p_credit reseller_billing.amount, p_amount reseller_billing.amount)
    RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_row(
               ARRAY[p_line::text, reseller_billing.html_escape(p_customer), reseller_billing.html_escape(p_description),
                     reseller_billing.html_escape(p_service), reseller_billing.html_escape(trim_scale(p_quantity)::text),
                     reseller_billing.document_money(p_unit_price), reseller_billing.document_money(p_credit),
                     reseller_billing.document_money(p_amount)],
               ARRAY[1, 5, 6, 7, 8])
$$;
COMMENT ON FUNCTION reseller_billing.document_item_row(int, text, text, text, numeric, reseller_billing.amount,
                                                       reseller_billing.amount, reseller_billing.amount) IS
    'one line of a month-end or two-tier invoice: number, customer, description, service period, quantity, unit price, credit, amount; internal';

-- the lines table, the number/dates meta table and the first totals of a bill
CREATE FUNCTION reseller_billing.document_bill(p_number bigint, p_issued date, p_period reseller_billing.billing_period,
                                               p_due date, p_terms text, p_currency text, p_lines text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT ARRAY[reseller_billing.document_meta(
                     ARRAY['Invoice number', 'Invoice date', 'Billing period', 'Due date', 'Payment terms', 'Currency'],
                     ARRAY[p_number::text, reseller_billing.document_date(p_issued), reseller_billing.document_days(p_period::daterange),
                           reseller_billing.document_date(p_due), p_terms, reseller_billing.document_currency(p_currency)]),
                 reseller_billing.document_table('lines items',
                     ARRAY['#', 'Customer', 'Description', 'Service period', 'Quantity', 'Unit price (a year)', 'Credit', 'Amount'],
                     ARRAY[1, 5, 6, 7, 8], p_lines)]
$$;
COMMENT ON FUNCTION reseller_billing.document_bill(bigint, date, reseller_billing.billing_period, date, text, text, text) IS
    'the meta table (number, dates, terms, currency) and the lines table of a month-end or two-tier invoice, as two HTML parts; internal';

-- the totals a month-end and a two-tier invoice start with
CREATE FUNCTION reseller_billing.document_bill_totals(p_subtotal reseller_billing.amount, p_credits reseller_billing.amount,
                                                      p_tax reseller_billing.amount, p_total reseller_billing.amount,
                                                      p_credited reseller_billing.amount) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_total('Subtotal', p_subtotal)
           || reseller_billing.document_total('Credits applied', - p_credits)
           || reseller_billing.document_total('Tax', p_tax)
           || reseller_billing.document_total('Total', p_total, 'grand')
           || reseller_billing.document_total('Credit notes', - p_credited)
$$;
COMMENT ON FUNCTION reseller_billing.document_bill_totals(reseller_billing.amount, reseller_billing.amount, reseller_billing.amount,
                                                          reseller_billing.amount, reseller_billing.amount) IS
    'the totals rows of a month-end or two-tier invoice up to its credit notes: subtotal, credits applied, tax, total, credit notes; internal';

-- the credit notes against a bill (rows: date, reason, amount); nothing when none
CREATE FUNCTION reseller_billing.document_credit_notes(p_rows text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT CASE WHEN p_rows IS NULL THEN ''
                ELSE reseller_billing.document_section('credit-notes', 'Credit notes',
                         reseller_billing.document_table('lines', ARRAY['Date', 'Reason', 'Amount'], ARRAY[3], p_rows)) END
$$;
COMMENT ON FUNCTION reseller_billing.document_credit_notes(text) IS
    'the credit notes section of an invoice around its rows, the empty string when there are none; internal';

CREATE FUNCTION reseller_billing.document_note_row(p_issued timestamptz, p_time_zone text, p_reason text,
                                                   p_amount reseller_billing.amount) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_row(ARRAY[reseller_billing.document_date((p_issued AT TIME ZONE p_time_zone)::date),
                                               reseller_billing.html_escape(p_reason), reseller_billing.document_money(p_amount)],
                                         ARRAY[3])
$$;
COMMENT ON FUNCTION reseller_billing.document_note_row(timestamptz, text, text, reseller_billing.amount) IS
    'one credit note on an invoice: its day in the program''s time zone, reason, amount; internal';

-- document_invoice_payments: the payments section of an invoice (the
-- payments allocated to it, by day received), empty when none
CREATE FUNCTION reseller_billing.document_invoice_payments(p_reseller bigint, p_invoice bigint) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN (SELECT CASE WHEN q.pays IS NULL THEN '' ELSE
               reseller_billing.document_section('payments', 'Payments',
                   reseller_billing.document_table('lines', ARRAY['Received', 'Method', 'Reference', 'Amount'], ARRAY[4], q.pays)) END
      FROM (SELECT string_agg(reseller_billing.document_row(
                                  ARRAY[reseller_billing.document_date(p.received_on), reseller_billing.html_escape(replace(p.method, '_', ' ')),
                                        reseller_billing.html_escape(p.reference), reseller_billing.document_money(a.amount)], ARRAY[4]),
                              '' ORDER BY p.received_on, p.reference) AS pays
              FROM reseller_billing.payment_allocation a
              JOIN reseller_billing.payment p ON p.reseller_id = a.reseller_id AND p.payment_id = a.payment_id
             WHERE a.reseller_id = p_reseller AND a.invoice_id = p_invoice) q);
END $$;
COMMENT ON FUNCTION reseller_billing.document_invoice_payments(bigint, bigint) IS
    'the payments section of an invoice document (payments allocated to it), empty when none; internal';

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
    title   text;
    bill    text[];
    lines   text;
    taxl    text;
    notes   text;
BEGIN
    PERFORM reseller_billing.document_check(p_invoice, 'invoice', p_paper);
    SELECT * INTO i FROM reseller_billing.invoice WHERE invoice_id = p_invoice;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_invoice, 'invoice');
    END IF;
    IF i.status = 'draft' THEN
        PERFORM reseller_billing.document_draft(format('invoice %s is a draft', p_invoice),
                                                'Only an issued, paid or void invoice has a number and dates to print.');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = i.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = i.program_id;
    title := CASE i.kind WHEN 'prepaid' THEN 'Prepaid invoice' ELSE 'Invoice' END;

    SELECT string_agg(reseller_billing.document_item_row(l.line_no, c.name, l.description,
                          coalesce(reseller_billing.document_days(l.service), l.service_period::text),
                          l.quantity, l.unit_price, ca.applied, l.amount), '' ORDER BY l.line_no)
               FILTER (WHERE l.kind NOT IN ('sales_tax', 'prepaid_sales_tax')),
           string_agg(reseller_billing.document_tax_row(l.line_no, l.description, l.amount), '' ORDER BY l.line_no)
               FILTER (WHERE l.kind IN ('sales_tax', 'prepaid_sales_tax'))
      INTO lines, taxl
      FROM reseller_billing.invoice_line l
      -- a provider's invoice bills its indirect resellers' customers (end_reseller_id)
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = coalesce(l.end_reseller_id, l.reseller_id)
                                           AND c.customer_id = l.customer_id
      LEFT JOIN LATERAL (SELECT reseller_billing.sum(a.amount) AS applied
                           FROM reseller_billing.credit_application a
                          WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id AND a.line_no = l.line_no) ca ON true
     WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id;

    SELECT string_agg(reseller_billing.document_note_row(n.issued_at, pg.time_zone, n.reason, n.amount),
                      '' ORDER BY n.issued_at, n.credit_note_id)
      INTO notes
      FROM reseller_billing.credit_note n
     WHERE n.reseller_id = i.reseller_id AND n.invoice_id = i.invoice_id;

    bill := reseller_billing.document_bill(i.invoice_number, i.issued_on, i.period, i.due_on,
                                           reseller_billing.document_terms(reseller_billing.payment_terms(i.reseller_id)),
                                           i.currency, lines);
    RETURN reseller_billing.document_page('invoice', format('%s %s', title, i.invoice_number), p_paper,
           reseller_billing.document_head(title,
               CASE i.status WHEN 'void' THEN reseller_billing.document_para('status', 'Void: ' || coalesce(i.void_reason, ''))
                             WHEN 'paid' THEN reseller_billing.document_para('status', 'Paid') END,
               bill[1],
               reseller_billing.document_seller(pg.name, pg.code)
               || reseller_billing.document_party('bill-to', 'Bill to',
                      reseller_billing.document_reseller(i.reseller_id, r.name, r.city, r.county, r.region, r.country)))
        || bill[2]
        || reseller_billing.document_totals(
               reseller_billing.document_bill_totals(i.subtotal, i.credits_applied, i.tax, i.total, i.credited),
               reseller_billing.document_total('Paid', - i.paid),
               reseller_billing.document_total('Amount due', reseller_billing.document_due(i.status = 'void', i.total - i.credited - i.paid), 'due'))
        || reseller_billing.document_tax(i.reseller_id, r.reseller_id IS NOT NULL, reseller_billing.period_end(i.period) - 1, taxl, i.tax)
        || reseller_billing.document_credit_notes(notes)
        || reseller_billing.document_invoice_payments(i.reseller_id, i.invoice_id)
        || reseller_billing.document_footer(format('%s %s of %s for %s. Amounts in %s. Please quote the invoice number with your payment.',
                                                   title, i.invoice_number, pg.name, i.period, i.currency)));
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
    pg      reseller_billing.program;
    bill    text[];
    lines   text;
    taxl    text;
    notes   text;
BEGIN
    PERFORM reseller_billing.document_check(p_invoice, 'channel invoice', p_paper);
    SELECT * INTO ci FROM reseller_billing.channel_invoice WHERE channel_invoice_id = p_invoice;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_invoice, 'channel invoice');
    END IF;
    -- the close writes the two-tier invoices while the vendor's invoice to
    -- the provider is still a draft, and issues it before it commits
    IF EXISTS (SELECT FROM reseller_billing.invoice v
                WHERE v.reseller_id = ci.provider_id AND v.invoice_id = ci.vendor_invoice_id AND v.status = 'draft') THEN
        PERFORM reseller_billing.document_draft(format('channel invoice %s is a draft', p_invoice),
                                                format('The vendor''s invoice %s to provider %s it was written with is not issued yet.',
                                                       ci.vendor_invoice_id, ci.provider_id));
    END IF;
    -- the parties, the bill-to party's payment terms and what is said of its
    -- sales tax are the invoice's copy of them as of issue (both tiers read
    -- them, though neither may read the other's reseller row)
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = ci.program_id;

    -- the provider's prices only: the wholesale side is the vendor's and the provider's business
    SELECT string_agg(reseller_billing.document_item_row(l.line_no, c.name, l.description,
                          coalesce(reseller_billing.document_days(l.service), l.service_period::text),
                          l.quantity, l.unit_price, ca.applied, l.amount), '' ORDER BY l.line_no)
               FILTER (WHERE l.kind NOT IN ('sales_tax', 'prepaid_sales_tax')),
           string_agg(reseller_billing.document_tax_row(l.line_no, l.description, l.amount), '' ORDER BY l.line_no)
               FILTER (WHERE l.kind IN ('sales_tax', 'prepaid_sales_tax'))
      INTO lines, taxl
      FROM reseller_billing.channel_invoice_line l
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = l.reseller_id AND c.customer_id = l.customer_id
      LEFT JOIN LATERAL (SELECT reseller_billing.sum(a.amount) AS applied
                           FROM reseller_billing.channel_credit_application a
                          WHERE a.reseller_id = l.reseller_id AND a.channel_invoice_id = l.channel_invoice_id
                            AND a.line_no = l.line_no) ca ON true
     WHERE l.reseller_id = ci.reseller_id AND l.channel_invoice_id = ci.channel_invoice_id;

    SELECT string_agg(reseller_billing.document_note_row(n.issued_at, pg.time_zone, n.reason, n.amount),
                      '' ORDER BY n.issued_at, n.channel_credit_note_id)
      INTO notes
      FROM reseller_billing.channel_credit_note n
     WHERE n.reseller_id = ci.reseller_id AND n.channel_invoice_id = ci.channel_invoice_id;

    bill := reseller_billing.document_bill(ci.invoice_number, ci.issued_on, ci.period, ci.due_on,
                                           reseller_billing.document_terms(ci.payment_terms),
                                           ci.currency, lines);
    RETURN reseller_billing.document_page('invoice two-tier', format('Invoice %s', ci.invoice_number), p_paper,
           reseller_billing.document_head('Invoice',
               reseller_billing.document_para('note', 'Two-tier: issued by the provider to its indirect reseller'),
               bill[1],
               reseller_billing.document_party('seller', 'Seller (provider)',
                   reseller_billing.document_reseller(ci.provider_id, ci.provider_name, ci.provider_city, ci.provider_county,
                                                      ci.provider_region, ci.provider_country)
                   || ('Provider in ' || pg.name))
               || reseller_billing.document_party('bill-to', 'Bill to (indirect reseller)',
                      reseller_billing.document_reseller(ci.reseller_id, ci.reseller_name, ci.reseller_city, ci.reseller_county,
                                                         ci.reseller_region, ci.reseller_country)))
        || bill[2]
        || reseller_billing.document_totals(
               reseller_billing.document_bill_totals(ci.subtotal, ci.credits_applied, ci.tax, ci.total, ci.credited),
               reseller_billing.document_total('Amount due', reseller_billing.document_due(false, ci.total - ci.credited), 'due'))
        || reseller_billing.document_tax_section(ci.tax_note, ci.tax_jurisdictions, taxl, ci.tax)
        || reseller_billing.document_credit_notes(notes)
        || reseller_billing.document_footer(format('Invoice %s of provider %s for %s. Amounts in %s. Payments to the provider are not recorded here.',
                                                   ci.invoice_number, coalesce(ci.provider_name, ci.provider_id::text), ci.period, ci.currency)));
END;
$$;
COMMENT ON FUNCTION reseller_billing.channel_invoice_document(bigint, text) IS
    'a provider''s invoice to an indirect reseller (two-tier) as a self-contained HTML document: provider as seller, the reseller as bill-to (both as of issue, from the invoice''s copy), the provider''s prices (never the wholesale side), tax, credits, amount due; P0002 unknown or not visible, 55000 while the vendor''s invoice it was written with is a draft';

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
BEGIN
    PERFORM reseller_billing.document_check(p_credit_note, 'credit note', p_paper);
    SELECT * INTO n FROM reseller_billing.credit_note WHERE credit_note_id = p_credit_note;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_credit_note, 'credit note');
    END IF;
    SELECT * INTO i FROM reseller_billing.invoice WHERE reseller_id = n.reseller_id AND invoice_id = n.invoice_id;
    IF i.status = 'draft' THEN
        PERFORM reseller_billing.document_draft(format('credit note %s is on a draft invoice', p_credit_note),
                                                format('Invoice %s it corrects is not issued yet.', n.invoice_id));
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = n.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = i.program_id;

    RETURN reseller_billing.document_page('credit-note', format('Credit note %s', n.credit_note_id), p_paper,
           reseller_billing.document_head('Credit note', NULL,
               reseller_billing.document_meta(
                   ARRAY['Credit note number', 'Date', 'Corrects invoice', 'Invoice date', 'Billing period', 'Currency'],
                   ARRAY[n.credit_note_id::text, reseller_billing.document_date((n.issued_at AT TIME ZONE pg.time_zone)::date),
                         i.invoice_number::text, reseller_billing.document_date(i.issued_on),
                         reseller_billing.document_days(i.period::daterange), reseller_billing.document_currency(i.currency)]),
               reseller_billing.document_seller(pg.name, pg.code)
               || reseller_billing.document_party('bill-to', 'Bill to',
                      reseller_billing.document_reseller(n.reseller_id, r.name, r.city, r.county, r.region, r.country)))
        || reseller_billing.document_table('lines items', ARRAY['#', 'Description', 'Amount'], ARRAY[1, 3],
               reseller_billing.document_tax_row(1, format('Credit on invoice %s (%s): %s', i.invoice_number, i.period, n.reason),
                                                 - n.amount))
        || reseller_billing.document_totals(
               reseller_billing.document_total('Credited', - n.amount, 'grand'),
               reseller_billing.document_total(format('Invoice %s total', i.invoice_number), i.total),
               reseller_billing.document_total('All credit notes on it', - i.credited),
               reseller_billing.document_total('Paid on it', - i.paid),
               reseller_billing.document_total('Still owed on it', reseller_billing.document_due(i.status = 'void', i.total - i.credited - i.paid), 'due'))
        || reseller_billing.document_para('note', 'The credit reduces what is owed on the invoice, tax included; it is not paid out.')
        || reseller_billing.document_footer(format('Credit note %s of %s against invoice %s. Amounts in %s.',
                                                   n.credit_note_id, pg.name, i.invoice_number, i.currency)));
END;
$$;
COMMENT ON FUNCTION reseller_billing.credit_note_document(bigint, text) IS
    'a credit note (issue_credit_note) as a self-contained HTML document: the invoice it corrects, the amount, what is still owed on the invoice; P0002 unknown or not visible, 55000 on a draft invoice';

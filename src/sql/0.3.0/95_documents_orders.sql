-- ========================================================================
-- order and migration documents: a licence order's invoice, the monthly
-- statement of unpaid orders, the migration credit statement (issue 16 §1;
-- doc/documents.md), and who may render the documents.  The blocks they
-- are made of are in 95_documents.sql.
-- ========================================================================

-- the header's meta table and the parties of the documents whose seller is
-- the vendor's program and whose bill-to party is the reseller
CREATE FUNCTION reseller_billing.document_program_head(p_title text, p_notes text, p_labels text[], p_values text[],
                                                       p_program reseller_billing.program, p_heading text,
                                                       p_reseller bigint, p_row reseller_billing.reseller) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.document_head(p_title, p_notes, reseller_billing.document_meta(p_labels, p_values),
               reseller_billing.document_seller((p_program).name, (p_program).code)
               || reseller_billing.document_party('bill-to', p_heading,
                      reseller_billing.document_reseller(p_reseller, (p_row).name, (p_row).city, (p_row).county,
                                                         (p_row).region, (p_row).country)))
$$;
COMMENT ON FUNCTION reseller_billing.document_program_head(text, text, text[], text[], reseller_billing.program, text, bigint,
                                                           reseller_billing.reseller) IS
    'the header and parties of a document the vendor''s program issues to a reseller: title, notes, meta table, seller, bill-to; internal';

-- ---------------------------------------------------------------------------
-- order_invoice_document: a GroupDocs licence order's invoice
-- ---------------------------------------------------------------------------
CREATE FUNCTION reseller_billing.order_invoice_document(p_order bigint, p_paper text DEFAULT 'A4') RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    o       reseller_billing.licence_order;
    r       reseller_billing.reseller;
    pg      reseller_billing.program;
    lines   text;
    taxl    text;
    status  text;
BEGIN
    PERFORM reseller_billing.document_check(p_order, 'order', p_paper);
    SELECT * INTO o FROM reseller_billing.licence_order WHERE order_id = p_order;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_order, 'order');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = o.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = r.program_id;
    status := CASE WHEN o.cancelled_on IS NOT NULL THEN 'Cancelled ' || reseller_billing.document_date(o.cancelled_on)
                   WHEN o.returned_on IS NOT NULL THEN 'Returned ' || reseller_billing.document_date(o.returned_on)
                   WHEN o.paid_on IS NOT NULL THEN 'Paid ' || reseller_billing.document_date(o.paid_on)
                   WHEN o.requires_prepayment THEN 'Awaiting prepayment' END;

    SELECT string_agg(reseller_billing.document_row(
                          ARRAY[l.line_no::text, reseller_billing.html_escape(k.code), reseller_billing.html_escape(l.description),
                                reseller_billing.html_escape(l.plan::text), l.quantity::text,
                                reseller_billing.document_money(l.unit_price), reseller_billing.document_money(l.amount)],
                          ARRAY[1, 5, 6, 7]), '' ORDER BY l.line_no) FILTER (WHERE l.kind = 'licence'),
           string_agg(reseller_billing.document_tax_row(l.line_no,
                          l.description || CASE WHEN l.tax_reason = 'exempt' AND strpos(l.description, l.exemption_certificate) = 0
                                                THEN format(' (exempt: certificate %s, %s)', l.exemption_certificate, l.tax_state)
                                                ELSE '' END,
                          l.amount), '' ORDER BY l.line_no) FILTER (WHERE l.kind = 'tax')
      INTO lines, taxl
      FROM reseller_billing.licence_order_line l
      LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id
     WHERE l.reseller_id = o.reseller_id AND l.order_id = o.order_id;

    RETURN reseller_billing.document_page('invoice order', format('Invoice for order %s', o.order_id), p_paper,
           reseller_billing.document_head('Invoice',
               reseller_billing.document_para('note', 'Licence order') || reseller_billing.document_para('status', status),
               reseller_billing.document_meta(
                   ARRAY['Order number', 'Order date', 'Due date', 'Payment terms', 'Currency'],
                   ARRAY[o.order_id::text, reseller_billing.document_date(o.placed_on),
                         CASE WHEN o.requires_prepayment AND o.due_on IS NULL THEN 'Before delivery (prepayment)'
                              ELSE reseller_billing.document_date(o.due_on) END,
                         CASE WHEN o.requires_prepayment THEN 'Prepayment required: ' || coalesce(replace(o.prepayment_reason, '_', ' '), 'yes')
                              ELSE reseller_billing.document_terms(reseller_billing.payment_terms(o.reseller_id)) || ' from the order date' END,
                         reseller_billing.document_currency(o.currency)]),
               reseller_billing.document_seller(pg.name, pg.code)
               || reseller_billing.document_party('bill-to', 'Bill to',
                      reseller_billing.document_reseller(o.reseller_id, r.name, r.city, r.county, r.region, r.country))
               || reseller_billing.document_party('ship-to', 'Ship to (licensee)',
                      ARRAY[o.ship_to_name, o.ship_to_email, o.ship_to_domain, o.ship_to_address,
                            nullif(concat_ws(', ', o.ship_to_city, o.ship_to_region, o.ship_to_postal_code), ''), o.ship_to_country]))
        || reseller_billing.document_table('lines items', ARRAY['#', 'SKU', 'Description', 'Plan', 'Quantity', 'Unit price', 'Amount'],
                                           ARRAY[1, 5, 6, 7], lines)
        || reseller_billing.document_totals(
               reseller_billing.document_total('Subtotal', o.subtotal),
               reseller_billing.document_total('Tax', o.tax),
               reseller_billing.document_total('Total', o.total, 'grand'),
               reseller_billing.document_total('Paid', - o.paid),
               CASE WHEN o.returned IS NOT NULL AND NOT reseller_billing.is_zero(o.returned)
                    THEN reseller_billing.document_total('Returned', - o.returned) END,
               reseller_billing.document_total('Amount due',
                   reseller_billing.document_due(o.cancelled_on IS NOT NULL OR o.returned_on IS NOT NULL, o.total - o.paid), 'due'))
        || reseller_billing.document_tax(o.reseller_id, r.reseller_id IS NOT NULL, o.placed_on, taxl, o.tax)
        || reseller_billing.document_footer(format('Order %s of %s, placed %s. The licence is issued to the ship-to party once the order is paid. Amounts in %s.',
                                                   o.order_id, r.name, reseller_billing.document_date(o.placed_on), o.currency)));
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
BEGIN
    PERFORM reseller_billing.document_check(p_statement, 'statement', p_paper);
    SELECT * INTO s FROM reseller_billing.order_statement WHERE statement_id = p_statement;
    IF NOT FOUND THEN
        PERFORM reseller_billing.document_not_found(p_statement, 'statement');
    END IF;
    SELECT * INTO r FROM reseller_billing.reseller WHERE reseller_id = s.reseller_id;
    SELECT * INTO pg FROM reseller_billing.program WHERE program_id = r.program_id;

    SELECT string_agg(reseller_billing.document_row(
                          ARRAY[l.line_no::text, reseller_billing.html_escape(replace(l.kind, '_', ' ')),
                                reseller_billing.html_escape(l.description),
                                reseller_billing.document_date(l.placed_on), reseller_billing.document_date(l.due_on),
                                l.days_overdue::text, reseller_billing.document_money(l.amount),
                                reseller_billing.document_money(- l.paid), reseller_billing.document_money(l.outstanding)],
                          ARRAY[1, 6, 7, 8, 9]), '' ORDER BY l.line_no)
      INTO lines
      FROM reseller_billing.order_statement_line l
     WHERE l.reseller_id = s.reseller_id AND l.statement_id = s.statement_id;

    RETURN reseller_billing.document_page('statement', format('Statement %s', s.statement_id), p_paper,
           reseller_billing.document_program_head('Statement', reseller_billing.document_para('note', 'Unpaid orders'),
               ARRAY['Statement number', 'Statement date', 'Month', 'Payment terms', 'Late interest', 'Currency'],
               ARRAY[s.statement_id::text, reseller_billing.document_date(s.issued_on), s.period::text,
                     reseller_billing.document_terms(reseller_billing.payment_terms(s.reseller_id)) || ' from each order''s date',
                     CASE WHEN s.interest_rate IS NULL THEN NULL ELSE trim_scale(s.interest_rate * 100)::text || '% a year, simple, actual/365' END,
                     reseller_billing.document_currency(s.currency)],
               pg, 'Bill to', s.reseller_id, r)
        || reseller_billing.document_table('lines items',
               ARRAY['#', 'Kind', 'Description', 'Placed', 'Due', 'Days overdue', 'Amount', 'Paid', 'Outstanding'],
               ARRAY[1, 6, 7, 8, 9], lines)
        || reseller_billing.document_totals(
               reseller_billing.document_total('Orders outstanding', s.orders_outstanding),
               reseller_billing.document_total('Interest charged on this statement', s.interest_charged),
               reseller_billing.document_total('Interest outstanding (this statement''s and earlier)', s.interest_outstanding),
               reseller_billing.document_total('Total due', s.total_due, 'due'))
        || E'<p class="note">Tax is on each order''s invoice; the amounts above include it. Late interest is charged on the order''s total from its due date.</p>\n'
        || reseller_billing.document_footer(format('Statement %s of %s as of %s. Amounts in %s.',
                                                   s.statement_id, pg.name, reseller_billing.document_date(s.issued_on), s.currency)));
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
    lines   text;
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

    SELECT string_agg(reseller_billing.document_row(
                          ARRAY[o.subscription_id::text,
                                reseller_billing.html_escape(coalesce(c.name, 'Customer ' || o.customer_id)
                                                             || CASE WHEN c.kind IS NULL THEN '' ELSE ' (' || c.kind || ')' END),
                                reseller_billing.html_escape(k.name), o.seats::text,
                                reseller_billing.html_escape(reseller_billing.document_days(daterange(o.term_start, o.term_end))),
                                reseller_billing.document_money(o.amount_paid), o.days_in_term::text, o.days_left::text,
                                reseller_billing.document_money(o.amount_credited),
                                reseller_billing.html_escape(replace(o.migrated_to, '_', ' '))],
                          ARRAY[1, 4, 6, 7, 8, 9]), '' ORDER BY o.subscription_id),
           reseller_billing.sum(o.amount_credited)
      INTO lines, total
      FROM reseller_billing.migration_order o
      LEFT JOIN reseller_billing.customer c ON c.reseller_id = o.reseller_id AND c.customer_id = o.customer_id
      LEFT JOIN reseller_billing.sku k ON k.sku_id = o.sku_id
     WHERE o.reseller_id = p_reseller;
    total := coalesce(total, reseller_billing.amount(0, pg.currency));

    RETURN reseller_billing.document_page('statement migration', format('Migration credit statement of reseller %s', p_reseller), p_paper,
           reseller_billing.document_program_head('Migration credit statement',
               reseller_billing.document_para('note', 'From prepaid to post-paid billing'),
               ARRAY['Reseller', 'Migrated on', 'Orders migrated', 'Currency'],
               ARRAY[p_reseller::text, reseller_billing.document_date((m.migrated_at AT TIME ZONE pg.time_zone)::date),
                     m.orders_migrated::text, reseller_billing.document_currency(pg.currency)],
               pg, 'Credited to', p_reseller, r)
        -- the headings as one string: a heading alone, as a literal, would read like the wall clock to pgTAP 080
        || reseller_billing.document_table('lines items',
               string_to_array('Order|Customer|Product|Seats|Prepaid term|Paid|Days in term|Days left|Credited|Now', '|'),
               ARRAY[1, 4, 6, 7, 8, 9], lines)
        || reseller_billing.document_totals(
               reseller_billing.document_total('Total credited', total, 'grand'),
               CASE WHEN cr.credit_id IS NOT NULL THEN
                   reseller_billing.document_total('Applied to invoices so far', - (cr.amount - cr.remaining))
                   || reseller_billing.document_total('Credit remaining', cr.remaining, 'due') END)
        || E'<p class="note">Credited: the amount paid times the days left over the days in the term, rounded once. The credit pays the post-paid invoices'' recurring lines of the main product for online customers until it is used up; it is never paid out.</p>\n'
        || reseller_billing.document_footer(format('Migration credit statement of %s in %s. Amounts in %s.',
                                                   coalesce(r.name, p_reseller::text), pg.name, pg.currency)));
END;
$$;
COMMENT ON FUNCTION reseller_billing.migration_credit_document(bigint, text) IS
    'the migration credit statement of a reseller moved to post-paid as a self-contained HTML document: every prepaid order with what was paid and credited, the total, what was applied and what remains; P0002 not migrated or not visible';

-- who may render: the admin and reseller applications, never the customer
-- portal (every document shows prices).  Every document function and every
-- block they are made of (document_*, *_document; not amount_format and
-- html_escape, which everyone may run), in this file and the two before it.
DO $grants$
DECLARE
    f   regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'reseller_billing'::regnamespace
                AND (p.proname LIKE 'document\_%' OR p.proname LIKE '%\_document')
              ORDER BY p.oid
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO reseller_billing_admin, reseller_billing_reseller', f);
    END LOOP;
END;
$grants$;

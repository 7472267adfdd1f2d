-- functions: statements and interest ---------------------------------------

-- order_interest_accrual: the days of [p_from, p_to) on which an order had
-- an unpaid balance, and the sum of that balance over those days.  A payment
-- counts from the day it was received.
CREATE FUNCTION reseller_billing.order_interest_accrual(p_reseller bigint, p_order bigint, p_from date, p_to date,
                                                        OUT days int, OUT balance_days numeric)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    WITH pts AS (
        SELECT p_from AS d
        UNION
        SELECT p.received_on
          FROM reseller_billing.order_payment_allocation a
          JOIN reseller_billing.payment p ON p.reseller_id = a.reseller_id AND p.payment_id = a.payment_id
         WHERE a.reseller_id = p_reseller AND a.order_id = p_order
           AND p.received_on > p_from AND p.received_on < p_to
    ), seg AS (
        SELECT pts.d AS s, coalesce(lead(pts.d) OVER (ORDER BY pts.d), p_to) AS e FROM pts
    ), bal AS (
        SELECT seg.s, seg.e,
               reseller_billing.value(o.total)
               - coalesce((SELECT sum(reseller_billing.value(a.amount))
                             FROM reseller_billing.order_payment_allocation a
                             JOIN reseller_billing.payment p ON p.reseller_id = a.reseller_id AND p.payment_id = a.payment_id
                            WHERE a.reseller_id = p_reseller AND a.order_id = p_order AND p.received_on <= seg.s), 0) AS b
          FROM seg, reseller_billing.licence_order o
         WHERE o.reseller_id = p_reseller AND o.order_id = p_order AND p_from < p_to
    )
    SELECT coalesce(sum(bal.e - bal.s) FILTER (WHERE bal.b > 0), 0)::int,
           coalesce(sum(bal.b * (bal.e - bal.s)) FILTER (WHERE bal.b > 0), 0)
      FROM bal;
END;
COMMENT ON FUNCTION reseller_billing.order_interest_accrual(bigint, bigint, date, date) IS
    'internal: the days of [from, to) an order had an unpaid balance, and the balance summed over those days (a payment counts from the day received)';

-- write_statement: the statement of a reseller for a month, as of its 1st;
-- once per month (the existing one is returned).  p_skip_empty: write
-- nothing (return NULL) when there is nothing to list (run_due).
CREATE FUNCTION reseller_billing.write_statement(p_reseller bigint, p_month reseller_billing.billing_period,
                                                 p_skip_empty bool)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    sid     bigint;
    later   reseller_billing.billing_period;
    t       date;
    rate    numeric;
    digits  int;
    o       record;
    acc     record;
    a       date;
    units   numeric;
    n       int := 0;
    zero    reseller_billing.amount;
BEGIN
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'a statement of reseller % needs a month', p_reseller USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF reseller_billing.anchor(p_month) <> 1 THEN
        RAISE EXCEPTION 'a statement of reseller % is for a calendar month', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The period given, %s, is anchored on day %s.', p_month, reseller_billing.anchor(p_month));
    END IF;
    pg := reseller_billing.lock_order_reseller(p_reseller);
    SELECT s.statement_id INTO sid FROM reseller_billing.order_statement s
     WHERE s.reseller_id = p_reseller AND s.period = p_month;
    IF FOUND THEN
        RETURN sid;                             -- once per month
    END IF;
    SELECT max(s.period) INTO later FROM reseller_billing.order_statement s
     WHERE s.reseller_id = p_reseller AND s.period > p_month;
    IF later IS NOT NULL THEN
        IF p_skip_empty THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'statement of reseller % for % comes too late', p_reseller, p_month
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its statement for %s is written already; statements are written month after month.', later);
    END IF;
    t := reseller_billing.period_start(p_month);
    rate := reseller_billing.order_setting(pg.program_id, 'late_interest_rate', 0, 0, 1);
    digits := reseller_billing.minor_unit(pg.currency);
    zero := reseller_billing.amount(0, pg.currency);
    INSERT INTO reseller_billing.order_statement (reseller_id, period, issued_on, currency, interest_rate,
                                                  orders_outstanding, interest_charged, interest_outstanding, total_due)
    VALUES (p_reseller, p_month, t, pg.currency, rate, zero, zero, zero, zero)
    RETURNING statement_id INTO sid;

    -- late interest on every order on credit that was overdue and unpaid on
    -- some day since it was last charged, up to the day before the 1st
    IF rate > 0 THEN
        FOR o IN
            SELECT x.order_id, x.due_on,
                   coalesce((SELECT max(i.accrued_to) FROM reseller_billing.late_interest i
                              WHERE i.reseller_id = p_reseller AND i.order_id = x.order_id), x.due_on) AS charged_to
              FROM reseller_billing.licence_order x
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.due_on < t
             ORDER BY x.due_on, x.order_id
        LOOP
            a := GREATEST(o.due_on, o.charged_to);
            CONTINUE WHEN a >= t;
            acc := reseller_billing.order_interest_accrual(p_reseller, o.order_id, a, t);
            CONTINUE WHEN acc.days = 0;
            -- interest = balance_days × rate / 365, rounded half up once, in
            -- minor units: floor((2X + 365) / 730), X = balance_days × rate × 10^digits
            units := div(2 * acc.balance_days * rate * (10::numeric ^ digits) + 365, 730);
            CONTINUE WHEN units = 0;
            INSERT INTO reseller_billing.late_interest (reseller_id, statement_id, order_id, accrued_from, accrued_to, days,
                                                        balance_days, annual_rate, amount, due_on, paid)
            VALUES (p_reseller, sid, o.order_id, a, t, acc.days, acc.balance_days, rate,
                    reseller_billing.amount(units / (10::numeric ^ digits), pg.currency), t + pg.payment_terms_days, zero);
        END LOOP;
    END IF;

    -- the lines: unpaid orders on credit placed before the 1st, then this
    -- statement's interest, then earlier interest still unpaid; paid means
    -- received before the 1st
    INSERT INTO reseller_billing.order_statement_line (reseller_id, statement_id, line_no, kind, order_id, interest_id,
                                                       description, placed_on, due_on, days_overdue, amount, paid, outstanding)
    SELECT p_reseller, sid, row_number() OVER (ORDER BY y.grp, y.due_on, y.order_id, y.interest_id)::int,
           y.kind, y.order_id, y.interest_id, y.description, y.placed_on, y.due_on,
           GREATEST(t - y.due_on, 0), y.amount, reseller_billing.amount(y.paid, pg.currency),
           reseller_billing.amount(reseller_billing.value(y.amount) - y.paid, pg.currency)
      FROM (SELECT 1 AS grp, 'order' AS kind, x.order_id, NULL::bigint AS interest_id,
                   format('Order %s of %s for %s', x.order_id, x.placed_on, x.ship_to_name) AS description,
                   x.placed_on, x.due_on, x.total AS amount,
                   coalesce((SELECT sum(reseller_billing.value(al.amount))
                               FROM reseller_billing.order_payment_allocation al
                               JOIN reseller_billing.payment p ON p.reseller_id = al.reseller_id AND p.payment_id = al.payment_id
                              WHERE al.reseller_id = p_reseller AND al.order_id = x.order_id AND p.received_on < t), 0) AS paid
              FROM reseller_billing.licence_order x
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.placed_on < t
            UNION ALL
            SELECT CASE WHEN i.statement_id = sid THEN 2 ELSE 3 END,
                   CASE WHEN i.statement_id = sid THEN 'interest' ELSE 'interest_unpaid' END,
                   i.order_id, i.interest_id,
                   format('Late interest on order %s: %s days from %s to %s at %s%% a year', i.order_id, i.days,
                          i.accrued_from, i.accrued_to - 1, rtrim(rtrim((i.annual_rate * 100)::text, '0'), '.')),
                   NULL, i.due_on, i.amount,
                   coalesce((SELECT sum(reseller_billing.value(al.amount))
                               FROM reseller_billing.order_payment_allocation al
                               JOIN reseller_billing.payment p ON p.reseller_id = al.reseller_id AND p.payment_id = al.payment_id
                              WHERE al.reseller_id = p_reseller AND al.interest_id = i.interest_id AND p.received_on < t), 0)
              FROM reseller_billing.late_interest i
             WHERE i.reseller_id = p_reseller) y
     WHERE reseller_billing.value(y.amount) - y.paid > 0 OR y.kind = 'interest';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 AND p_skip_empty THEN
        DELETE FROM reseller_billing.order_statement s WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
        RETURN NULL;
    END IF;
    UPDATE reseller_billing.order_statement s
       SET orders_outstanding = coalesce(x.orders, zero), interest_charged = coalesce(x.charged, zero),
           interest_outstanding = coalesce(x.interest, zero), total_due = coalesce(x.total, zero)
      FROM (SELECT sum(l.outstanding) FILTER (WHERE l.kind = 'order') AS orders,
                   sum(l.amount) FILTER (WHERE l.kind = 'interest') AS charged,
                   sum(l.outstanding) FILTER (WHERE l.kind <> 'order') AS interest,
                   sum(l.outstanding) AS total
              FROM reseller_billing.order_statement_line l
             WHERE l.reseller_id = p_reseller AND l.statement_id = sid) x
     WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
    RETURN sid;
END $$;
COMMENT ON FUNCTION reseller_billing.write_statement(bigint, reseller_billing.billing_period, bool) IS
    'internal: writes a reseller''s statement for a month as of its 1st, with the late interest it charges (once per month); with p_skip_empty, nothing when there is nothing to list';

-- monthly_statement: the statement of a month, written once.
CREATE FUNCTION reseller_billing.monthly_statement(p_reseller bigint, p_month reseller_billing.billing_period)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_month IS NOT NULL AND reseller_billing.period_start(p_month)
                               > reseller_billing.program_date(p_reseller, now()) THEN
        RAISE EXCEPTION 'statement of reseller % for % cannot be written before %', p_reseller, p_month,
                reseller_billing.period_start(p_month)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Today is %s in the program''s time zone.', reseller_billing.program_date(p_reseller, now()));
    END IF;
    RETURN reseller_billing.write_statement(p_reseller, p_month, false);
END $$;
COMMENT ON FUNCTION reseller_billing.monthly_statement(bigint, reseller_billing.billing_period) IS
    'writes (once) a reseller''s statement for a month, as of its 1st: unpaid orders on credit with their due dates, late interest charged, interest unpaid; returns its id';

-- statements_due: the resellers that may need a statement for the month of
-- p_at (their program's time zone): an order on credit placed before its
-- 1st, and no statement for that month or a later one yet.
CREATE FUNCTION reseller_billing.statements_due(p_at timestamptz)
    RETURNS TABLE (reseller_id bigint, period reseller_billing.billing_period)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT r.reseller_id, m.period
      FROM reseller_billing.reseller r
      JOIN reseller_billing.program pg ON pg.program_id = r.program_id
     CROSS JOIN LATERAL (SELECT reseller_billing.billing_period((p_at AT TIME ZONE pg.time_zone)::date) AS period) m
     WHERE EXISTS (SELECT FROM reseller_billing.licence_order o
                    WHERE o.reseller_id = r.reseller_id AND NOT o.requires_prepayment
                      AND o.placed_on < reseller_billing.period_start(m.period))
       AND NOT EXISTS (SELECT FROM reseller_billing.order_statement s
                        WHERE s.reseller_id = r.reseller_id AND s.period >= m.period)
     ORDER BY r.reseller_id;
END;
COMMENT ON FUNCTION reseller_billing.statements_due(timestamptz) IS
    'the resellers with orders on credit and no statement yet for the month of a moment (program time zone), with that month';

-- views --------------------------------------------------------------------

-- What the end customer sees: its licences, the order and the SKU; no
-- price, no amount.
CREATE VIEW reseller_billing.customer_licences WITH (security_invoker = true) AS
SELECT l.reseller_id, l.customer_id, c.name AS customer_name, l.licence_id, l.order_id, k.code AS sku_code,
       k.name AS sku_name, l.quantity, l.kind, l.valid_from, l.valid_until
  FROM reseller_billing.licence l
  JOIN reseller_billing.customer c ON c.reseller_id = l.reseller_id AND c.customer_id = l.customer_id
  JOIN reseller_billing.sku k ON k.sku_id = l.sku_id;
COMMENT ON VIEW reseller_billing.customer_licences IS
    'what an end customer sees: its licences with the order id, the SKU, the quantity and the validity [valid_from, valid_until); never a price';

-- What the reseller sees of its orders.
CREATE VIEW reseller_billing.reseller_orders WITH (security_invoker = true) AS
SELECT o.reseller_id, o.order_id, o.placed_on, o.ship_to_name, o.ship_to_email, o.ship_to_domain, o.customer_id,
       CASE WHEN o.paid_on IS NOT NULL THEN 'paid'
            WHEN o.requires_prepayment THEN 'awaiting_payment'
            ELSE 'open' END AS status,
       o.requires_prepayment, o.prepayment_reason, o.due_on, o.currency,
       reseller_billing.value(o.subtotal) AS subtotal, reseller_billing.value(o.tax) AS tax,
       reseller_billing.value(o.total) AS total, reseller_billing.value(o.paid) AS paid,
       reseller_billing.value(o.total) - reseller_billing.value(o.paid) AS outstanding,
       o.paid_on, o.licensed_on
  FROM reseller_billing.licence_order o;
COMMENT ON VIEW reseller_billing.reseller_orders IS
    'a reseller''s licence orders with numeric totals, tax, what is paid and outstanding, the due date, and when licensed; status paid, awaiting_payment (prepaid, not yet paid) or open (on credit, unpaid: overdue after due_on)';

CREATE VIEW reseller_billing.reseller_order_lines WITH (security_invoker = true) AS
SELECT ln.reseller_id, ln.order_id, ln.line_no, ln.kind, k.code AS sku_code, ln.description, ln.quantity,
       reseller_billing.value(ln.unit_price) AS unit_price, reseller_billing.value(ln.amount) AS amount,
       reseller_billing.currency(ln.amount) AS currency, ln.tax_of_line, ln.tax_state, ln.tax_rate, ln.tax_reason,
       ln.exemption_certificate, lic.licence_id, lic.kind AS licence_kind, lic.valid_from AS licence_valid_from,
       lic.valid_until AS licence_valid_until
  FROM reseller_billing.licence_order_line ln
  LEFT JOIN reseller_billing.sku k ON k.sku_id = ln.sku_id
  LEFT JOIN LATERAL (SELECT l.licence_id, l.kind, l.valid_from, l.valid_until FROM reseller_billing.licence l
                      WHERE l.reseller_id = ln.reseller_id AND l.order_id = ln.order_id AND l.line_no = ln.line_no
                      ORDER BY l.kind = 'full' DESC LIMIT 1) lic ON true;
COMMENT ON VIEW reseller_billing.reseller_order_lines IS
    'the lines of a reseller''s licence orders with prices, amounts, tax rates and the licence of each line (the full one once issued, else the temporary one)';

CREATE VIEW reseller_billing.order_statement_lines WITH (security_invoker = true) AS
SELECT s.reseller_id, s.statement_id, s.period::text AS period, s.issued_on, l.line_no, l.kind, l.order_id,
       l.description, l.placed_on, l.due_on, l.days_overdue, reseller_billing.value(l.amount) AS amount,
       reseller_billing.value(l.paid) AS paid, reseller_billing.value(l.outstanding) AS outstanding, s.currency
  FROM reseller_billing.order_statement s
  JOIN reseller_billing.order_statement_line l ON l.reseller_id = s.reseller_id AND l.statement_id = s.statement_id;
COMMENT ON VIEW reseller_billing.order_statement_lines IS
    'the lines of the monthly statements with numeric amounts: unpaid orders (days overdue on the 1st), interest charged, interest unpaid';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER licence_order_guard BEFORE UPDATE OR DELETE ON reseller_billing.licence_order
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.licence_order_guard();
CREATE TRIGGER licence_order_no_truncate BEFORE TRUNCATE ON reseller_billing.licence_order
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER licence_order_line_guard BEFORE UPDATE OR DELETE ON reseller_billing.licence_order_line
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.licence_order_line_guard();
CREATE TRIGGER licence_order_line_no_truncate BEFORE TRUNCATE ON reseller_billing.licence_order_line
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER order_payment_allocation_no_truncate BEFORE TRUNCATE ON reseller_billing.order_payment_allocation
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER late_interest_no_truncate BEFORE TRUNCATE ON reseller_billing.late_interest
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER order_statement_no_truncate BEFORE TRUNCATE ON reseller_billing.order_statement
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();

REVOKE TRUNCATE ON reseller_billing.licence_order, reseller_billing.licence_order_line,
    reseller_billing.order_payment_allocation, reseller_billing.late_interest, reseller_billing.order_statement
    FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.customer_contact', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.licence_order', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.licence_order_order_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.licence_order_line', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.licence', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.licence_licence_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.order_statement', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.order_statement_statement_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.late_interest', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.late_interest_interest_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.order_statement_line', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.order_payment_allocation', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.order_payment_allocation_allocation_id_seq', '');

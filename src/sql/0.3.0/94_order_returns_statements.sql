-- ========================================================================
-- order returns, part 2: the monthly statement with the returns, and the
-- views (issue 15 §4; doc/orders.md "Returns"; part 1, the table and the
-- functions that return an order, is 94_order_returns.sql)
-- ========================================================================

-- functions: statements ----------------------------------------------------

-- statement_interest: the late interest a monthly statement charges, on
-- every order on credit that was overdue and unpaid on some day since it
-- was last charged, up to the day before the 1st (p_first) or before its
-- return; none on a cancelled order
CREATE FUNCTION reseller_billing.statement_interest(p_reseller bigint, p_statement bigint, p_first date, p_rate numeric,
                                                    p_zero reseller_billing.amount) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    o       record;
    acc     record;
    a       date;
    e       date;
    interest reseller_billing.amount;
BEGIN
    -- late interest on every order on credit that was overdue and unpaid on
    -- some day since it was last charged, up to the day before the 1st (or
    -- before its return); none on a cancelled order
    IF p_rate > 0 THEN
        FOR o IN
            SELECT x.order_id, x.due_on, x.returned_on,
                   coalesce((SELECT max(i.accrued_to) FROM reseller_billing.late_interest i
                              WHERE i.reseller_id = p_reseller AND i.order_id = x.order_id), x.due_on) AS charged_to
              FROM reseller_billing.licence_order x
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.due_on < p_first
               AND x.cancelled_on IS NULL
             ORDER BY x.due_on, x.order_id
        LOOP
            a := GREATEST(o.due_on, o.charged_to);
            e := LEAST(p_first, coalesce(o.returned_on, p_first));
            CONTINUE WHEN a >= e;
            acc := reseller_billing.order_interest_accrual(p_reseller, o.order_id, a, e);
            CONTINUE WHEN acc.days = 0;
            -- interest = balance_days × rate / 365, exact, rounded once to
            -- the minor unit, ties away from zero
            interest := reseller_billing.scale(acc.balance_days, p_rate, 365);
            CONTINUE WHEN reseller_billing.is_zero(interest);
            INSERT INTO reseller_billing.late_interest (reseller_id, statement_id, order_id, accrued_from, accrued_to, days,
                                                        balance_days, annual_rate, amount, due_on, paid)
            VALUES (p_reseller, p_statement, o.order_id, a, e, acc.days, reseller_billing.value(acc.balance_days), p_rate,
                    interest, reseller_billing.due_date(p_first, p_first, reseller_billing.payment_terms(p_reseller)), p_zero);
        END LOOP;
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.statement_interest(bigint, bigint, date, numeric, reseller_billing.amount) IS
    'internal (write_statement): writes the late interest a monthly statement charges (late_interest rows), rounded once per charge';

-- statement_paid: what was paid on an order (p_order) or on a late
-- interest charge (p_interest, when given) by payments received before the
-- 1st of the statement's month (p_first); p_zero when nothing
CREATE FUNCTION reseller_billing.statement_paid(p_reseller bigint, p_order bigint, p_interest bigint, p_first date,
                                                p_zero reseller_billing.amount) RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT sum(al.amount)
                       FROM reseller_billing.order_payment_allocation al
                       JOIN reseller_billing.payment p ON p.reseller_id = al.reseller_id AND p.payment_id = al.payment_id
                      WHERE al.reseller_id = p_reseller
                        AND CASE WHEN p_interest IS NULL THEN al.order_id = p_order ELSE al.interest_id = p_interest END
                        AND p.received_on < p_first),
                    p_zero);
END $$;
COMMENT ON FUNCTION reseller_billing.statement_paid(bigint, bigint, bigint, date, reseller_billing.amount) IS
    'internal (statement_lines): paid on an order or a late interest charge by payments received before a day';

-- statement_lines: a monthly statement's lines; returns how many
CREATE FUNCTION reseller_billing.statement_lines(p_reseller bigint, p_statement bigint, p_first date,
                                                 p_zero reseller_billing.amount) RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       int;
BEGIN
    -- the lines: unpaid orders on credit placed before the 1st (and not
    -- ended before it), then this statement's interest, then earlier
    -- interest still unpaid (and not reversed before the 1st), then the
    -- returns before the 1st not shown yet and the interest they reversed;
    -- paid means received before the 1st
    INSERT INTO reseller_billing.order_statement_line (reseller_id, statement_id, line_no, kind, order_id, interest_id,
                                                       return_id, description, placed_on, due_on, days_overdue, amount,
                                                       paid, outstanding)
    SELECT p_reseller, p_statement, row_number() OVER (ORDER BY y.grp, y.sort_on, y.order_id, y.sub_id)::int,
           y.kind, y.order_id, y.interest_id, y.return_id, y.description, y.placed_on, y.due_on,
           CASE WHEN y.grp <= 3 THEN GREATEST(p_first - y.due_on, 0) END, y.amount, y.paid, y.outstanding
      FROM (SELECT 1 AS grp, 'order' AS kind, x.order_id, NULL::bigint AS interest_id, NULL::bigint AS return_id,
                   format('Order %s of %s for %s', x.order_id, x.placed_on, x.ship_to_name) AS description,
                   x.placed_on, x.due_on, x.due_on AS sort_on, NULL::bigint AS sub_id, x.total AS amount, pd.paid,
                   x.total - pd.paid AS outstanding
              FROM reseller_billing.licence_order x
             CROSS JOIN LATERAL (SELECT reseller_billing.statement_paid(p_reseller, x.order_id, NULL, p_first, p_zero) AS paid) pd
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.placed_on < p_first
               AND (x.cancelled_on IS NULL OR x.cancelled_on >= p_first) AND (x.returned_on IS NULL OR x.returned_on >= p_first)
            UNION ALL
            SELECT CASE WHEN i.statement_id = p_statement THEN 2 ELSE 3 END,
                   CASE WHEN i.statement_id = p_statement THEN 'interest' ELSE 'interest_unpaid' END,
                   i.order_id, i.interest_id, NULL,
                   format('Late interest on order %s: %s days from %s to %s at %s%% a year', i.order_id, i.days,
                          i.accrued_from, i.accrued_to - 1, rtrim(rtrim((i.annual_rate * 100)::text, '0'), '.')),
                   NULL, i.due_on, i.due_on, i.interest_id, i.amount, pd.paid, i.amount - pd.paid
              FROM reseller_billing.late_interest i
             CROSS JOIN LATERAL (SELECT reseller_billing.statement_paid(p_reseller, NULL, i.interest_id, p_first, p_zero) AS paid) pd
             WHERE i.reseller_id = p_reseller AND (i.reversed_on IS NULL OR i.reversed_on >= p_first)
            UNION ALL
            SELECT 4, r.kind, r.order_id, NULL, r.return_id,
                   CASE r.kind
                       WHEN 'cancellation' THEN
                           format('Order %s of %s for %s cancelled on %s (%s): %s no longer owed', x.order_id, x.placed_on,
                                  x.ship_to_name, r.returned_on, r.reason, r.written_off)
                       WHEN 'refund' THEN
                           format('Refund on order %s of %s for %s on %s (%s): %s paid back%s', x.order_id, x.placed_on,
                                  x.ship_to_name, r.returned_on, r.reason, r.amount,
                                  CASE WHEN reseller_billing.sign(r.written_off) > 0
                                       THEN format('; %s unpaid no longer owed', r.written_off) ELSE '' END)
                       ELSE
                           format('Credit note on order %s of %s for %s on %s (%s): %s credited, %s of it kept as credit%s',
                                  x.order_id, x.placed_on, x.ship_to_name, r.returned_on, r.reason, r.amount, p.unapplied,
                                  CASE WHEN reseller_billing.sign(r.written_off) > 0
                                       THEN format('; %s unpaid no longer owed', r.written_off) ELSE '' END)
                   END,
                   x.placed_on, NULL::date, r.returned_on, r.return_id,
                   -(CASE WHEN r.kind = 'cancellation' THEN r.written_off ELSE r.amount END), p_zero, p_zero
              FROM reseller_billing.order_return r
              JOIN reseller_billing.licence_order x ON x.reseller_id = r.reseller_id AND x.order_id = r.order_id
              LEFT JOIN reseller_billing.payment p ON p.reseller_id = r.reseller_id AND p.payment_id = r.payment_id
             WHERE r.reseller_id = p_reseller AND r.statement_id IS NULL AND r.returned_on < p_first
               AND (r.kind <> 'cancellation' OR NOT x.requires_prepayment)
            UNION ALL
            SELECT 5, 'interest_reversal', i.order_id, i.interest_id, r.return_id,
                   format('Late interest on order %s from %s to %s reversed: the order was cancelled on %s', i.order_id,
                          i.accrued_from, i.accrued_to - 1, r.returned_on),
                   NULL, NULL, r.returned_on, i.interest_id, -i.reversed, p_zero, p_zero
              FROM reseller_billing.order_return r
              JOIN reseller_billing.late_interest i ON i.reseller_id = r.reseller_id AND i.order_id = r.order_id
             WHERE r.reseller_id = p_reseller AND r.statement_id IS NULL AND r.returned_on < p_first
               AND r.kind = 'cancellation' AND i.reversed_on IS NOT NULL) y
     WHERE y.grp >= 4 OR reseller_billing.sign(y.outstanding) > 0 OR y.kind = 'interest';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.statement_lines(bigint, bigint, date, reseller_billing.amount) IS
    'internal (write_statement): writes a monthly statement''s lines (unpaid orders, interest charged and unpaid, returns and the interest they reversed); returns how many';

-- reseller_billing.write_statement(bigint,reseller_billing.billing_period,boolean):
-- 80_payment_terms.sql's, with the returns: no interest on a cancelled
-- order, none on a returned one after its return; an order ended before the
-- 1st is not listed, nor interest reversed before it; and the returns not
-- shown yet, dated before the 1st, each with the interest it reversed.
-- The interest and the lines are written by a function each
-- (statement_interest, statement_lines).
CREATE OR REPLACE FUNCTION reseller_billing.write_statement(p_reseller bigint, p_month reseller_billing.billing_period, p_skip_empty boolean)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    sid     bigint;
    later   reseller_billing.billing_period;
    t       date;
    rate    numeric;
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
    pg := reseller_billing.lock_reseller(p_reseller);
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
    zero := reseller_billing.amount(0, pg.currency);
    INSERT INTO reseller_billing.order_statement (reseller_id, period, issued_on, currency, interest_rate,
                                                  orders_outstanding, interest_charged, interest_outstanding, total_due)
    VALUES (p_reseller, p_month, t, pg.currency, rate, zero, zero, zero, zero)
    RETURNING statement_id INTO sid;

    PERFORM reseller_billing.statement_interest(p_reseller, sid, t, rate, zero);

    n := reseller_billing.statement_lines(p_reseller, sid, t, zero);
    IF n = 0 AND p_skip_empty THEN
        DELETE FROM reseller_billing.order_statement s WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
        RETURN NULL;
    END IF;
    UPDATE reseller_billing.order_return r SET statement_id = sid
      FROM reseller_billing.licence_order x
     WHERE r.reseller_id = p_reseller AND r.statement_id IS NULL AND r.returned_on < t
       AND x.reseller_id = r.reseller_id AND x.order_id = r.order_id
       AND (r.kind <> 'cancellation' OR NOT x.requires_prepayment);
    UPDATE reseller_billing.order_statement s
       SET orders_outstanding = coalesce(x.orders, zero), interest_charged = coalesce(x.charged, zero),
           interest_outstanding = coalesce(x.interest, zero), total_due = coalesce(x.total, zero)
      FROM (SELECT sum(l.outstanding) FILTER (WHERE l.kind = 'order') AS orders,
                   sum(l.amount) FILTER (WHERE l.kind = 'interest') AS charged,
                   sum(l.outstanding) FILTER (WHERE l.kind IN ('interest', 'interest_unpaid')) AS interest,
                   sum(l.outstanding) AS total
              FROM reseller_billing.order_statement_line l
             WHERE l.reseller_id = p_reseller AND l.statement_id = sid) x
     WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
    RETURN sid;
END $function$;

-- reseller_billing.statements_due(timestamp with time zone): 93's, and a
-- reseller with a return before the 1st not shown on a statement yet
CREATE OR REPLACE FUNCTION reseller_billing.statements_due(p_at timestamp with time zone)
 RETURNS TABLE(reseller_id bigint, period reseller_billing.billing_period)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
BEGIN
    RETURN QUERY
 SELECT r.reseller_id,
     m.period
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.billing_period(((statements_due.p_at AT TIME ZONE pg.time_zone))::date) AS period) m)
   WHERE ((EXISTS ( SELECT
            FROM reseller_billing.licence_order o
           WHERE ((o.reseller_id = r.reseller_id) AND (NOT o.requires_prepayment) AND (o.placed_on < reseller_billing.period_start(m.period)))))
          OR (EXISTS ( SELECT
            FROM (reseller_billing.order_return x
              JOIN reseller_billing.licence_order o ON ((o.reseller_id = x.reseller_id) AND (o.order_id = x.order_id)))
           WHERE ((x.reseller_id = r.reseller_id) AND (x.statement_id IS NULL) AND (x.returned_on < reseller_billing.period_start(m.period))
                  AND ((x.kind <> 'cancellation') OR (NOT o.requires_prepayment))))))
     AND (NOT (EXISTS ( SELECT
            FROM reseller_billing.order_statement s
           WHERE ((s.reseller_id = r.reseller_id) AND (s.period OPERATOR(reseller_billing.>=) m.period)))))
   ORDER BY r.reseller_id;
END
$body$;

-- views --------------------------------------------------------------------

-- reseller_orders: 87_money_views.sql's, with the statuses cancelled and
-- returned (nothing outstanding on them) and, at the end, the days and the
-- amount returned
CREATE OR REPLACE VIEW reseller_billing.reseller_orders WITH (security_invoker = true) AS
 SELECT o.reseller_id,
    o.order_id,
    o.placed_on,
    o.ship_to_name,
    o.ship_to_email,
    o.ship_to_domain,
    o.customer_id,
        CASE
            WHEN (o.cancelled_on IS NOT NULL) THEN 'cancelled'::text
            WHEN (o.returned_on IS NOT NULL) THEN 'returned'::text
            WHEN (o.paid_on IS NOT NULL) THEN 'paid'::text
            WHEN o.requires_prepayment THEN 'awaiting_payment'::text
            ELSE 'open'::text
        END AS status,
    o.requires_prepayment,
    o.prepayment_reason,
    o.due_on,
    o.currency,
    reseller_billing.value(o.subtotal) AS subtotal,
    reseller_billing.value(o.tax) AS tax,
    reseller_billing.value(o.total) AS total,
    reseller_billing.value(o.paid) AS paid,
    reseller_billing.value(CASE WHEN o.cancelled_on IS NOT NULL OR o.returned_on IS NOT NULL
                                THEN reseller_billing.amount(0, o.currency)
                                ELSE o.total OPERATOR(reseller_billing.-) o.paid END) AS outstanding,
    o.paid_on,
    o.licensed_on,
    o.cancelled_on,
    o.returned_on,
    reseller_billing.value(o.returned) AS returned
   FROM reseller_billing.licence_order o;
COMMENT ON VIEW reseller_billing.reseller_orders IS
    'a reseller''s licence orders with numeric totals, tax, what is paid and outstanding, the due date, and when licensed; status paid, awaiting_payment (prepaid, not yet paid), open (on credit, unpaid: overdue after due_on), cancelled (before payment) or returned (refunded or credited after payment; returned is the amount)';

CREATE VIEW reseller_billing.order_returns WITH (security_invoker = true) AS
SELECT r.reseller_id, r.return_id, r.order_id, r.kind, r.returned_on, r.reason, o.currency,
       reseller_billing.value(o.paid) AS order_paid,
       reseller_billing.value(r.amount) AS amount,
       reseller_billing.value(r.written_off) AS written_off,
       reseller_billing.value(r.interest_reversed) AS interest_reversed,
       reseller_billing.value(p.amount OPERATOR(reseller_billing.-) p.unapplied) AS credit_applied,
       reseller_billing.value(p.unapplied) AS credit_unapplied,
       s.period::text AS statement_period
  FROM reseller_billing.order_return r
  JOIN reseller_billing.licence_order o ON o.reseller_id = r.reseller_id AND o.order_id = r.order_id
  LEFT JOIN reseller_billing.payment p ON p.reseller_id = r.reseller_id AND p.payment_id = r.payment_id
  LEFT JOIN reseller_billing.order_statement s ON s.reseller_id = r.reseller_id AND s.statement_id = r.statement_id;
COMMENT ON VIEW reseller_billing.order_returns IS
    'the cancellations, refunds and credit notes of a reseller''s licence orders, numeric: amount returned, unpaid rest no longer owed, interest reversed, what a credit note paid and what it keeps as credit, the statement that shows it';

-- who reads the views
GRANT SELECT ON reseller_billing.order_returns TO reseller_billing_reseller;
GRANT SELECT ON reseller_billing.order_returns TO reseller_billing_admin;

-- ========================================================================
-- 0.3.0: money stays an amount: settling, payments, credits, tax (issue 17 §1)
-- ========================================================================
--
-- These functions of 0.1.0 did their arithmetic on numeric taken from
-- value() -- what is owed, what a credit takes, a tax line, a sign test --
-- and built an amount again, which skipped the currency check and the one
-- rounding rule.  Here they compute in amount (+, -, comparison, sum,
-- sign, is_zero, larger/smaller, scale: 02_amount_ops.sql), as do the
-- functions of 0.3.0 edited in place (record_payment, payment_check,
-- close_chunk, due_lines, preview_invoice, tax_line_amount, issue_invoices,
-- channel_close, write_statement, void_invoice, migrate_to_postpaid,
-- place_order_unchecked, record_order_payment, settle_order_item).
-- allocate_payment and settle_order_item take the part as an amount.
-- test/pgtap/090_money_path.sql fails on value() arithmetic anywhere.

-- settle_draft_credits: the reseller's credits in the invoice's currency,
-- oldest first, applied to the draft invoice's eligible lines (never its
-- tax), each line at most what earlier credits left open, in all at most
-- p_cap (the subtotal); returns what was applied
CREATE FUNCTION reseller_billing.settle_draft_credits(p_reseller bigint, p_invoice bigint, p_currency text,
                                                      p_cap reseller_billing.amount) RETURNS reseller_billing.amount
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    zero    reseller_billing.amount := reseller_billing.amount(0, p_currency);
    cap     reseller_billing.amount := p_cap;
    applied reseller_billing.amount := reseller_billing.amount(0, p_currency);
    cr      record;
    took    reseller_billing.amount;
BEGIN
    FOR cr IN
        SELECT c.credit_id, c.remaining, c.eligibility
          FROM reseller_billing.credit c
         WHERE c.reseller_id = p_reseller AND reseller_billing.currency(c.remaining) = p_currency
           AND reseller_billing.sign(c.remaining) > 0
         ORDER BY c.granted_at, c.credit_id
           FOR UPDATE
    LOOP
        EXIT WHEN applied >= cap;
        -- the eligible lines' amounts not yet covered by earlier credits,
        -- taken in line order up to what this credit and the invoice allow
        WITH open_lines AS (
            SELECT l.line_no,
                   l.amount
                   - coalesce((SELECT sum(a.amount) FROM reseller_billing.credit_application a
                                WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id
                                  AND a.line_no = l.line_no), zero) AS open
              FROM reseller_billing.invoice_line l
              LEFT JOIN reseller_billing.customer cu
                ON cu.reseller_id = l.reseller_id AND cu.customer_id = l.customer_id
              LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id
             WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice
               AND l.kind NOT IN ('sales_tax', 'prepaid_sales_tax')      -- a credit pays the sale, not its tax
               AND reseller_billing.credit_eligible(cr.eligibility, cu.kind, k.family, l.kind)
        ), takes AS (
            SELECT o.line_no,
                   reseller_billing.smaller(o.open, reseller_billing.smaller(cr.remaining, cap - applied)
                                 - coalesce(sum(o.open) OVER (ORDER BY o.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), zero)) AS take
              FROM open_lines o
             WHERE reseller_billing.sign(o.open) > 0
        ), ins AS (
            INSERT INTO reseller_billing.credit_application (reseller_id, invoice_id, line_no, credit_id, amount)
            SELECT p_reseller, p_invoice, t.line_no, cr.credit_id, t.take
              FROM takes t WHERE reseller_billing.sign(t.take) > 0
            RETURNING amount)
        SELECT coalesce(sum(ins.amount), zero) INTO took FROM ins;
        IF reseller_billing.sign(took) > 0 THEN
            UPDATE reseller_billing.credit c
               SET remaining = c.remaining - took
             WHERE c.reseller_id = p_reseller AND c.credit_id = cr.credit_id;
            applied := applied + took;
        END IF;
    END LOOP;
    RETURN applied;
END $$;
COMMENT ON FUNCTION reseller_billing.settle_draft_credits(bigint, bigint, text, reseller_billing.amount) IS
    'internal (settle_draft): applies the reseller''s credits, oldest first, to a draft invoice''s eligible lines up to a cap; returns the amount applied';

-- reseller_billing.settle_draft(bigint,bigint): the credits applied by
-- settle_draft_credits, then the money received and not yet applied
CREATE OR REPLACE FUNCTION reseller_billing.settle_draft(p_reseller bigint, p_invoice bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.invoice;
    zero    reseller_billing.amount;
    cap     reseller_billing.amount;
    applied reseller_billing.amount;
    pay     record;
    owed    reseller_billing.amount;
    part    reseller_billing.amount;
BEGIN
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    zero := reseller_billing.amount(0, inv.currency);
    cap := reseller_billing.larger(inv.subtotal, zero);
    applied := reseller_billing.settle_draft_credits(p_reseller, p_invoice, inv.currency, cap);

    owed := inv.subtotal - applied + inv.tax;
    UPDATE reseller_billing.invoice i
       SET credits_applied = applied,
           total = owed
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;

    -- money already received and not yet applied settles the new invoice
    FOR pay IN
        SELECT p.payment_id, p.unapplied
          FROM reseller_billing.payment p
         WHERE p.reseller_id = p_reseller AND reseller_billing.currency(p.unapplied) = inv.currency
           AND reseller_billing.sign(p.unapplied) > 0
         ORDER BY p.received_on, p.payment_id
           FOR UPDATE
    LOOP
        EXIT WHEN reseller_billing.sign(owed) <= 0;
        part := reseller_billing.smaller(owed, pay.unapplied);
        PERFORM reseller_billing.allocate_payment(p_reseller, pay.payment_id, p_invoice, part);
        owed := owed - part;
    END LOOP;
END $function$
;

-- reseller_billing.allocate_payment(bigint,bigint,bigint,reseller_billing.amount): the part as an amount
-- in the invoice's currency (it was a numeric)
DROP FUNCTION reseller_billing.allocate_payment(bigint, bigint, bigint, numeric);
CREATE FUNCTION reseller_billing.allocate_payment(p_reseller bigint, p_payment bigint, p_invoice bigint, p_amount reseller_billing.amount)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pay     reseller_billing.payment;
    cur     text;
BEGIN
    IF p_reseller IS NULL OR p_payment IS NULL OR p_invoice IS NULL OR p_amount IS NULL THEN
        RAISE EXCEPTION 'allocate_payment needs a reseller, a payment, an invoice and an amount'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s, payment %s, invoice %s and amount %s were given.',
                                  coalesce(p_reseller::text, 'NULL'), coalesce(p_payment::text, 'NULL'),
                                  coalesce(p_invoice::text, 'NULL'), coalesce(p_amount::text, 'NULL'));
    END IF;
    IF reseller_billing.sign(p_amount) <= 0 THEN
        RAISE EXCEPTION 'an allocation of payment % of reseller % must be a positive amount', p_payment, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
    SELECT * INTO pay FROM reseller_billing.payment p WHERE p.reseller_id = p_reseller AND p.payment_id = p_payment;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'payment % of reseller % does not exist', p_payment, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF reseller_billing.currency(p_amount) <> reseller_billing.currency(pay.amount) THEN
        RAISE EXCEPTION 'an allocation of payment % of reseller % must be in %, the payment''s currency', p_payment,
                p_reseller, reseller_billing.currency(pay.amount)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
    IF p_amount > pay.unapplied THEN
        RAISE EXCEPTION 'payment % of reseller % has less left to allocate than asked', p_payment, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s is left unapplied; %s was asked for.', pay.unapplied, p_amount);
    END IF;
    SELECT i.currency INTO cur FROM reseller_billing.invoice i WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF cur <> reseller_billing.currency(p_amount) THEN
        RAISE EXCEPTION 'invoice % of reseller % is in %; payment % is in %', p_invoice, p_reseller, cur, p_payment,
                reseller_billing.currency(p_amount)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO reseller_billing.payment_allocation (reseller_id, payment_id, invoice_id, amount)
    VALUES (p_reseller, p_payment, p_invoice, p_amount)
    ON CONFLICT (reseller_id, payment_id, invoice_id)
    DO UPDATE SET amount = reseller_billing.payment_allocation.amount + EXCLUDED.amount;
    UPDATE reseller_billing.payment p SET unapplied = p.unapplied - p_amount
     WHERE p.reseller_id = p_reseller AND p.payment_id = p_payment;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'settle');
    UPDATE reseller_billing.invoice i
       SET paid = i.paid + p_amount,
           status = CASE WHEN i.status <> 'draft'
                          AND reseller_billing.sign(i.total - i.credited - i.paid - p_amount) <= 0
                         THEN 'paid' ELSE i.status END
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
END $function$;
REVOKE EXECUTE ON FUNCTION reseller_billing.allocate_payment(bigint, bigint, bigint, reseller_billing.amount) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.allocate_payment(bigint, bigint, bigint, reseller_billing.amount) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.allocate_payment(bigint, bigint, bigint, reseller_billing.amount) IS
    'internal: moves part of a payment onto an invoice, marking it paid when nothing is left owing';

-- reseller_billing.add_charge(bigint,bigint,text,reseller_billing.amount,date)
-- add_charge: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
-- reseller_billing.grant_credit(bigint,reseller_billing.amount,text,jsonb)
-- grant_credit: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
-- reseller_billing.issue_credit_note(bigint,bigint,reseller_billing.amount,text)
CREATE OR REPLACE FUNCTION reseller_billing.issue_credit_note(p_reseller bigint, p_invoice bigint, p_amount reseller_billing.amount, p_reason text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.invoice;
    owed    reseller_billing.amount;
    id      bigint;
BEGIN
    -- a NULL reseller or invoice is 22004 (an invoice that does not exist
    -- stays P0002), a NULL amount 22004 with the message of a bad one
    -- (22023), a reason longer than 1000 characters 22023
    PERFORM reseller_billing.arg_required('issue_credit_note', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('issue_credit_note', 'p_invoice', 'an invoice', p_invoice);
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'issued' THEN
        RAISE EXCEPTION 'invoice % of reseller % is % and takes no credit note', inv.invoice_number, p_reseller, inv.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 OR currency(p_amount) <> inv.currency THEN
        RAISE EXCEPTION 'a credit note must be a positive amount in %', inv.currency
            USING ERRCODE = CASE WHEN p_amount IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    PERFORM reseller_billing.arg_text('the reason of a credit note', p_reason, 1000);
    owed := inv.total - inv.credited - inv.paid;
    IF p_amount > owed THEN
        RAISE EXCEPTION 'credit note exceeds what is owed on invoice % of reseller %', inv.invoice_number, p_reseller
            USING ERRCODE = 'check_violation',
                  DETAIL = format('%s is owed; the credit note is %s.', owed, p_amount);
    END IF;
    INSERT INTO reseller_billing.credit_note (reseller_id, invoice_id, amount, reason)
    VALUES (p_reseller, p_invoice, p_amount, coalesce(p_reason, ''))
    RETURNING credit_note_id INTO id;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'settle');
    UPDATE reseller_billing.invoice i
       SET credited = i.credited + p_amount,
           status = CASE WHEN reseller_billing.sign(owed - p_amount) <= 0 THEN 'paid' ELSE i.status END
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
    RETURN id;
END $function$
;

-- reseller_billing.issue_credit_note(bigint,reseller_billing.amount,text):
-- the same by invoice id alone; a NULL invoice is 22004, one that does not
-- exist P0002, the rest as above
CREATE OR REPLACE FUNCTION reseller_billing.issue_credit_note(p_invoice bigint, p_amount reseller_billing.amount, p_reason text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    r       bigint;
BEGIN
    PERFORM reseller_billing.arg_required('issue_credit_note', 'p_invoice', 'an invoice', p_invoice);
    SELECT i.reseller_id INTO r FROM reseller_billing.invoice i WHERE i.invoice_id = p_invoice;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', p_invoice USING ERRCODE = 'no_data_found';
    END IF;
    RETURN reseller_billing.issue_credit_note(r, p_invoice, p_amount, p_reason);
END $function$
;

-- reseller_billing.sales_tax(bigint,date,reseller_billing.amount)
CREATE OR REPLACE FUNCTION reseller_billing.sales_tax(p_reseller bigint, p_on date, p_amount reseller_billing.amount)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    t       record;
    cur     text;
    digits  int;
BEGIN
    -- a NULL amount is 22004; a NULL reseller or date 22004, a date outside
    -- the years 1900 to 8999 22008 and a reseller that does not exist P0002
    -- (sales_tax_rate); a currency without a minor unit (ISO's N.A.) 22023;
    -- the tax is in the line's currency
    IF p_amount IS NULL THEN
        RAISE EXCEPTION 'the sales tax of reseller % on % needs an amount', p_reseller, p_on
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    cur := reseller_billing.currency(p_amount);
    digits := reseller_billing.minor_unit(cur);
    IF digits IS NULL THEN
        RAISE EXCEPTION 'currency % has no minor unit and cannot be taxed', cur
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The amount given is %s.', p_amount);
    END IF;
    t := reseller_billing.sales_tax_rate(p_reseller, p_on);
    -- amount × rate, exact, rounded once to the minor unit, ties away from
    -- zero: the usual US rule and the line rule (doc/rules.md)
    RETURN reseller_billing.scale(p_amount, t.rate);
END $function$
;

-- reseller_billing.price_check()
CREATE OR REPLACE FUNCTION reseller_billing.price_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    s       record;
    clash   record;
BEGIN
    -- prices of one SKU are checked one transaction at a time: a lock of the
    -- SKU's prices, not of its row (on a Citus cluster the check runs on
    -- every copy of the price table, and a row lock of the SKU there would
    -- reach the other nodes' copies from each of them)
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.price'), hashtext(NEW.sku_id::text));
    SELECT k.code, p.currency INTO s
      FROM reseller_billing.sku k JOIN reseller_billing.program p USING (program_id)
     WHERE k.sku_id = NEW.sku_id;
    IF reseller_billing.currency(NEW.list_price) OPERATOR(pg_catalog.<>) s.currency THEN
        RAISE EXCEPTION 'price of SKU "%" must be in the program currency %', s.code, s.currency
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price given is %s.', NEW.list_price);
    END IF;
    IF reseller_billing.sign(NEW.list_price) OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'price of SKU "%" cannot be negative', s.code
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price given is %s.', NEW.list_price);
    END IF;
    SELECT p.price_id, p.list_price, p.valid_from, p.valid_to INTO clash
      FROM reseller_billing.price p
     WHERE p.sku_id OPERATOR(pg_catalog.=) NEW.sku_id
       AND p.plan OPERATOR(reseller_billing.=) NEW.plan
       AND p.price_id OPERATOR(pg_catalog.<>) NEW.price_id
       AND daterange(p.valid_from, p.valid_to) OPERATOR(pg_catalog.&&) daterange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price validity overlaps for SKU "%" plan %', s.code, NEW.plan
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price of %s is valid over %s; the price of %s would be valid over %s.',
                                  clash.list_price, daterange(clash.valid_from, clash.valid_to),
                                  NEW.list_price, daterange(NEW.valid_from, NEW.valid_to)),
                  HINT = 'End the current price (set valid_to) before the new one starts.';
    END IF;
    RETURN NEW;
END $function$
;

-- reseller_billing.provider_price_check()
CREATE OR REPLACE FUNCTION reseller_billing.provider_price_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    r       record;
    clash   reseller_billing.provider_price;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.provider_price'), hashtext(NEW.reseller_id::text));
    SELECT x.tier, pg.currency, pg.program_id, k.program_id AS sku_program, k.code INTO r
      FROM reseller_billing.reseller x
      JOIN reseller_billing.program pg ON pg.program_id = x.program_id
      LEFT JOIN reseller_billing.sku k ON k.sku_id = NEW.sku_id
     WHERE x.reseller_id = NEW.reseller_id;
    IF r.tier IS DISTINCT FROM 'indirect_provider' THEN
        RAISE EXCEPTION 'reseller % is not an indirect provider and has no price list of its own', NEW.reseller_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF r.sku_program IS DISTINCT FROM r.program_id THEN
        RAISE EXCEPTION 'SKU % is not sold in the program of provider %', NEW.sku_id, NEW.reseller_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF reseller_billing.currency(NEW.price) <> r.currency OR reseller_billing.sign(NEW.price) < 0 THEN
        RAISE EXCEPTION 'price of SKU "%" of provider % must be a non-negative amount in %', r.code, NEW.reseller_id, r.currency
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price given is %s.', NEW.price);
    END IF;
    SELECT * INTO clash FROM reseller_billing.provider_price p
     WHERE p.reseller_id = NEW.reseller_id AND p.sku_id = NEW.sku_id AND p.plan OPERATOR(reseller_billing.=) NEW.plan
       AND p.provider_price_id <> NEW.provider_price_id
       AND daterange(p.valid_from, p.valid_to) && daterange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price validity overlaps for SKU "%" plan % of provider %', r.code, NEW.plan, NEW.reseller_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price of %s is valid over %s; the price of %s would be valid over %s.',
                                  clash.price, daterange(clash.valid_from, clash.valid_to),
                                  NEW.price, daterange(NEW.valid_from, NEW.valid_to)),
                  HINT = 'End the current price (set valid_to) before the new one starts.';
    END IF;
    RETURN NEW;
END $function$
;

-- subscription_cancelled: defined once, in 97_subscription_rules.sql (the version 0.3.0 installs)

-- reseller_billing.receivables_aging_at(date)
CREATE OR REPLACE FUNCTION reseller_billing.receivables_aging_at(p_as_of date)
 RETURNS TABLE(reseller_id bigint, reseller_name text, currency text, current numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric, over_90 numeric, total numeric)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
BEGIN
    RETURN QUERY
 SELECT i.reseller_id,
     r.name,
     i.currency,
     COALESCE(sum(o.owed) FILTER (WHERE (receivables_aging_at.p_as_of <= i.due_on)), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 1) AND ((receivables_aging_at.p_as_of - i.due_on) <= 30))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 31) AND ((receivables_aging_at.p_as_of - i.due_on) <= 60))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 61) AND ((receivables_aging_at.p_as_of - i.due_on) <= 90))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE ((receivables_aging_at.p_as_of - i.due_on) > 90)), reseller_billing.zero(i.currency)) AS "coalesce",
     sum(o.owed) AS sum
    FROM ((reseller_billing.invoice i
      JOIN reseller_billing.reseller r ON ((r.reseller_id = i.reseller_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.value(i.total - i.credited - i.paid) AS owed) o)
   WHERE ((i.status = 'issued'::text) AND (i.issued_on <= receivables_aging_at.p_as_of) AND (o.owed > (0)::numeric))
   GROUP BY i.reseller_id, r.name, i.currency
   ORDER BY i.reseller_id, i.currency;
END
$body$
;

-- settle_order_item (22_clock_orders.sql) took a numeric and a currency
REVOKE EXECUTE ON FUNCTION reseller_billing.settle_order_item(bigint, bigint, date, bigint, bigint, reseller_billing.amount) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.settle_order_item(bigint, bigint, date, bigint, bigint, reseller_billing.amount) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.settle_order_item(bigint, bigint, date, bigint, bigint, reseller_billing.amount) IS
    'internal: allocates part of a payment (an amount) to an order or a late interest charge; a fully paid order waiting for payment gets its licence';

-- the ledger's sign checks test the amount, not its numeric
ALTER TABLE reseller_billing.licence_order
    DROP CONSTRAINT licence_order_check2,
    ADD CONSTRAINT licence_order_check2
        CHECK (reseller_billing.sign(paid) >= 0 AND paid OPERATOR(reseller_billing.<=) total);
ALTER TABLE reseller_billing.late_interest
    DROP CONSTRAINT late_interest_check1,
    ADD CONSTRAINT late_interest_check1
        CHECK (reseller_billing.sign(paid) >= 0 AND paid OPERATOR(reseller_billing.<=) amount);
ALTER TABLE reseller_billing.order_payment_allocation
    DROP CONSTRAINT order_payment_allocation_amount_check,
    ADD CONSTRAINT order_payment_allocation_amount_check CHECK (reseller_billing.sign(amount) > 0);

-- ========================================================================
-- the prepaid-to-postpaid migration (issue 5 §1, §2; doc/migration.md)
-- ========================================================================
--
-- migrate_to_postpaid moves a prepaid reseller's whole business to monthly
-- post-paid billing in one transaction, once: every prepaid order becomes an
-- Annual plan paid monthly with the same renewal date, seats and price (or a
-- final 30-day trial when it is in its grace period or about to lapse), and
-- the unused part of every prepaid order is granted as one migration credit,
-- restricted to the program's main product family for online customers.
-- The migration row is the permission the subscription rules check
-- (migration_check): the internal setting alone opens nothing.

-- tables -------------------------------------------------------------------

CREATE TABLE reseller_billing.migration (
    reseller_id             bigint NOT NULL REFERENCES reseller_billing.reseller,
    migrated_at             timestamptz NOT NULL,
    recorded_at             timestamptz NOT NULL DEFAULT now(),
    migrated_by             text NOT NULL DEFAULT current_user,
    customers_before        int NOT NULL,
    subscriptions_before    int NOT NULL,
    accounts_before         int NOT NULL,
    customers_after         int,
    subscriptions_after     int,
    accounts_after          int,
    orders_migrated         int NOT NULL DEFAULT 0,
    credit_id               bigint,
    -- the transaction that wrote the row: the subscription rules allow the
    -- migration's plan changes only inside it
    xact                    xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    PRIMARY KEY (reseller_id),
    FOREIGN KEY (reseller_id, credit_id) REFERENCES reseller_billing.credit
);
COMMENT ON TABLE reseller_billing.migration IS
    'a reseller''s one-way move from prepaid to post-paid billing: when, by whom, the counts before and after, the credit granted';

CREATE TABLE reseller_billing.migration_order (
    reseller_id         bigint NOT NULL,
    subscription_id     bigint NOT NULL,
    customer_id         bigint NOT NULL,
    sku_id              bigint NOT NULL REFERENCES reseller_billing.sku,
    seats               int NOT NULL,
    term_start          date NOT NULL,
    term_end            date NOT NULL,
    amount_paid         reseller_billing.amount NOT NULL,
    days_in_term        int NOT NULL CHECK (days_in_term > 0),
    days_left           int NOT NULL CHECK (days_left >= 0 AND days_left <= days_in_term),
    amount_credited     reseller_billing.amount NOT NULL,
    status_before       text NOT NULL,
    migrated_to         text NOT NULL CHECK (migrated_to IN ('annual_monthly', 'final_trial', 'renewal_trial')),
    PRIMARY KEY (reseller_id, subscription_id),
    FOREIGN KEY (reseller_id) REFERENCES reseller_billing.migration,
    FOREIGN KEY (reseller_id, subscription_id) REFERENCES reseller_billing.subscription,
    FOREIGN KEY (reseller_id, customer_id) REFERENCES reseller_billing.customer
);
COMMENT ON TABLE reseller_billing.migration_order IS
    'one prepaid order migrated to post-paid: its prepaid term, amount paid, days left from the migration, amount credited, what it became';

-- functions ----------------------------------------------------------------

-- The customers, subscriptions and active accounts of a reseller: the
-- migration counts them before and after and fails unless they are equal.
CREATE FUNCTION reseller_billing.migration_counts(p_reseller bigint,
                                                  OUT customers int, OUT subscriptions int, OUT accounts int)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT (SELECT count(*)::int FROM reseller_billing.customer c WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller),
           (SELECT count(*)::int FROM reseller_billing.subscription s WHERE s.reseller_id OPERATOR(pg_catalog.=) p_reseller),
           (SELECT count(*)::int FROM reseller_billing.seat a
             WHERE a.reseller_id OPERATOR(pg_catalog.=) p_reseller AND a.active_until IS NULL);
END;
COMMENT ON FUNCTION reseller_billing.migration_counts(bigint) IS
    'the customers, subscriptions and active accounts of a reseller (what a migration must not lose)';

-- subscription rules, called by subscription_before_update when the internal
-- action is 'migrate' and an annual_prepaid order changes plan: allowed only
-- inside the transaction of migrate_to_postpaid, while the reseller is still
-- prepaid, and only to exactly what the migration writes.
CREATE FUNCTION reseller_billing.migration_check(o reseller_billing.subscription, n reseller_billing.subscription,
                                                 p_today date)
    RETURNS reseller_billing.subscription
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    sub     text := format('subscription %s of reseller %s', n.subscription_id, n.reseller_id);
    days    int;
BEGIN
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m
                     JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) m.reseller_id
                    WHERE m.reseller_id OPERATOR(pg_catalog.=) n.reseller_id
                      AND m.xact OPERATOR(pg_catalog.=) pg_current_xact_id()
                      AND r.billing_model = 'prepaid') THEN
        RAISE EXCEPTION '% cannot change plan from % to %', sub, o.plan, n.plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A prepaid order changes plan only when its reseller migrates to post-paid.',
                  HINT = 'Call migrate_to_postpaid.';
    END IF;
    SELECT LEAST(30, pg.trial_days) INTO days
      FROM reseller_billing.reseller r JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
     WHERE r.reseller_id OPERATOR(pg_catalog.=) n.reseller_id;
    IF n.plan OPERATOR(reseller_billing.=) 'annual_monthly'
       AND (n.committed_seats, n.seat_cap, n.term_start, n.term_end, n.renewal_setting, n.status,
            n.trial_end, n.partner_price, n.cancelled_at)
           IS NOT DISTINCT FROM
           (o.committed_seats, o.seat_cap, o.term_start, o.term_end, o.renewal_setting, o.status,
            o.trial_end, o.partner_price, o.cancelled_at) THEN
        RETURN n;                               -- the same commitment, paid monthly
    END IF;
    IF n.plan OPERATOR(reseller_billing.=) 'trial' AND n.status = 'trial'
       AND n.term_start = p_today AND n.trial_end = p_today + days AND n.term_end IS NULL
       AND n.committed_seats IS NULL AND n.seat_cap = o.committed_seats
       AND n.partner_price OPERATOR(reseller_billing.=) reseller_billing.partner_price(n.sku_id, 'trial', n.reseller_id, p_today)
       AND n.renewal_setting = o.renewal_setting AND n.cancelled_at IS NOT DISTINCT FROM o.cancelled_at THEN
        RETURN n;                               -- the final trial, keeping its accounts
    END IF;
    RAISE EXCEPTION '% is migrated to post-paid as the same Annual commitment paid monthly, or as a final trial', sub
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The order is %s, %s seats, term %s at %s; %s was written.', o.plan, o.committed_seats,
                              daterange(o.term_start, o.term_end), o.partner_price, n.plan);
END $$;
COMMENT ON FUNCTION reseller_billing.migration_check(reseller_billing.subscription, reseller_billing.subscription, date) IS
    'internal: the plan change of a prepaid order is allowed only inside migrate_to_postpaid''s transaction, and only as the migration writes it';

-- reseller, BEFORE UPDATE of billing_model: one way, and only by migration.
CREATE FUNCTION reseller_billing.reseller_billing_model_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    IF OLD.billing_model = 'postpaid' THEN
        RAISE EXCEPTION 'reseller % is post-paid and cannot go back to %', OLD.reseller_id, NEW.billing_model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The migration to post-paid billing is one-way.';
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m
                    WHERE m.reseller_id OPERATOR(pg_catalog.=) NEW.reseller_id
                      AND m.xact OPERATOR(pg_catalog.=) pg_current_xact_id()) THEN
        RAISE EXCEPTION 'reseller % becomes post-paid only by migration', OLD.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its prepaid orders must move to the Annual plan paid monthly with it.',
                  HINT = 'Call migrate_to_postpaid.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.reseller_billing_model_guard() IS
    'trigger: a reseller''s billing model moves only from prepaid to post-paid, and only by migrate_to_postpaid';

CREATE FUNCTION reseller_billing.migrate_to_postpaid(p_reseller bigint, p_at timestamptz DEFAULT now())
    RETURNS reseller_billing.migration
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
DECLARE
    r           record;
    local_day   date;
    blackout    int;
    last_day    date;
    trial_days  int;
    before      record;
    after       record;
    s           reseller_billing.subscription;
    paid        reseller_billing.amount;
    days        int;
    left_days   int;
    becomes     text;
    total       reseller_billing.amount;
    m           reseller_billing.migration;
BEGIN
    IF p_reseller IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'a migration needs a reseller and a moment'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- one migration of a reseller at a time: a second waits here, then
    -- finds the reseller post-paid
    SELECT rs.reseller_id, rs.billing_model, pg.code AS program, pg.time_zone, pg.currency, pg.trial_days,
           pg.settings
      INTO r
      FROM reseller_billing.reseller rs
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) rs.program_id
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller
       FOR UPDATE OF rs;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF r.billing_model = 'postpaid' THEN
        RAISE EXCEPTION 'reseller % is already post-paid and cannot migrate', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce((SELECT format('It migrated at %s.', x.migrated_at)
                                       FROM reseller_billing.migration x
                                      WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller),
                                    'It has always been post-paid.');
    END IF;
    PERFORM reseller_billing.set_context(p_at, 'migrate', 'migration to post-paid');
    local_day := (p_at AT TIME ZONE r.time_zone)::date;
    blackout := coalesce((r.settings ->> 'migration_blackout_days')::int, 3);
    last_day := (date_trunc('month', local_day) + interval '1 month - 1 day')::date;
    IF local_day > last_day - blackout THEN
        RAISE EXCEPTION 'reseller % cannot migrate on %: the last % days of the month are closed to migration',
                p_reseller, local_day, blackout
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Program "%s" closes migrations from %s to %s so that the month''s invoices are not disturbed.',
                                  r.program, last_day - blackout + 1, last_day),
                  HINT = format('Migrate on %s or later.', last_day + 1);
    END IF;
    trial_days := LEAST(30, r.trial_days);

    -- hold the reseller's business still: no new subscription (customer
    -- rows), no seat counted twice (subscription rows, in key order)
    PERFORM FROM reseller_billing.customer c WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY c.customer_id FOR UPDATE;
    PERFORM FROM reseller_billing.subscription t WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY t.subscription_id FOR NO KEY UPDATE;
    SELECT * INTO before FROM reseller_billing.migration_counts(p_reseller);

    INSERT INTO reseller_billing.migration
           (reseller_id, migrated_at, customers_before, subscriptions_before, accounts_before)
    VALUES (p_reseller, p_at, before.customers, before.subscriptions, before.accounts);

    FOR s IN
        SELECT * FROM reseller_billing.subscription t
         WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
           AND t.plan OPERATOR(reseller_billing.=) 'annual_prepaid' AND t.status <> 'cancelled'
         ORDER BY t.subscription_id
    LOOP
        -- paid: the tranches of the current prepaid term (the year and the
        -- seats added to it), each billed whole when it started
        SELECT reseller_billing.sum(t.total) INTO paid
          FROM reseller_billing.commitment_tranche t
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
           AND t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'
           AND t.term_start OPERATOR(pg_catalog.=) s.term_start;
        paid := coalesce(paid, reseller_billing.amount(0, r.currency));
        days := s.term_end - s.term_start;
        left_days := LEAST(days, GREATEST(0, s.term_end - local_day));
        becomes := CASE
            -- the old grace period: expired within the last 30 days, not renewed
            WHEN s.term_end <= local_day AND s.term_end > local_day - 30
                 AND (s.status = 'suspended' OR s.renewal_setting = 'cancel') THEN 'final_trial'
            -- within 30 days of its renewal date, set not to renew
            WHEN s.status = 'active' AND s.term_end > local_day AND s.term_end <= local_day + 30
                 AND s.renewal_setting = 'cancel' THEN 'renewal_trial'
            ELSE 'annual_monthly' END;
        IF becomes = 'annual_monthly' THEN
            UPDATE reseller_billing.subscription t SET plan = 'annual_monthly'
             WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
               AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
            RETURNING t.* INTO s;
            -- the rest of the term is billed monthly from the migration day
            IF local_day < s.term_end THEN
                PERFORM reseller_billing.add_tranche(s, s.committed_seats, GREATEST(local_day, s.term_start));
            END IF;
        ELSE
            UPDATE reseller_billing.subscription t
               SET plan = 'trial', status = 'trial', seat_cap = t.committed_seats, committed_seats = NULL,
                   term_start = local_day, term_end = NULL, trial_end = local_day + trial_days,
                   partner_price = reseller_billing.partner_price(t.sku_id, 'trial', t.reseller_id, local_day)
             WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
               AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
        END IF;
        INSERT INTO reseller_billing.migration_order
               (reseller_id, subscription_id, customer_id, sku_id, seats, term_start, term_end, amount_paid,
                days_in_term, days_left, amount_credited, status_before, migrated_to)
        VALUES (s.reseller_id, s.subscription_id, s.customer_id, s.sku_id, s.committed_seats, s.term_start,
                s.term_end, paid, days, left_days, reseller_billing.prorate_fraction(paid, left_days, days),
                s.status, becomes);
    END LOOP;

    -- the credit: one, for the sum of the orders' unused parts
    SELECT reseller_billing.sum(x.amount_credited), count(*) INTO total, days
      FROM reseller_billing.migration_order x WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    UPDATE reseller_billing.migration x SET orders_migrated = days
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    IF total IS NOT NULL AND reseller_billing.value(total) > 0 THEN
        UPDATE reseller_billing.migration x
           SET credit_id = reseller_billing.grant_credit(p_reseller, total, 'migration credit',
                   jsonb_build_object('customer_kind', jsonb_build_array('online'),
                                      'sku_family', jsonb_build_array(coalesce(r.settings ->> 'main_family', 'apps')),
                                      'line_kind', jsonb_build_array('annual_installment', 'flex_usage')))
         WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    END IF;

    UPDATE reseller_billing.reseller rs SET billing_model = 'postpaid'
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller;

    -- nothing lost
    SELECT * INTO after FROM reseller_billing.migration_counts(p_reseller);
    IF (after.customers, after.subscriptions, after.accounts)
       IS DISTINCT FROM (before.customers, before.subscriptions, before.accounts) THEN
        RAISE EXCEPTION 'the migration of reseller % would change its business', p_reseller
            USING ERRCODE = 'internal_error',
                  DETAIL = format('Before: %s customers, %s subscriptions, %s active accounts; after: %s, %s, %s.',
                                  before.customers, before.subscriptions, before.accounts,
                                  after.customers, after.subscriptions, after.accounts);
    END IF;
    UPDATE reseller_billing.migration x
       SET customers_after = after.customers, subscriptions_after = after.subscriptions, accounts_after = after.accounts
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller
    RETURNING x.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION reseller_billing.migrate_to_postpaid(bigint, timestamptz) IS
    'moves a prepaid reseller to post-paid billing, once: prepaid orders to Annual paid monthly (or final trials), one migration credit for their unused parts; 55000 when already post-paid or in the month-end blackout';

-- the migration credit statement: one row per migrated order, with the total
CREATE VIEW reseller_billing.migration_credit_statement WITH (security_invoker = true) AS
SELECT o.reseller_id, o.subscription_id AS order_id, o.customer_id, c.name AS customer_name,
       c.kind AS customer_kind, k.code AS sku, k.family AS sku_family, o.seats,
       o.term_start, o.term_end, reseller_billing.currency(o.amount_paid) AS currency,
       reseller_billing.value(o.amount_paid) AS amount_paid, o.days_in_term, o.days_left,
       reseller_billing.value(o.amount_credited) AS amount_credited, o.migrated_to,
       sum(reseller_billing.value(o.amount_credited)) OVER (PARTITION BY o.reseller_id) AS total_credited,
       reseller_billing.value(cr.remaining) AS credit_remaining, m.migrated_at
  FROM reseller_billing.migration_order o
  JOIN reseller_billing.migration m ON m.reseller_id = o.reseller_id
  JOIN reseller_billing.customer c ON c.reseller_id = o.reseller_id AND c.customer_id = o.customer_id
  JOIN reseller_billing.sku k ON k.sku_id = o.sku_id
  LEFT JOIN reseller_billing.credit cr ON cr.reseller_id = m.reseller_id AND cr.credit_id = m.credit_id;
COMMENT ON VIEW reseller_billing.migration_credit_statement IS
    'the migration credit statement: one row per migrated prepaid order, amount paid, days left, amount credited, the reseller''s total and what remains';

-- One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF.
CREATE FUNCTION reseller_billing.csv_field(p text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN CASE WHEN p IS NULL THEN ''
                WHEN p ~ '[",\r\n]' THEN '"' || replace(p, '"', '""') || '"'
                ELSE p END;
COMMENT ON FUNCTION reseller_billing.csv_field(text) IS
    'a value as one RFC 4180 CSV field: quoted (with doubled quotes) when it holds a comma, quote, CR or LF';

CREATE FUNCTION reseller_billing.migration_credit_csv(p_reseller bigint) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    csv     text;
BEGIN
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m WHERE m.reseller_id = p_reseller) THEN
        RAISE EXCEPTION 'reseller % has not migrated to post-paid', p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT string_agg(line, E'\r\n' ORDER BY ord) || E'\r\n' INTO csv
      FROM (SELECT 0 AS ord, 'order,customer,customer_name,sku,term_start,term_end,currency,amount_paid,'
                             'days_in_term,days_left,amount_credited,total_credited' AS line
            UNION ALL
            SELECT s.order_id,
                   concat_ws(',', s.order_id, s.customer_id, reseller_billing.csv_field(s.customer_name),
                             reseller_billing.csv_field(s.sku), s.term_start, s.term_end, s.currency,
                             s.amount_paid, s.days_in_term, s.days_left, s.amount_credited, s.total_credited)
              FROM reseller_billing.migration_credit_statement s
             WHERE s.reseller_id = p_reseller) x;
    RETURN csv;
END $$;
COMMENT ON FUNCTION reseller_billing.migration_credit_csv(bigint) IS
    'the migration credit statement of a reseller as CSV text (RFC 4180: header, CRLF, quoted fields), amounts exact';

-- migration, migration_order: the record of a migration is kept as written.
-- The migration row is completed (counts after, credit) by the transaction
-- that wrote it; afterwards neither table changes, and neither loses a row.
CREATE FUNCTION reseller_billing.migration_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'migration' THEN
        IF OLD.xact OPERATOR(pg_catalog.=) pg_current_xact_id()
           AND (NEW.reseller_id, NEW.migrated_at, NEW.xact) IS NOT DISTINCT FROM (OLD.reseller_id, OLD.migrated_at, OLD.xact) THEN
            RETURN NEW;                         -- migrate_to_postpaid completing its own row
        END IF;
    END IF;
    RAISE EXCEPTION 'the migration record of reseller % is kept as written', OLD.reseller_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('%s of %s is not allowed.', TG_OP, TG_TABLE_NAME);
END $$;
COMMENT ON FUNCTION reseller_billing.migration_guard() IS
    'trigger: a migration and its orders are never updated or deleted once the migration''s transaction has written them';

CREATE FUNCTION reseller_billing.migration_no_truncate() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the migration records are never truncated'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('TRUNCATE of %s is not allowed.', TG_TABLE_NAME);
END $$;
COMMENT ON FUNCTION reseller_billing.migration_no_truncate() IS
    'trigger: refuses TRUNCATE of migration and migration_order';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER reseller_billing_model_guard BEFORE UPDATE OF billing_model ON reseller_billing.reseller
    FOR EACH ROW WHEN (OLD.billing_model IS DISTINCT FROM NEW.billing_model)
    EXECUTE FUNCTION reseller_billing.reseller_billing_model_guard();

CREATE TRIGGER migration_guard BEFORE UPDATE OR DELETE ON reseller_billing.migration
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.migration_guard();
CREATE TRIGGER migration_order_guard BEFORE UPDATE OR DELETE ON reseller_billing.migration_order
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.migration_guard();
CREATE TRIGGER migration_no_truncate BEFORE TRUNCATE ON reseller_billing.migration
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.migration_no_truncate();
CREATE TRIGGER migration_order_no_truncate BEFORE TRUNCATE ON reseller_billing.migration_order
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.migration_no_truncate();

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.migration', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.migration_order', '');

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_claims: what doc/invoicing.md says of the close, checked (issue
-- 18 §5: the doc contradicted the code in four places).  Ids: 18101...
--
INSERT INTO program (code, name, currency, time_zone) VALUES ('claims', 'Doc claims', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'claims_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'flexible', 'USD 36.50', '2012-01-01'), (:apps, 'annual_monthly', 'USD 24.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (18101, :prog, 'Claims Resale', 'CA');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (18101, 18101, 'Acme');

-- a new Flex subscription is billed from its term_start day, even when the
-- row is written later: written on 20 April, dated 1 April, one account
-- from 1 April is billed for 30 days of April
SET reseller_billing.effective_at = '2012-04-20 09:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (18101, 18101, 18101, :apps, 'flexible', 5, '2012-04-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (18101, 18101, 'ann', '2012-04-01 00:00+00');
RESET reseller_billing.effective_at;
SELECT kind, description, quantity, amount FROM preview_invoice(18101, '2012-04');

-- a charge is positive and in whole minor units: a discount is a credit
\set VERBOSITY default
SELECT add_charge(18101, 18101, 'Discount', 'USD -5.00', '2012-04-10');
SELECT add_charge(18101, 18101, 'Fraction', 'USD 5.005', '2012-04-10');
\set VERBOSITY terse

-- close_period with no program skips the programs whose month has not
-- ended (0 invoices); naming one refuses it (55000)
SELECT close_period('2999-01') AS invoices_written;
SELECT close_period('2999-01', :prog);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- the invoice's tax column carries sales tax (doc/tax.md): zero for a
-- reseller outside the United States
SET client_min_messages = warning;
SELECT close_period('2012-04', :prog) AS invoices;
RESET client_min_messages;
SELECT subtotal, tax, total FROM invoice WHERE reseller_id = 18101;

-- recurring revenue counts the Annual terms that cover today: one that
-- ended (here in 2013, never renewed: no renew_due ran for it) counts
-- nothing; the Flex subscription's account does
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start, renewal_setting)
VALUES (18101, 18102, 18101, :apps, 'annual_monthly', 10, '2012-01-01', 'cancel');
SELECT term_end FROM subscription WHERE reseller_id = 18101 AND subscription_id = 18102;
SELECT annual_mrr, flex_mrr, mrr, subscriptions FROM recurring_revenue WHERE reseller_id = 18101;

-- leave nothing for later files
UPDATE subscription SET status = 'cancelled' WHERE reseller_id = 18101 AND subscription_id IN (18101, 18102);

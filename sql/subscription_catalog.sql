SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_catalog: programs, SKUs, dated price lists, resellers,
-- customers, and partner_price (domain.md §1, §3 "Prices"; issue 3 §1, §2)
--
-- Ids: resellers and customers of this file carry explicit ids 12001..;
-- program and SKU ids are captured with \gset.  Constraint violations print
-- the failing row (with ids and creation times), so they are shown terse.
--

-- ===========================================================================
-- program: a vendor's channel
-- ===========================================================================
INSERT INTO program (code, name, currency, reseller_discount, trial_days, trial_seat_cap)
VALUES ('sub_cat_google', 'Google Apps', 'USD', 0.20, 30, 10) RETURNING program_id AS google \gset
INSERT INTO program (code, name, currency, reseller_discount, payment_terms_days)
VALUES ('sub_cat_groupdocs', 'GroupDocs', 'USD', 0.10, 30) RETURNING program_id AS groupdocs \gset
SELECT code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days, settings
  FROM program WHERE code LIKE 'sub_cat_%' ORDER BY code;

-- the currency is an ISO 4217 code; the time zone exists
INSERT INTO program (code, name, currency) VALUES ('sub_cat_bad', 'Bad', 'XYZ');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency, time_zone) VALUES ('sub_cat_bad', 'Bad', 'USD', 'Mars/Olympus_Mons');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE program SET time_zone = 'Nowhere' WHERE code = 'sub_cat_google';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY terse
-- codes are lower-case words, unique
INSERT INTO program (code, name, currency) VALUES ('Sub Cat', 'Bad', 'USD');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency) VALUES ('sub_cat_google', 'Again', 'USD');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a discount is a fraction below 1; a trial lasts 1..366 days, with a cap of at least 1
INSERT INTO program (code, name, currency, reseller_discount) VALUES ('sub_cat_bad', 'Bad', 'USD', 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency, reseller_discount) VALUES ('sub_cat_bad', 'Bad', 'USD', -0.1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency, trial_days) VALUES ('sub_cat_bad', 'Bad', 'USD', 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency, trial_seat_cap) VALUES ('sub_cat_bad', 'Bad', 'USD', 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO program (code, name, currency, settings) VALUES ('sub_cat_bad', 'Bad', 'USD', '[1]');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT count(*) AS bad_programs FROM program WHERE code = 'sub_cat_bad';

-- ===========================================================================
-- sku: a product of a program, per seat or per licence
-- ===========================================================================
INSERT INTO sku (program_id, code, name, family) VALUES (:google, 'apps', 'Google Apps for Business', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:google, 'vault', 'Google Apps Vault', 'apps')
RETURNING sku_id AS vault \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:google, 'chromebook', 'Chromebook', 'chromebook', 'licence');
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:groupdocs, 'viewer', 'GroupDocs.Viewer', 'groupdocs', 'licence')
RETURNING sku_id AS viewer \gset
-- the same code in another program is another SKU
INSERT INTO sku (program_id, code, name, family) VALUES (:groupdocs, 'apps', 'GroupDocs Apps', 'groupdocs');
SELECT p.code AS program, k.code, k.name, k.family, k.unit
  FROM sku k JOIN program p USING (program_id) WHERE p.code LIKE 'sub_cat_%' ORDER BY 1, 2;
\set VERBOSITY terse
INSERT INTO sku (program_id, code, name, family) VALUES (:google, 'apps', 'Again', 'apps');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:google, 'disk', 'Disk', 'drive_storage', 'gigabyte');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO sku (program_id, code, name, family) VALUES (:google, 'disk', 'Disk', 'Drive Storage');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

-- ===========================================================================
-- price: list price per seat per year, valid over [valid_from, valid_to);
-- no two prices of a SKU and plan overlap
-- ===========================================================================
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01', '2013-01-01'),
    (:apps, 'annual_monthly', 'USD 55', '2013-01-01', NULL),
    (:apps, 'flexible',       'USD 60', '2012-01-01', NULL),
    (:viewer, 'annual_prepaid', 'USD 599.99', '2012-01-01', NULL);
-- the same dates under another plan, or for another SKU, do not clash
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_prepaid', 'USD 50', '2012-01-01'),
    (:vault, 'annual_monthly', 'USD 25', '2012-01-01');

-- overlaps: 23514, naming both validities
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES (:apps, 'annual_monthly', 'USD 45', '2012-06-01', '2012-07-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 45', '2011-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 60', '2020-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES (:apps, 'flexible', 'USD 60', '2011-06-01', '2012-01-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- two overlapping prices in one statement: the second meets the first
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES
    (:vault, 'flexible', 'USD 30', '2012-01-01', '2013-01-01'),
    (:vault, 'flexible', 'USD 31', '2012-12-31', NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- moving a price onto another: refused the same way
UPDATE price SET valid_to = '2013-02-01' WHERE sku_id = :apps AND plan = 'annual_monthly' AND valid_from = '2012-01-01';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE price SET valid_from = '2012-12-01' WHERE sku_id = :apps AND plan = 'annual_monthly' AND valid_from = '2013-01-01';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- back to back is not an overlap: [a, b) then [b, ..)
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES (:apps, 'annual_monthly', 'USD 48', '2011-01-01', '2012-01-01');
-- ending the open price, then starting the next one
UPDATE price SET valid_to = '2014-01-01' WHERE sku_id = :apps AND plan = 'annual_monthly' AND valid_from = '2013-01-01';
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 58', '2014-01-01');
SELECT k.code, p.plan, p.list_price, p.valid_from, p.valid_to
  FROM price p JOIN sku k USING (sku_id) WHERE k.sku_id IN (:apps, :vault, :viewer)
 ORDER BY k.code, p.plan, p.valid_from;

-- in the program's currency, not negative; validity not empty
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:vault, 'flexible', 'EUR 30', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:vault, 'flexible', 'USD -1', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY terse
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES (:vault, 'flexible', 'USD 30', '2012-01-01', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (-1, 'flexible', 'USD 30', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT count(*) AS vault_flex_prices FROM price WHERE sku_id = :vault AND plan = 'flexible';

-- ===========================================================================
-- reseller and customer
-- ===========================================================================
INSERT INTO reseller (reseller_id, program_id, name, tier, business_type, billing_model, country, region) VALUES
    (12001, :google, 'Cloud Retail Inc', 'direct', 'retail', 'postpaid', 'US', 'CA'),
    (12002, :google, 'Build-It Consulting', 'indirect_reseller', 'consulting', 'prepaid', 'GB', NULL),
    (12003, :groupdocs, 'Docs Distributor', 'indirect_provider', 'retail', 'postpaid', 'DE', NULL);
SELECT r.reseller_id, p.code AS program, r.name, r.tier, r.business_type, r.billing_model, r.country, r.region
  FROM reseller r JOIN program p USING (program_id) WHERE r.reseller_id BETWEEN 12001 AND 12099 ORDER BY 1;
\set VERBOSITY terse
INSERT INTO reseller (reseller_id, program_id, name, tier, country) VALUES (12090, :google, 'Bad', 'gold', 'US');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO reseller (reseller_id, program_id, name, business_type, country) VALUES (12090, :google, 'Bad', 'charity', 'US');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO reseller (reseller_id, program_id, name, billing_model, country) VALUES (12090, :google, 'Bad', 'barter', 'US');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (12090, :google, 'Bad', 'usa');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (12090, -1, 'Bad', 'US');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

INSERT INTO customer (reseller_id, customer_id, name, primary_domain, kind) VALUES
    (12001, 12001, 'Acme', 'acme.example', 'online'),
    (12001, 12002, 'Offline Co', 'offline.example', 'offline'),
    (12002, 12003, 'Acme', 'acme.example', 'online');      -- another reseller's customer, same domain
SELECT reseller_id, customer_id, name, primary_domain, kind FROM customer
 WHERE reseller_id BETWEEN 12001 AND 12099 ORDER BY 1, 2;
\set VERBOSITY terse
-- a domain once per reseller; kind online or offline; the reseller exists
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (12001, 12090, 'Acme 2', 'acme.example');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO customer (reseller_id, customer_id, name, kind) VALUES (12001, 12090, 'Bad', 'hybrid');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO customer (reseller_id, customer_id, name) VALUES (12099, 12090, 'Nobody''s');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

-- ===========================================================================
-- partner_price(sku, plan, reseller, date): list less the program discount
-- for a retail reseller, list for a consulting firm, from the price valid on
-- that date; a trial is free
-- ===========================================================================
SELECT d::date AS on_date,
       partner_price(:apps, 'annual_monthly', 12001, d::date) AS retail_annual,
       partner_price(:apps, 'annual_monthly', 12002, d::date) AS consulting_annual
  FROM unnest('{2011-01-01,2011-12-31,2012-01-01,2012-12-31,2013-01-01,2013-12-31,2014-01-01,2030-06-15}'::date[]) d;
SELECT d::date AS on_date,
       partner_price(:apps, 'flexible', 12001, d::date) AS retail_flex,
       partner_price(:apps, 'flexible', 12002, d::date) AS consulting_flex,
       partner_price(:apps, 'annual_prepaid', 12001, d::date) AS retail_prepaid
  FROM unnest('{2012-01-01,2030-06-15}'::date[]) d;
-- a trial is free, whatever the price list says
SELECT partner_price(:apps, 'trial', 12001, '2012-06-01') AS retail_trial,
       partner_price(:apps, 'trial', 12002, '1990-01-01') AS consulting_trial;
-- 10% off a price with cents: 599.99 × 0.9 = 539.991, kept exact (rounded
-- once, where it is billed)
SELECT partner_price(:viewer, 'annual_prepaid', 12003, '2012-06-01') AS groupdocs_retail;

-- no price valid on that date: P0002
SELECT partner_price(:apps, 'annual_monthly', 12001, '2010-12-31');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT partner_price(:vault, 'flexible', 12001, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a SKU of another program: 23514; an unknown reseller or SKU: P0002
SELECT partner_price(:viewer, 'annual_prepaid', 12001, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT partner_price(:apps, 'annual_monthly', 12099, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT partner_price(-1, 'annual_monthly', 12001, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- no plan or no date: 22023
SELECT partner_price(:apps, 'annual_monthly', 12001, NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT partner_price(:apps, NULL, 12001, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a price change over time: a price list row inserted later, for later
-- dates, changes the price from its first day, and never a day before
UPDATE price SET valid_to = '2012-07-01' WHERE sku_id = :apps AND plan = 'flexible';
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'flexible', 'USD 72', '2012-07-01');
SELECT d::date AS on_date, partner_price(:apps, 'flexible', 12001, d::date) AS retail_flex,
       partner_price(:apps, 'flexible', 12002, d::date) AS consulting_flex
  FROM unnest('{2012-06-30,2012-07-01}'::date[]) d;
-- a discount change applies to every later lookup (the program holds it)
UPDATE program SET reseller_discount = 0.25 WHERE program_id = :google;
SELECT partner_price(:apps, 'flexible', 12001, '2012-07-01') AS retail_flex_25pct;
UPDATE program SET reseller_discount = 0.20 WHERE program_id = :google;

-- ===========================================================================
-- a subscription captures the partner price on its term start, and only
-- sells SKUs of its reseller's program
-- ===========================================================================
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (12001, 12001, 12001, :apps, 'annual_monthly', 10, '2012-12-31'),
    (12001, 12002, 12001, :apps, 'annual_monthly', 10, '2013-01-01'),
    (12002, 12003, 12003, :apps, 'annual_monthly', 10, '2013-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start) VALUES
    (12001, 12004, 12002, :apps, 'flexible', 5, '2012-06-30'),
    (12001, 12005, 12002, :apps, 'flexible', 5, '2012-07-01');
SELECT reseller_id, subscription_id, plan, term_start, partner_price FROM subscription
 WHERE reseller_id BETWEEN 12001 AND 12099 ORDER BY 1, 2;
-- the price list changing afterwards leaves the captured prices alone
UPDATE price SET list_price = 'USD 51' WHERE sku_id = :apps AND plan = 'annual_monthly' AND valid_from = '2012-01-01';
SELECT reseller_id, subscription_id, partner_price FROM subscription
 WHERE reseller_id BETWEEN 12001 AND 12099 ORDER BY 1, 2;

INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (12001, 12090, 12001, :viewer, 'annual_prepaid', 1, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (12001, 12090, 12001, :vault, 'flexible', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the price is the price list's: one written with the row must be that one
-- (the reseller never negotiates a price)
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start, partner_price)
VALUES (12001, 12090, 12001, :apps, 'flexible', 5, '2012-06-01', 'USD 1.00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start, partner_price)
VALUES (12001, 12090, 12001, :apps, 'flexible', 5, '2012-06-01', 'EUR 48');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start, partner_price)
VALUES (12001, 12006, 12001, :apps, 'flexible', 5, '2012-06-01', 'USD 48');
-- a Flex price moves only to the price list's price of the day of the
-- change (a plain UPDATE: today, when 72.00 less 20% holds; the detail
-- names today, so it is not shown)
UPDATE subscription SET partner_price = 'USD 57.60' WHERE reseller_id = 12001 AND subscription_id = 12006;
\set VERBOSITY terse
UPDATE subscription SET partner_price = 'USD 1.00' WHERE reseller_id = 12001 AND subscription_id = 12006;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT subscription_id, partner_price FROM subscription WHERE reseller_id = 12001 AND subscription_id = 12006;
\set VERBOSITY terse
-- the customer belongs to the same reseller
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (12001, 12090, 12003, :apps, 'flexible', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
-- a subscription does not change its reseller, customer or SKU
UPDATE subscription SET sku_id = :vault WHERE reseller_id = 12001 AND subscription_id = 12004;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET customer_id = 12001 WHERE reseller_id = 12001 AND subscription_id = 12004;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS subscriptions FROM subscription WHERE reseller_id BETWEEN 12001 AND 12099;

-- leave nothing due for the files after this one
SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id BETWEEN 12001 AND 12099 AND status <> 'cancelled') x;

-- make demo, part 2: the three programs of the source documents, resellers,
-- customers, subscriptions and user accounts, and the vendor's rules refusing
-- what they forbid.  Every moment is written out (Los Angeles time unless it
-- says otherwise), so the output is the same whatever day the demo runs; only
-- the two trials that are converted run "today", and nothing printed about
-- them depends on the date.
SET search_path = reseller_billing, public;
SET TimeZone = 'America/Los_Angeles';
\pset footer off
\set SHOW_CONTEXT never

\echo
\echo '== Three programs: Google Apps (20% off list), Microsoft CSP (12-month commitments), GroupDocs (10% off list) =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap)
VALUES ('google_apps', 'Google Apps Reseller Program', 'USD', 0.20, 'America/Los_Angeles', 30, 10);
-- CSP partners earn their margin from the price list itself: no discount on top
INSERT INTO program (code, name, currency, reseller_discount, time_zone)
VALUES ('microsoft_csp', 'Microsoft Cloud Solution Provider', 'USD', 0, 'UTC');
INSERT INTO program (code, name, currency, reseller_discount, time_zone)
VALUES ('groupdocs', 'GroupDocs Reseller Program', 'USD', 0.10, 'UTC');
SELECT code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days
  FROM program ORDER BY program_id;

\echo
\echo '== Their products and list prices per seat (or licence) per year =='
INSERT INTO sku (program_id, code, name, family, unit)
SELECT p.program_id, s.code, s.name, s.family, s.unit
  FROM (VALUES (1, 'google_apps', 'apps', 'Google Apps for Business', 'apps', 'seat'),
               (2, 'microsoft_csp', 'm365_business_standard', 'Microsoft 365 Business Standard', 'office365', 'seat'),
               (3, 'microsoft_csp', 'o365_e3', 'Office 365 E3', 'office365', 'seat'),
               (4, 'groupdocs', 'viewer_net_dev_sb', 'GroupDocs.Viewer for .NET, Developer Small Business', 'viewer', 'licence'))
       AS s(n, program, code, name, family, unit)
  JOIN program p ON p.code = s.program
 ORDER BY s.n;
-- Google: Annual USD 50.00 and Flex USD 60.00 (source: the 2012 reseller e-mail and guide).
-- Microsoft: the per-user monthly list prices × 12; Annual plans only.
-- GroupDocs: an illustrative licence price, paid upfront for the year.
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT k.sku_id, v.plan, v.list_price, v.valid_from
  FROM (VALUES (1, 'apps', 'annual_monthly'::plan_kind, 'USD 50.00'::amount, '2012-01-01'::date),
               (2, 'apps', 'annual_prepaid', 'USD 50.00', '2012-01-01'),
               (3, 'apps', 'flexible', 'USD 60.00', '2012-01-01'),
               (4, 'm365_business_standard', 'annual_monthly', 'USD 150.00', '2016-01-01'),
               (5, 'o365_e3', 'annual_monthly', 'USD 240.00', '2016-01-01'),
               (6, 'viewer_net_dev_sb', 'annual_prepaid', 'USD 1499.00', '2016-01-01'))
       AS v(n, sku, plan, list_price, valid_from)
  JOIN sku k ON k.code = v.sku
 ORDER BY v.n;
SELECT p.code AS program, k.code AS sku, k.unit, pr.plan, pr.list_price, pr.valid_from
  FROM price pr JOIN sku k USING (sku_id) JOIN program p USING (program_id)
 ORDER BY p.program_id, k.sku_id, pr.plan;

\echo
\echo '== Resellers: retail resellers get the discount, consulting firms pay list =='
INSERT INTO reseller (program_id, name, tier, business_type, billing_model, country, region)
SELECT p.program_id, r.name, r.tier, r.business_type, r.billing_model, r.country, r.region
  FROM (VALUES (1, 'google_apps', 'Bay Cloud Desk', 'direct', 'retail', 'postpaid', 'US', 'CA'),
               (2, 'google_apps', 'Lakeside IT Consulting', 'direct', 'consulting', 'postpaid', 'US', 'WA'),
               (3, 'microsoft_csp', 'First Distribution', 'indirect_provider', 'retail', 'postpaid', 'ZA', NULL),
               (4, 'microsoft_csp', 'Cape Cloud Partners', 'indirect_reseller', 'retail', 'postpaid', 'ZA', 'WC'),
               (5, 'groupdocs', 'Softmarket', 'direct', 'retail', 'prepaid', 'US', 'TX'),
               (6, 'groupdocs', 'DocFlow Integrators', 'direct', 'consulting', 'prepaid', 'US', 'NY'))
       AS r(n, program, name, tier, business_type, billing_model, country, region)
  JOIN program p ON p.code = r.program
 ORDER BY r.n;
SELECT r.reseller_id AS id, p.code AS program, r.name, r.tier, r.business_type, r.country, r.region
  FROM reseller r JOIN program p USING (program_id) ORDER BY r.reseller_id;
SELECT reseller_id AS bay      FROM reseller WHERE name = 'Bay Cloud Desk' \gset
SELECT reseller_id AS lakeside FROM reseller WHERE name = 'Lakeside IT Consulting' \gset
SELECT reseller_id AS cape     FROM reseller WHERE name = 'Cape Cloud Partners' \gset
SELECT reseller_id AS softmkt  FROM reseller WHERE name = 'Softmarket' \gset
SELECT reseller_id AS docflow  FROM reseller WHERE name = 'DocFlow Integrators' \gset

\echo
\echo '== Partner prices: what each reseller pays per seat per year, partner_price(sku, plan, reseller, date) =='
SELECT p.code AS program, r.name AS reseller, r.business_type, k.code AS sku, pr.plan, pr.list_price,
       partner_price(k.sku_id, pr.plan, r.reseller_id, pr.valid_from) AS partner_price,
       round(partner_price(k.sku_id, pr.plan, r.reseller_id, pr.valid_from) / 12) AS per_month
  FROM price pr JOIN sku k USING (sku_id) JOIN program p USING (program_id)
  JOIN reseller r ON r.program_id = p.program_id
 WHERE r.tier <> 'indirect_provider'
 ORDER BY p.program_id, r.reseller_id, k.sku_id, pr.plan;

\echo
\echo '== Customers and their subscriptions (terms, status and captured prices are filled in by the database) =='
INSERT INTO customer (reseller_id, name, primary_domain, kind)
VALUES (:bay, 'Harbor Law LLP', 'harborlaw.example', 'online'),
       (:bay, 'Acme Dental', 'acmedental.example', 'online'),
       (:bay, 'Mission Bike Works', 'missionbikes.example', 'online'),
       (:bay, 'Pine Street Clinic', 'pinestreet.example', 'online'),
       (:bay, 'Sunrise Bakery', 'sunrisebakery.example', 'online'),
       (:bay, 'Northwind Traders', 'northwind.example', 'offline'),
       (:lakeside, 'Redwood Analytics', 'redwood.example', 'online'),
       (:cape, 'Karoo Logistics', 'karoo.example', 'online'),
       (:softmkt, 'Lone Star Title', 'lonestartitle.example', 'online'),
       (:docflow, 'Hudson Archives', 'hudsonarchives.example', 'online');

-- an Annual plan: 20 seats committed for 12 months from 2012-06-15
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'annual_monthly', 20, '2012-06-15'
  FROM customer WHERE name = 'Harbor Law LLP'
RETURNING subscription_id AS harbor \gset
-- a Flex plan: up to 5 accounts, no commitment
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'flexible', 5, '2012-06-01'
  FROM customer WHERE name = 'Acme Dental'
RETURNING subscription_id AS acme \gset
-- an Annual plan that is to become Flex at its renewal
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start, renewal_setting)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'annual_monthly', 8, '2012-06-15', 'switch_to_flex'
  FROM customer WHERE name = 'Mission Bike Works'
RETURNING subscription_id AS mission \gset
-- a consulting firm's Flex plan: list price
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT :lakeside, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'flexible', 10, '2012-06-01'
  FROM customer WHERE name = 'Redwood Analytics'
RETURNING subscription_id AS redwood \gset
-- Microsoft CSP: a 12-month commitment of 25 users
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start)
SELECT :cape, customer_id, (SELECT sku_id FROM sku WHERE code = 'm365_business_standard'), 'annual_monthly', 25, '2016-03-01'
  FROM customer WHERE name = 'Karoo Logistics'
RETURNING subscription_id AS karoo \gset
-- GroupDocs: a licence for a year, paid upfront, from a retail reseller and from a consulting firm
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start)
SELECT reseller_id, customer_id, (SELECT sku_id FROM sku WHERE code = 'viewer_net_dev_sb'), 'annual_prepaid', 1, '2016-05-10'
  FROM customer WHERE name IN ('Lone Star Title', 'Hudson Archives') ORDER BY reseller_id;

SELECT s.subscription_id AS id, r.name AS reseller, c.name AS customer, k.code AS sku, s.plan,
       s.committed_seats, s.seat_cap, s.term_start, s.term_end, s.renewal_setting, s.status, s.partner_price
  FROM subscription s JOIN reseller r USING (reseller_id) JOIN customer c USING (reseller_id, customer_id)
  JOIN sku k USING (sku_id)
 ORDER BY s.subscription_id;

\echo
\echo '== Microsoft CSP sells 12-month commitments only: there is no Flex price, so a Flex subscription is refused =='
\set ON_ERROR_STOP 0
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT :cape, customer_id, (SELECT sku_id FROM sku WHERE code = 'o365_e3'), 'flexible', 10, '2016-06-01'
  FROM customer WHERE name = 'Karoo Logistics';
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== Flex: Acme Dental may have at most 5 accounts; 5 are created =='
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :bay, :acme, u || '@acmedental.example', '2012-06-01 09:00'
  FROM unnest(ARRAY['ana', 'ben', 'carla', 'dev', 'emma']) AS u;
SELECT seat_cap, active_seats FROM subscription WHERE subscription_id = :acme;

\echo
\echo '== ... a sixth account is refused: the cap holds =='
\set ON_ERROR_STOP 0
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :acme, 'frank@acmedental.example', '2012-06-12 10:30');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== The reseller raises the cap to 8; a multi-row INSERT of 4 accounts (5 + 4 = 9) is refused as a whole =='
SELECT set_seat_cap(:bay, :acme, 8, '2012-07-02 11:00') AS new_cap;
\set ON_ERROR_STOP 0
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :acme, 'frank@acmedental.example', '2012-07-02 12:00'),
       (:bay, :acme, 'gina@acmedental.example',  '2012-07-02 12:00'),
       (:bay, :acme, 'hugo@acmedental.example',  '2012-07-02 12:00'),
       (:bay, :acme, 'iris@acmedental.example',  '2012-07-02 12:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
SELECT s.seat_cap, s.active_seats,
       (SELECT count(*) FROM seat t WHERE (t.reseller_id, t.subscription_id) = (s.reseller_id, s.subscription_id)) AS seat_rows
  FROM subscription s WHERE subscription_id = :acme;

\echo
\echo '== ... three of them fit exactly; then the cap cannot go below the 8 accounts in use =='
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :acme, 'frank@acmedental.example', '2012-07-02 12:00'),
       (:bay, :acme, 'gina@acmedental.example',  '2012-07-02 12:00'),
       (:bay, :acme, 'hugo@acmedental.example',  '2012-07-02 12:00');
\set ON_ERROR_STOP 0
SELECT set_seat_cap(:bay, :acme, 6, '2012-07-16 09:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== Removing an account (active_until is set; the row stays, for billing) frees its place at once =='
UPDATE seat SET active_until = '2012-07-20 17:00'
 WHERE reseller_id = :bay AND subscription_id = :acme AND user_name = 'dev@acmedental.example' AND active_until IS NULL;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :acme, 'iris@acmedental.example', '2012-07-23 09:00');
SELECT user_name, active_from, active_until FROM seat
 WHERE reseller_id = :bay AND subscription_id = :acme ORDER BY seat_id;
SELECT seat_cap, active_seats FROM subscription WHERE subscription_id = :acme;

\echo
\echo '== Annual: Harbor Law committed to 20 seats until 2013-06-15 and uses 18 of them =='
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :bay, :harbor, format('lawyer%s@harborlaw.example', n), '2012-06-15 08:00'
  FROM generate_series(1, 18) AS n;
SELECT committed_seats, active_seats, term_start, term_end, partner_price FROM subscription WHERE subscription_id = :harbor;

\echo
\echo '== ... it cannot be cancelled before its renewal date, nor switch to Flex in mid-term =='
\set ON_ERROR_STOP 0
SELECT status FROM cancel_subscription(:bay, :harbor, '2012-09-10 10:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
SELECT plan FROM change_plan(:bay, :harbor, 'flexible', 25, '2012-09-10 10:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== Seats can be added at any time: 5 more on 2012-09-10, to the end of the same term =='
SELECT add_seats(:bay, :harbor, 5, '2012-09-10 10:00') AS committed_seats;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :bay, :harbor, format('lawyer%s@harborlaw.example', n), '2012-09-10 11:00'
  FROM generate_series(19, 25) AS n;
SELECT committed_seats, active_seats, term_end FROM subscription WHERE subscription_id = :harbor;

\echo
\echo '== Microsoft CSP: a 12-month commitment "must be fulfilled"; Karoo Logistics ends it early on 2016-09-10 (UTC) =='
\echo '   (25 users × USD 150.00 = USD 3750.00 a year; the months after September 2016 are charged at once)'
SELECT terminate_early(:cape, :karoo, '2016-09-10 10:00+00', 'customer moved to an Enterprise Agreement') AS early_termination_charge;
SELECT kind, description, amount, charge_on FROM charge WHERE reseller_id = :cape;
SELECT status, cancelled_at AT TIME ZONE 'UTC' AS cancelled_at_utc FROM subscription WHERE subscription_id = :karoo;

\echo
\echo '== Trials: Pine Street Clinic tried Google Apps from 2012-07-01 and did not convert =='
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, term_start)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'trial', '2012-07-01'
  FROM customer WHERE name = 'Pine Street Clinic'
RETURNING subscription_id AS pine \gset
SELECT plan, status, seat_cap, term_start, trial_end, partner_price FROM subscription WHERE subscription_id = :pine;
\echo '   renew_due on 2012-08-01 applies what is due: the trial has ended, so it is suspended'
SELECT renew_due('2012-08-01 00:00') AS applied;
SELECT plan, status FROM subscription WHERE subscription_id = :pine;

\echo
\echo '== ... a suspended subscription accepts no new account =='
\set ON_ERROR_STOP 0
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :pine, 'nurse@pinestreet.example', '2012-08-02 09:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== ... but it can still convert: to Flex with a cap of 5 on 2012-08-03, paid from then =='
SELECT plan, status, seat_cap, term_start, partner_price
  FROM change_plan(:bay, :pine, 'flexible', 5, '2012-08-03 09:00');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :pine, 'nurse@pinestreet.example', '2012-08-06 09:00'),
       (:bay, :pine, 'doctor@pinestreet.example', '2012-08-06 09:00');

\echo
\echo '== Suspended and cancelled subscriptions accept no new accounts =='
SELECT suspend(:bay, :acme, 'payment overdue', '2012-08-05 10:00') AS acme_dental;
SELECT status FROM cancel_subscription(:bay, :pine, '2012-08-31 18:00');
\set ON_ERROR_STOP 0
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :acme, 'jon@acmedental.example', '2012-08-06 09:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:bay, :pine, 'intern@pinestreet.example', '2012-09-03 09:00');
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
\echo '   the cancellation ended the clinic''s accounts at its moment; the rows stay for billing'
SELECT user_name, active_from, active_until FROM seat
 WHERE reseller_id = :bay AND subscription_id = :pine ORDER BY seat_id;

\echo
\echo '== Renewal: Harbor Law will renew with the accounts it uses; 3 lawyers leave in April 2013 =='
SELECT set_renewal(:bay, :harbor, 'renew_current_users', '2013-05-20 10:00') AS renewal_setting;
UPDATE seat SET active_until = '2013-04-30 18:00'
 WHERE reseller_id = :bay AND subscription_id = :harbor AND active_until IS NULL
   AND user_name IN ('lawyer3@harborlaw.example', 'lawyer7@harborlaw.example', 'lawyer11@harborlaw.example');
\echo '   and Google raises the Annual list price to USD 55.00 from 2013-01-01 (a hypothetical change, for the demo):'
\echo '   a running commitment keeps its price; the renewal takes the new one'
UPDATE price SET valid_to = '2013-01-01'
 WHERE plan = 'annual_monthly' AND valid_to IS NULL AND sku_id = (SELECT sku_id FROM sku WHERE code = 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT sku_id, 'annual_monthly', 'USD 55.00', '2013-01-01' FROM sku WHERE code = 'apps';
SELECT subscription_id AS id, plan, committed_seats, seat_cap, active_seats, term_start, term_end, renewal_setting, partner_price
  FROM subscription WHERE subscription_id IN (:harbor, :mission) ORDER BY subscription_id;

\echo
\echo '== renew_due at midnight starting 2013-06-15 applies both renewals; run again, it applies nothing =='
SELECT renew_due('2013-06-15 00:00') AS applied;
SELECT renew_due('2013-06-15 00:00') AS applied_again;
SELECT subscription_id AS id, plan, status, committed_seats, seat_cap, active_seats, term_start, term_end, partner_price
  FROM subscription WHERE subscription_id IN (:harbor, :mission) ORDER BY subscription_id;

\echo
\echo '== Trials today: Sunrise Bakery starts one (30 days, at most 10 accounts, free) =='
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'trial'
  FROM customer WHERE name = 'Sunrise Bakery'
RETURNING subscription_id AS sunrise \gset
INSERT INTO seat (reseller_id, subscription_id, user_name)
SELECT :bay, :sunrise, u || '@sunrisebakery.example' FROM unnest(ARRAY['owner', 'baker', 'cashier']) AS u;
SELECT plan, status, seat_cap, trial_end - term_start AS trial_days, active_seats, partner_price
  FROM subscription WHERE subscription_id = :sunrise;

\echo
\echo '== ... and converts to Flex with a cap of 15: the trial''s 3 accounts are kept =='
SELECT plan, status, seat_cap, active_seats, partner_price
  FROM change_plan(:bay, :sunrise, 'flexible', 15);

\echo
\echo '== Northwind Traders converts its trial to an Annual plan: not with fewer seats than its 4 accounts ... =='
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan)
SELECT :bay, customer_id, (SELECT sku_id FROM sku WHERE code = 'apps'), 'trial'
  FROM customer WHERE name = 'Northwind Traders'
RETURNING subscription_id AS northwind \gset
INSERT INTO seat (reseller_id, subscription_id, user_name)
SELECT :bay, :northwind, u || '@northwind.example' FROM unnest(ARRAY['anne', 'bill', 'chen', 'dora']) AS u;
\set ON_ERROR_STOP 0
SELECT plan FROM change_plan(:bay, :northwind, 'annual_monthly', 3);
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
\echo '   ... with 10 seats: a 12-month commitment starting today'
SELECT plan, status, committed_seats, active_seats,
       term_end = (term_start + interval '12 months')::date AS twelve_month_term, partner_price
  FROM change_plan(:bay, :northwind, 'annual_monthly', 10);

\echo
\echo '== ... and, once committed, cannot reduce its seats before its renewal date (a plain UPDATE meets the same rule) =='
\set ON_ERROR_STOP 0
\set VERBOSITY terse
UPDATE subscription SET committed_seats = 6 WHERE reseller_id = :bay AND subscription_id = :northwind;
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set VERBOSITY default
\set ON_ERROR_STOP 1

\echo
\echo '== The history of Harbor Law''s subscription (subscription_change): what changed, when it took effect, why =='
SELECT change_id, field, old_value, new_value,
       CASE WHEN field = 'created' THEN '(when inserted)'
            ELSE to_char(effective_at, 'YYYY-MM-DD HH24:MI') END AS effective_la,
       reason
  FROM subscription_change
 WHERE reseller_id = :bay AND subscription_id = :harbor
 ORDER BY change_id;

\echo
\echo '== After all this: every counter equals its real number of active accounts, and none is over its limit =='
SELECT count(*) AS subscriptions,
       count(*) FILTER (WHERE s.active_seats = (SELECT count(*) FROM seat t
                                                 WHERE (t.reseller_id, t.subscription_id) = (s.reseller_id, s.subscription_id)
                                                   AND t.active_until IS NULL)) AS counter_right,
       count(*) FILTER (WHERE s.active_seats <= seat_limit(s)) AS within_limit
  FROM subscription s;

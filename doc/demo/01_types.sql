-- make demo, part 1: the money, period and plan types on the source documents' prices.
SET search_path = reseller_billing, public;
\pset footer off

\echo
\echo '== Google Apps Annual plan: list USD 50.00 per seat per year, reseller discount 20% =='
SELECT 'USD 50.00'::amount                         AS list_price,
       'USD 50.00'::amount * 0.80                  AS partner_price_per_year,
       'USD 50.00'::amount * 0.80 / 12             AS exact_per_month,
       round('USD 50.00'::amount * 0.80 / 12)      AS rounded_per_month;

\echo
\echo '== The year in 12 monthly installments that add up exactly to USD 40.00 =='
SELECT n AS month, part AS installment
  FROM unnest(allocate('USD 40.00'::amount, 12)) WITH ORDINALITY AS t(part, n);
SELECT sum(part) AS twelve_installments
  FROM unnest(allocate('USD 40.00'::amount, 12)) AS part;

\echo
\echo '== Flex plan: list USD 60.00 per seat per year, 20% off = USD 48.00, USD 4.00 a month =='
SELECT 'USD 60.00'::amount * 0.80                                  AS partner_price_per_year,
       'USD 60.00'::amount * 0.80 / 12                             AS per_month,
       prorate('USD 4.00', '2012-04', '[2012-04-01,2012-04-15]')   AS account_april_1_to_15;

\echo
\echo '== Currencies with other minor units: JPY has none, KWD has three =='
SELECT 'JPY 1000'::amount                    AS yen,
       'JPY 1000'::amount / 3                AS yen_third_exact,
       round('JPY 1000'::amount / 3)         AS yen_third_rounded,
       'KWD 1.2345'::amount                  AS dinar,
       round('KWD 1.2345'::amount)           AS dinar_rounded,
       allocate('KWD 1.000', 3)              AS dinar_in_three;

\echo
\echo '== Money stays an amount: a 7.25% tax line, a line at another price list, a day of 8% interest =='
SELECT scale('USD 123.45', 0.0725)                              AS tax_line,
       scale('USD 40.00', 'USD 45.00'::amount, 'USD 40.00'::amount) AS at_resale_price,
       scale('USD 1000.00', 0.08, 365)                          AS one_day_interest,
       larger('USD 12.00' - 'USD 15.00'::amount, 'USD 0')       AS owed_not_below_zero,
       sign('USD -3.00'::amount)                                AS sign;

\echo
\echo '== Rounding modes on a tie: 2.345 and -2.345 =='
SELECT v AS amount,
       round(v, 'half_up')   AS half_up,
       round(v, 'half_even') AS half_even,
       round(v, 'down')      AS down
  FROM (VALUES ('USD 2.345'::amount), ('USD -2.345'::amount)) AS t(v);

\echo
\echo '== Billing periods: calendar months and cycles anchored on the 15th and the 31st =='
SELECT p AS period, period_start(p) AS starts, period_end(p) AS ends_before, days(p) AS days
  FROM (VALUES ('2012-02'::billing_period), ('2012-06@15'), ('2012-01@31'), ('2012-02@31'), ('2012-03@31')) AS t(p);

\echo
\echo '== Proration on an anchored cycle: USD 48.00 a year, account added 2012-06-20 in the cycle anchored on the 15th =='
SELECT p                                                             AS cycle,
       days(p)                                                       AS days_in_cycle,
       prorate('USD 48.00'::amount / 12, p, daterange('2012-06-20', NULL)) AS charge_for_rest_of_cycle
  FROM (VALUES (billing_period('2012-06-20', 15))) AS t(p);

\echo
\echo '== Exactness guarantees: refused, never silently changed =='
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
SELECT 'USD 1.0000001'::amount;                 -- more digits than stored
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
SELECT 'USD 1.00'::amount + 'EUR 1.00'::amount; -- currency mix-up
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
SELECT 'USD 9223372036854'::amount * 2;         -- overflow
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
SELECT 'USD 1.00'::amount / 0;                  -- division by zero
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
SELECT 'ZZZ 1.00'::amount;                      -- not an ISO 4217 code
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo '== Plan kinds, in declaration order =='
SELECT k AS plan_kind, is_annual(k) AS annual_commitment
  FROM (VALUES ('trial'::plan_kind), ('flexible'), ('annual_prepaid'), ('annual_monthly')) AS t(k)
 ORDER BY k;

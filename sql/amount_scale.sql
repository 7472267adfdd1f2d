SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
--
-- amount_scale: the operations that keep money an amount (issue 17 §1):
-- sign, is_zero, larger/smaller of one currency, and scaling by a factor or
-- by the ratio of two amounts, rounded once to the minor unit, ties away
-- from zero.
--
SELECT sign('USD -3'::amount) AS neg, sign('USD 0'::amount) AS zero, sign('EUR 0.000001'::amount) AS tiny,
       is_zero('JPY 0'::amount) AS jpy_zero, is_zero('USD -0.000001'::amount) AS not_zero;
SELECT larger('USD 1', 'USD 2'), smaller('USD 1', 'USD -2'), larger('USD 0', 'USD 0');
-- GREATEST follows the btree order, which orders currencies by code: it
-- does not refuse two currencies; larger does
SELECT greatest('USD 1'::amount, 'EUR 2'::amount) AS btree_order;
SELECT larger('USD 1', 'EUR 2');
SELECT smaller('USD 1', 'JPY 2');

-- scale(a, factor): the exact product rounded once to the minor unit
SELECT scale('USD 100.00', 0.0725) AS tax,
       scale('USD 0.05', 0.5) AS tie_up, scale('USD -0.05', 0.5) AS tie_down,
       scale('JPY 101', 0.005) AS jpy, scale('BHD 1.0005', 1) AS bhd,
       scale('USD 2.345', 1) AS half_up, scale('USD 1.004999', 1) AS below_half;
-- rounded once: 1.00499999997... rounds down at 2 digits (rounding to 6 digits
-- first would give 1.005000 and then 1.01)
SELECT scale('USD 1.004999', 1.000000995) AS once, round('USD 1.004999'::amount * 1.000000995) AS twice;
SELECT scale('USD 1', 'NaN');
SELECT scale('USD 1', 'Infinity');
SELECT scale('USD 9000000000000', 2);

-- scale(a, numerator, denominator) with two amounts: exact in 128 bits,
-- rounded once (the amounts are typed: with untyped literals the numeric
-- form below is as good a match)
SELECT scale('USD 10', 'USD 1'::amount, 'USD 3'::amount) AS third,
       scale('USD 10', 'EUR 2'::amount, 'EUR 3'::amount) AS two_thirds,
       scale('USD 9223372036854.775807', 'USD 1'::amount, 'USD 2'::amount) AS half_of_max,
       scale('USD -0.01', 'USD 1'::amount, 'USD 2'::amount) AS neg_tie,
       scale('USD 1', 'USD -1'::amount, 'USD 3'::amount) AS neg_ratio;
SELECT scale('USD 1', 'USD 1'::amount, 'EUR 1'::amount);
SELECT scale('USD 1', 'USD 1'::amount, 'USD 0'::amount);
SELECT scale('USD 9223372036854', 'USD 2'::amount, 'USD 1'::amount);

-- scale(a, numerator, denominator) with two numerics: late interest,
-- balance-days × rate / 365, exact and rounded once
SELECT scale('USD 36500', 0.05, 365) AS one_day_at_5pct,
       scale('USD 1000', 0.08, 365) AS eight_pct_a_day,        -- 0.2191... -> 0.22
       scale('USD 0.73', 1, 146) AS tie,                       -- 0.005 -> 0.01
       scale('USD -0.73', 1, 146) AS neg_tie,                  -- -0.005 -> -0.01
       scale('USD 0.73', 1, -146) AS neg_den,
       scale('USD 1', 1, 3) AS third,
       scale('JPY 1000', 0.1, 3) AS jpy;                       -- 33.33... -> 33
-- the tie decided exactly, not by numeric division's precision:
-- 1 + 1e-20 over 2 is just above a half
SELECT scale('USD 0.01', 1.00000000000000000001, 2) AS above_half,
       scale('USD 0.01', 0.99999999999999999999, 2) AS below_half;
SELECT scale('USD 1', 1::numeric, 0::numeric);
SELECT scale('USD 1', 'NaN'::numeric, 1::numeric);

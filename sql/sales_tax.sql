SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- sales_tax: US sales tax (issue 6 §3).  A dated rate per state, no two
-- rates of a state overlapping; exemption certificates with validity dates;
-- the tax of a line follows the RESELLER's state (reseller.country 'US',
-- reseller.region), is computed from the exact amount and rate, and rounded
-- once, half up (ties away from zero), to the currency's minor unit.
--
-- Ids: resellers 93001...; every date is in 2019-2025.
--

INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('tax_tests', 'Sales tax tests', 'USD', 0.10) RETURNING program_id AS prog \gset
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES
    (93001, :prog, 'Silver State Docs', 'US', 'NV'),
    (93002, :prog, 'Bay State Docs', 'US', 'MA'),
    (93003, :prog, 'Maple Docs', 'CA', 'ON'),       -- Canada, Ontario: no US sales tax
    (93004, :prog, 'Rose City Docs', 'US', 'OR'),   -- Oregon: no rate on file
    (93005, :prog, 'Nowhere Docs', 'US', NULL),     -- in the US, state unknown
    (93006, :prog, 'Empire Docs', 'US', 'NY'),
    (93007, :prog, 'Blue Hen Docs', 'US', 'DE');    -- Delaware: a rate of 0 on file

-- ===========================================================================
-- the rate table (example rates; sql/orders.sql keeps CA and TX for its
-- own, the table being shared): Nevada 7.25% until 2024-06-30, then 7.75%
-- (made up, to show the date picks the rate); Massachusetts 6.25%; New
-- York 4%; Delaware 0.
-- ===========================================================================
INSERT INTO us_sales_tax_rate (state, rate, valid_from, valid_to) VALUES
    ('NV', 0.0725, '2020-01-01', '2024-07-01'),
    ('NV', 0.0775, '2024-07-01', NULL),
    ('MA', 0.0625, '2020-01-01', NULL),
    ('NY', 0.04,   '2020-01-01', NULL),
    ('DE', 0,      '2020-01-01', NULL);
SELECT state, rate, valid_from, valid_to FROM us_sales_tax_rate WHERE state IN ('NV', 'MA', 'NY', 'DE', 'WA', 'OR') ORDER BY state, valid_from;

-- refused: an overlapping rate (23514), naming the state and both validities
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('NV', 0.08, '2024-01-01');
-- refused even when it only touches one day of the other
INSERT INTO us_sales_tax_rate (state, rate, valid_from, valid_to) VALUES ('MA', 0.07, '2019-01-01', '2020-01-02');
-- ending exactly where the next begins is no overlap: [2019-01-01, 2020-01-01)
INSERT INTO us_sales_tax_rate (state, rate, valid_from, valid_to) VALUES ('MA', 0.06, '2019-01-01', '2020-01-01');
-- an update that would make an overlap is refused too
UPDATE us_sales_tax_rate SET valid_to = NULL WHERE state = 'NV' AND valid_from = '2020-01-01';
-- refused: not a state code, a rate of 100% or more, a negative rate, an
-- empty validity (all 23514, naming the limit and the value given)
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('XX', 0.05, '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('ca', 0.05, '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('WA', 1.5, '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('WA', -0.01, '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from, valid_to) VALUES ('WA', 0.065, '2020-01-01', '2020-01-01');
-- a rate is kept exactly: more than 6 decimals is refused, never rounded
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('WA', 0.0650001, '2020-01-01');
-- 6 decimals are fine (a made-up 6.5005%)
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('WA', 0.065005, '2020-01-01');
-- MA 2019 and WA added; nothing else
SELECT state, rate, valid_from, valid_to FROM us_sales_tax_rate WHERE state IN ('NV', 'MA', 'NY', 'DE', 'WA', 'OR') ORDER BY state, valid_from;

-- ===========================================================================
-- the rate of a reseller's line on a date, and why
-- ===========================================================================
SELECT r.reseller_id, r.name, d AS on_date, t.*
  FROM reseller r
 CROSS JOIN (VALUES ('2019-06-01'::date), ('2024-06-30'), ('2024-07-01')) AS x(d)
 CROSS JOIN LATERAL sales_tax_rate(r.reseller_id, x.d) t
 WHERE r.reseller_id IN (93001, 93002, 93003, 93004, 93007)
 ORDER BY r.reseller_id, d;

-- ===========================================================================
-- the tax of one line: exact amount × exact rate, rounded once, half up
-- ===========================================================================
SELECT a.label, a.amount, sales_tax(a.reseller, a.on_date, a.amount) AS tax
  FROM (VALUES
    -- 1798.20 × 0.0725 = 130.3695 → 130.37
    ('NV, June 2024',           93001, '2024-06-30'::date, 'USD 1798.20'::amount),
    -- the same line on July 1: 1798.20 × 0.0775 = 139.3605 → 139.36
    ('NV, July 2024',           93001, '2024-07-01', 'USD 1798.20'),
    -- a tie: 2.00 × 0.0725 = 0.145 → 0.15 (half up; half-even would give 0.14)
    ('NV, tie',                 93001, '2024-06-30', 'USD 2.00'),
    -- a credit line: -2.00 × 0.0725 = -0.145 → -0.15 (away from zero)
    ('NV, negative tie',        93001, '2024-06-30', 'USD -2.00'),
    -- exact on large amounts: 123456789.99 × 0.0725
    --   = 8641975.2993 + 308641.974975 = 8950617.274275 → 8950617.27
    ('NV, large',               93001, '2024-06-30', 'USD 123456789.99'),
    -- a unit price with 6 decimals: 899.991 × 0.0725 = 65.2493475 → 65.25
    ('NV, exact unit price',    93001, '2024-06-30', 'USD 899.991'),
    -- Massachusetts: 10.00 × 0.0625 = 0.625 → 0.63
    ('MA, tie',                 93002, '2024-06-30', 'USD 10.00'),
    -- the line's currency and its minor unit: JPY 1000 × 0.0625 = 62.5 → 63
    ('MA, yen',                 93002, '2024-06-30', 'JPY 1000'),
    -- KWD has 3 decimals: 1.000 × 0.0625 = 0.0625 → 0.063
    ('MA, dinar',               93002, '2024-06-30', 'KWD 1.000'),
    -- Canada: no US sales tax, zero in the line's currency
    ('Canada',                  93003, '2024-06-30', 'CAD 100.00'),
    -- Oregon: no rate on file
    ('OR, no rate',             93004, '2024-06-30', 'USD 100.00'),
    -- Delaware: a rate of 0
    ('DE, rate 0',              93007, '2024-06-30', 'USD 100.00'),
    -- before Nevada's first rate
    ('NV, before any rate',     93001, '2019-06-01', 'USD 100.00')
  ) AS a(label, reseller, on_date, amount);

-- ===========================================================================
-- exemption certificates: Empire Docs (NY, 4%) holds NY-RS-1001 valid
-- [2024-01-01, 2025-01-01), and a California certificate that does not
-- matter in New York.  500.00 × 0.04 = 20.00 when taxed.
-- ===========================================================================
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to) VALUES
    (93006, 'NY', 'NY-RS-1001', '2024-01-01', '2025-01-01'),
    (93006, 'CA', 'CA-SR-77', '2020-01-01', NULL);
SELECT x.on_date, t.rate, t.state, t.reason, t.certificate_number,
       sales_tax(93006, x.on_date, 'USD 500.00') AS tax
  FROM (VALUES ('2023-12-31'::date),   -- not valid yet: taxed 20.00
               ('2024-01-01'),         -- first day: exempt, 0.00
               ('2024-12-31'),         -- last day: exempt, 0.00
               ('2025-01-01')          -- expired: taxed 20.00
       ) AS x(on_date)
 CROSS JOIN LATERAL sales_tax_rate(93006, x.on_date) t
 ORDER BY x.on_date;
-- a renewal: a second certificate from 2025-01-01 with no end exempts again
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from)
VALUES (93006, 'NY', 'NY-RS-2002', '2025-01-01');
SELECT (sales_tax_rate(93006, '2025-03-01')).certificate_number, sales_tax(93006, '2025-03-01', 'USD 500.00') AS tax;

-- refused: the same certificate twice (23505), a certificate for a place
-- that is not a US state, an empty validity, an empty number (23514)
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from)
VALUES (93006, 'NY', 'NY-RS-1001', '2024-06-01');
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from)
VALUES (93006, 'ON', 'ON-1', '2024-06-01');
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (93006, 'NY', 'NY-RS-3003', '2024-06-01', '2024-05-01');
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from)
VALUES (93006, 'NY', ' ', '2024-06-01');
SELECT count(*) AS certificates FROM tax_exemption_certificate WHERE reseller_id = 93006;

-- ===========================================================================
-- refused inputs
-- ===========================================================================
-- a US reseller without a state on file: nothing to tax by, and the
-- reason says so (no_state); place_order refuses such a reseller (22023,
-- sql/orders.sql)
SELECT t.*, sales_tax(93005, '2024-06-30', 'USD 100.00') AS tax FROM sales_tax_rate(93005, '2024-06-30') t;
-- no date, no amount (22004); an unknown reseller (P0002)
SELECT sales_tax(93001, NULL, 'USD 100.00');
SELECT sales_tax(93001, '2024-06-30', NULL);
SELECT sales_tax(99999999, '2024-06-30', 'USD 100.00');
-- a currency without a minor unit (ISO gives N.A. for gold) cannot be taxed
SELECT sales_tax(93001, '2024-06-30', 'XAU 1');

-- the shared rate table carries no reseller_id; certificates are the
-- reseller's, keyed by it
SELECT c.relname, a.attname IS NOT NULL AS has_reseller_id,
       pg_get_constraintdef(k.oid) AS primary_key
  FROM pg_class c
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'reseller_id'
  JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
 WHERE c.oid IN ('us_sales_tax_rate'::regclass, 'tax_exemption_certificate'::regclass)
 ORDER BY c.relname;

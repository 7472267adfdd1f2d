SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set VERBOSITY default
-- Every statement expected to fail is followed by "\echo sqlstate :SQLSTATE",
-- which prints the SQLSTATE of that statement (00000 had it succeeded).
\set SHOW_CONTEXT never

-- ===========================================================================
-- amount: text input and output, binary send/recv, constructors, accessors
-- ===========================================================================

-- the storage of the type -----------------------------------------------------

SELECT typname, typlen, typbyval, typalign, typstorage
FROM pg_type WHERE oid = 'reseller_billing.amount'::regtype;

-- accepted spellings ----------------------------------------------------------
-- an upper-case ISO 4217 code and a number, one space between, code first
-- or last; one optional sign, before the code or before the digits

SELECT input, input::amount AS amount
FROM (VALUES ('USD 12.34'), ('12.34 USD'), ('-USD 12.34'), ('USD -12.34'),
             ('-12.34 USD'), ('+USD 12.34'), ('USD +12.34'), ('+12.34 USD'),
             ('USD 12'), ('USD 12.'), ('USD .5'), ('.5 USD'), ('USD 007.50'),
             ('USD 0'), ('-USD 0'), ('USD -0.000'), ('+0 USD')) AS t(input);

-- and nothing else (issue 19 §7): no lower case, no missing or doubled
-- space, no tab or newline, no space around, no XXX (ISO's "no currency")
CREATE FUNCTION pg_temp.refusal(p_input text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st  text;
    msg text;
BEGIN
    PERFORM p_input::reseller_billing.amount;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END $$;
SELECT input, pg_temp.refusal(input) AS refused
FROM (VALUES ('usd 1'), ('uSd 12.34'), ('12.34 usd'), ('USD1'), ('1USD'), ('USD  1'), ('1  USD'),
             (E'USD\t1'), (E'USD 1\n'), (' USD 1'), ('USD 1 '), ('- USD 1'), ('USD - 1'),
             ('XXX 1'), ('1 XXX')) AS t(input);

-- canonical output --------------------------------------------------------------
-- code, space, value with at least the currency's minor-unit digits and more
-- only when the value has them

SELECT input, input::amount AS amount, currency(input::amount), value(input::amount)
FROM (VALUES ('USD 1'), ('USD 1.5'), ('USD 1.50'), ('USD 1.005'), ('USD 3.333333'),
             ('USD 0.000001'), ('USD -0.000001'), ('USD 1.100000'),
             ('JPY 1000'), ('JPY 1000.00'), ('JPY 1000.5'), ('JPY -1'),
             ('KWD 1.235'), ('KWD 1.2'), ('KWD 1'), ('KWD 1.2345'),
             ('BHD 0.1'), ('CLF 1'), ('CLF 1.23456'), ('EUR 0.1'),
             ('XAU 1'), ('XAU 1.25'), ('XTS -3')) AS t(input);

-- trailing zeros beyond the 6th fractional digit lose nothing: accepted
SELECT 'USD 1.0000000'::amount, 'USD 1.1234560'::amount,
       'USD 1.123456000000000000000000000000'::amount, '-0.0000000000 USD'::amount;

-- the stored range: ±9223372036854.775807
SELECT 'USD 9223372036854.775807'::amount AS max,
       '-USD 9223372036854.775807'::amount AS min,
       'USD 0009223372036854.7758070'::amount AS max_padded,
       'JPY 9223372036854.775807'::amount AS jpy_max;

-- syntax errors: 22P02 ------------------------------------------------------------

SELECT ''::amount;
\echo sqlstate :SQLSTATE
SELECT '   '::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD'::amount;
\echo sqlstate :SQLSTATE
SELECT '12.34'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1,000.00'::amount;		-- no thousands separators
\echo sqlstate :SQLSTATE
SELECT 'USD 1 000.00'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1''000.00'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 12,34'::amount;			-- no decimal comma
\echo sqlstate :SQLSTATE
SELECT 'USD 1e3'::amount;			-- no exponent
\echo sqlstate :SQLSTATE
SELECT 'USD 1.2.3'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD .'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD --1'::amount;
\echo sqlstate :SQLSTATE
SELECT '-USD -1'::amount;			-- one sign only
\echo sqlstate :SQLSTATE
SELECT '+-1 USD'::amount;
\echo sqlstate :SQLSTATE
SELECT '- USD 1'::amount;			-- the sign touches what it signs
\echo sqlstate :SQLSTATE
SELECT 'USD - 1'::amount;
\echo sqlstate :SQLSTATE
SELECT '1- USD'::amount;
\echo sqlstate :SQLSTATE
SELECT '12.34 -USD'::amount;
\echo sqlstate :SQLSTATE
SELECT 'US 1'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USDX 1'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1 EUR'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 12.34 x'::amount;
\echo sqlstate :SQLSTATE
SELECT '$12.34'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD $12.34'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 0x10'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD NaN'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD Infinity'::amount;
\echo sqlstate :SQLSTATE
SELECT 'U1D 1'::amount;
\echo sqlstate :SQLSTATE

-- unknown currency codes: 22P02 ------------------------------------------------------

SELECT 'ABC 1'::amount;
\echo sqlstate :SQLSTATE
SELECT '1 XYZ'::amount;
\echo sqlstate :SQLSTATE
SELECT 'HRK 1'::amount;			-- withdrawn (Croatia adopted the euro in 2023)
\echo sqlstate :SQLSTATE
SELECT 'ABC 1.0000001'::amount;	-- the code is checked first
\echo sqlstate :SQLSTATE

-- more fractional digits than stored: 22003 ----------------------------------------

SELECT 'USD 1.0000001'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 0.0000005'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1.12345601'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1.0000000000000000000001'::amount;
\echo sqlstate :SQLSTATE
SELECT '-0.00000001 JPY'::amount;
\echo sqlstate :SQLSTATE

-- out of range: 22003 ------------------------------------------------------------------

SELECT 'USD 9223372036854.775808'::amount;
\echo sqlstate :SQLSTATE
SELECT '-USD 9223372036854.775808'::amount;	-- INT64_MIN millionths is not an amount
\echo sqlstate :SQLSTATE
SELECT 'USD 9223372036855'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 99999999999999999999999999999999999999999999'::amount;
\echo sqlstate :SQLSTATE

-- text casts (I/O conversion) ----------------------------------------------------------

SELECT 'USD 1.5'::amount::text AS to_text, 'JPY 7'::text::amount AS from_text,
       pg_typeof('USD 1'::text::amount);

-- arrays of amounts
SELECT '{USD 1,  JPY 2 ,"-KWD 0.5"}'::amount[] AS arr;

-- no casts from or to floating point (nor numeric) ------------------------------------

SELECT 'USD 1'::amount::float8;
\echo sqlstate :SQLSTATE
SELECT 1.5::float8::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount::float4;
\echo sqlstate :SQLSTATE
SELECT 1.5::float4::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount::numeric;
\echo sqlstate :SQLSTATE
SELECT 1.5::numeric::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount * 1.5::float8;
\echo sqlstate :SQLSTATE
SELECT count(*) AS float_casts FROM pg_cast
WHERE (castsource = 'reseller_billing.amount'::regtype AND casttarget IN ('float4'::regtype, 'float8'::regtype))
   OR (casttarget = 'reseller_billing.amount'::regtype AND castsource IN ('float4'::regtype, 'float8'::regtype));

-- amount(numeric, text) ------------------------------------------------------------------

SELECT amount(12.34, 'USD') AS a1, amount(12.34, 'usd') AS a2, amount(-12.34, 'USD') AS a3,
       amount(1000, 'JPY') AS a4, amount(1.2345, 'KWD') AS a5, amount(0.000001, 'USD') AS a6,
       amount(1.0000000000, 'USD') AS a7, amount(0, 'EUR') AS a8;
SELECT amount(9223372036854.775807, 'USD') AS max, amount(-9223372036854.775807, 'USD') AS min;
SELECT amount(12.34, 'USD') = 'USD 12.34'::amount AS same;
SELECT amount(NULL, 'USD') IS NULL AS null_value, amount(1, NULL) IS NULL AS null_code;

SELECT amount(1.0000001, 'USD');
\echo sqlstate :SQLSTATE
SELECT amount(-0.00000000001, 'USD');
\echo sqlstate :SQLSTATE
SELECT amount(9223372036854.775808, 'USD');
\echo sqlstate :SQLSTATE
SELECT amount(-9223372036854.775808, 'USD');
\echo sqlstate :SQLSTATE
SELECT amount(1e30, 'USD');
\echo sqlstate :SQLSTATE
SELECT amount('NaN', 'USD');
\echo sqlstate :SQLSTATE
SELECT amount('Infinity', 'USD');
\echo sqlstate :SQLSTATE
SELECT amount('-Infinity', 'USD');
\echo sqlstate :SQLSTATE
SELECT amount(1, 'ABC');
\echo sqlstate :SQLSTATE
SELECT amount(1, 'US');
\echo sqlstate :SQLSTATE
SELECT amount(1, 'USDX');
\echo sqlstate :SQLSTATE
SELECT amount(1, ' USD');
\echo sqlstate :SQLSTATE
SELECT amount(1, '');
\echo sqlstate :SQLSTATE

-- currency(amount), value(amount) ----------------------------------------------------------

SELECT currency('JPY 5'::amount), pg_typeof(currency('USD 1'::amount));
-- value() is the exact numeric: no digit is lost at either end of the range
SELECT value('USD 3.333333'::amount), value('USD 9223372036854.775807'::amount),
       value('-USD 9223372036854.775807'::amount), value('USD 0.000001'::amount),
       pg_typeof(value('USD 1'::amount));
SELECT value('USD 9223372036854.775807'::amount) = 9223372036854.775807 AS exact_max,
       value('USD 0.1'::amount) + value('USD 0.2'::amount) = 0.3 AS exact_sum;
-- amount(value(a), currency(a)) gives back a
SELECT a, amount(value(a), currency(a)) = a AS round_trip
FROM (VALUES ('USD 3.333333'::amount), ('JPY 1000'), ('KWD -1.235'), ('XAU 0.000001'),
             ('USD 9223372036854.775807'), ('-USD 9223372036854.775807')) AS t(a);

-- minor_unit(text) ----------------------------------------------------------------------------

SELECT minor_unit('USD') AS usd, minor_unit('JPY') AS jpy, minor_unit('KWD') AS kwd,
       minor_unit('CLF') AS clf, minor_unit('usd') AS usd_lower,
       minor_unit('XAU') IS NULL AS xau_is_null, minor_unit('XTS') IS NULL AS xts_is_null;
SELECT minor_unit('ABC');
\echo sqlstate :SQLSTATE
SELECT minor_unit('');
\echo sqlstate :SQLSTATE
SELECT minor_unit('USDX');
\echo sqlstate :SQLSTATE

-- binary send/recv ----------------------------------------------------------------------------
-- send: the three letters of the code, then the value in millionths as a
-- big-endian int64

SELECT a, amount_send(a)
FROM (VALUES ('USD 1'::amount), ('USD -1'), ('JPY 1000'), ('KWD 0.000001'),
             ('USD 9223372036854.775807'), ('-USD 9223372036854.775807')) AS t(a);

-- round trip through COPY (FORMAT binary): recv gives back what send wrote
CREATE TABLE amount_io_bin (id int, a amount);
INSERT INTO amount_io_bin
VALUES (1, 'USD 12.34'), (2, 'JPY -1000'), (3, 'KWD 1.235'), (4, 'USD 3.333333'),
       (5, 'USD 9223372036854.775807'), (6, '-USD 9223372036854.775807'), (7, 'XAU 0.000001'),
       (8, NULL);
COPY amount_io_bin TO PROGRAM 'cat > amount_io_bin.copy' (FORMAT binary);
CREATE TABLE amount_io_bin2 (LIKE amount_io_bin);
COPY amount_io_bin2 FROM PROGRAM 'cat amount_io_bin.copy && rm amount_io_bin.copy' (FORMAT binary);
SELECT id, b.a, b.a = o.a AS same
FROM amount_io_bin2 b JOIN amount_io_bin o USING (id) ORDER BY id;

-- recv of hand-made external values (a binary COPY file with one int4 column
-- and one amount column)
TRUNCATE amount_io_bin2;
-- 'USD' and 1000000 millionths
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\1\0\0\0\13USD\0\0\0\0\0\17\102\100\377\377'$$ (FORMAT binary);
-- 'JPY' and -1 millionth
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\2\0\0\0\13JPY\377\377\377\377\377\377\377\377\377\377'$$ (FORMAT binary);
SELECT * FROM amount_io_bin2 ORDER BY id;
-- lower-case code: 22P03
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\13usd\0\0\0\0\0\17\102\100\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
-- not letters: 22P03
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\13U\0D\0\0\0\0\0\17\102\100\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
-- unknown code: 22P03
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\13ABC\0\0\0\0\0\17\102\100\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
-- INT64_MIN millionths: 22003
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\13USD\200\0\0\0\0\0\0\0\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
-- too short (10 bytes): 08P01
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\12USD\0\0\0\0\0\17\102\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
-- too long (12 bytes): 22P03
COPY amount_io_bin2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\3\0\0\0\14USD\0\0\0\0\0\17\102\100\0\377\377'$$ (FORMAT binary);
\echo sqlstate :SQLSTATE
SELECT count(*) AS rows_after_rejects FROM amount_io_bin2;

DROP TABLE amount_io_bin, amount_io_bin2;

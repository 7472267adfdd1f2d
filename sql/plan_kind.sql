SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
--
-- plan_kind: annual_monthly < annual_prepaid < flexible < trial
--
\set SHOW_CONTEXT never

-- ===========================================================================
-- the type: one byte, passed by value
-- ===========================================================================
SELECT typname, typlen, typbyval, typalign, typstorage
FROM pg_type WHERE oid = 'reseller_billing.plan_kind'::regtype;

-- ===========================================================================
-- labels in and out
-- ===========================================================================
SELECT 'annual_monthly'::plan_kind AS k1, 'annual_prepaid'::plan_kind AS k2,
       'flexible'::plan_kind AS k3, 'trial'::plan_kind AS k4;
SELECT k, k::text AS as_text, k::text::plan_kind = k AS text_round_trip, pg_typeof(k)
FROM unnest('{trial,flexible,annual_prepaid,annual_monthly}'::plan_kind[]) AS k;
SELECT NULL::plan_kind IS NULL AS null_in;

-- anything else: 22P02 (labels are exact: no case folding, no spaces)
SELECT 'Annual_Monthly'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'TRIAL'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'annual'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'flex'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT ' trial'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'trial '::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'annual-monthly'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT ''::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '0'::plan_kind;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '{trial,bogus}'::plan_kind[];
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- is_annual: the two Annual plans
-- ===========================================================================
SELECT k, is_annual(k)
FROM unnest('{annual_monthly,annual_prepaid,flexible,trial}'::plan_kind[]) AS k;
SELECT is_annual(NULL) IS NULL AS null_is_annual;

-- ===========================================================================
-- order: the declaration order (alphabetical too, as it happens), checked
-- pair by pair
-- ===========================================================================
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       plan_kind_cmp(a, b) AS cmp
FROM unnest('{annual_monthly,annual_prepaid,flexible,trial}'::plan_kind[]) AS a,
     unnest('{annual_monthly,annual_prepaid,flexible,trial}'::plan_kind[]) AS b
ORDER BY a, b;
SELECT k FROM unnest('{trial,flexible,annual_prepaid,trial,annual_monthly,flexible}'::plan_kind[]) AS k
ORDER BY k;
SELECT k FROM unnest('{trial,flexible,annual_prepaid,annual_monthly}'::plan_kind[]) AS k
ORDER BY k DESC;

-- hash support functions agree with equality and with each other
SELECT count(DISTINCT plan_kind_hash(k)) AS distinct_hashes,
       count(*) FILTER (WHERE (plan_kind_hash(k)::bigint & 4294967295)
                              <> (plan_kind_hash_extended(k, 0) & 4294967295)) AS low_bits_mismatches,
       count(*) FILTER (WHERE plan_kind_hash_extended(k, 0) = plan_kind_hash_extended(k, 1)) AS seed_ignored
FROM unnest('{annual_monthly,annual_prepaid,flexible,trial}'::plan_kind[]) AS k;

-- ===========================================================================
-- as a column type: ORDER BY, indexes, GROUP BY, joins
-- ===========================================================================
CREATE TABLE pk_subscription (
    id int PRIMARY KEY,
    customer text NOT NULL,
    kind plan_kind NOT NULL
);
-- 100 of each kind, inserted out of order, plus one row without a kind in a
-- second table
INSERT INTO pk_subscription
SELECT i, 'customer ' || i,
       (ARRAY['trial', 'annual_prepaid', 'flexible', 'annual_monthly'])[i % 4 + 1]::plan_kind
FROM generate_series(1, 400) AS i;
CREATE TABLE pk_nullable (id int, kind plan_kind);
INSERT INTO pk_nullable VALUES (1, 'flexible'), (2, NULL), (3, 'annual_monthly'), (4, 'trial');
SELECT id, kind FROM pk_nullable ORDER BY kind, id;
SELECT id, kind FROM pk_nullable ORDER BY kind DESC NULLS LAST, id;
SELECT id, customer, kind FROM pk_subscription ORDER BY kind, id LIMIT 6;
SELECT kind, count(*), bool_and(is_annual(kind)) AS annual
FROM pk_subscription GROUP BY kind ORDER BY kind;
SELECT is_annual(kind) AS annual, count(*) FROM pk_subscription GROUP BY 1 ORDER BY 1;
SELECT DISTINCT kind FROM pk_subscription ORDER BY kind DESC;
SELECT count(*) FROM pk_subscription WHERE kind >= 'flexible';
SELECT count(*) FROM pk_subscription WHERE kind IN ('annual_monthly', 'trial');
ALTER TABLE pk_subscription ADD CONSTRAINT pk_no_trial_above_300 CHECK (id <= 300 OR kind <> 'trial');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM pk_subscription WHERE id > 300 AND kind = 'trial';
ALTER TABLE pk_subscription ADD CONSTRAINT pk_no_trial_above_300 CHECK (id <= 300 OR kind <> 'trial');
INSERT INTO pk_subscription VALUES (400, 'customer 400', 'trial');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO pk_subscription VALUES (400, 'customer 400', 'trial ');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT kind, count(*) FROM pk_subscription GROUP BY kind ORDER BY kind;

-- btree index
CREATE INDEX pk_subscription_kind ON pk_subscription (kind);
ANALYZE pk_subscription;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM pk_subscription WHERE kind = 'annual_prepaid';
SELECT count(*) FROM pk_subscription WHERE kind = 'annual_prepaid';
EXPLAIN (COSTS OFF) SELECT count(*) FROM pk_subscription WHERE kind > 'annual_prepaid' AND kind <= 'trial';
SELECT count(*) FROM pk_subscription WHERE kind > 'annual_prepaid' AND kind <= 'trial';
EXPLAIN (COSTS OFF) SELECT kind FROM pk_subscription ORDER BY kind DESC LIMIT 1;
SELECT kind FROM pk_subscription ORDER BY kind DESC LIMIT 1;
-- unique index
CREATE TEMP TABLE pk_price (kind plan_kind PRIMARY KEY, monthly_price amount NOT NULL);
INSERT INTO pk_price VALUES ('annual_monthly', 'USD 5.00'), ('annual_prepaid', 'USD 4.50'),
                            ('flexible', 'USD 6.00'), ('trial', 'USD 0');
INSERT INTO pk_price VALUES ('flexible', 'USD 7.00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- hash index
DROP INDEX pk_subscription_kind;
CREATE INDEX pk_subscription_kind_hash ON pk_subscription USING hash (kind);
EXPLAIN (COSTS OFF) SELECT count(*) FROM pk_subscription WHERE kind = 'flexible';
SELECT count(*) FROM pk_subscription WHERE kind = 'flexible';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- hash join, merge join, hash aggregation, sorted aggregation
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT p.kind, sum(p.monthly_price) FROM pk_subscription AS s JOIN pk_price AS p USING (kind)
GROUP BY p.kind;
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT p.kind, count(*), sum(p.monthly_price) FROM pk_subscription AS s JOIN pk_price AS p USING (kind)
GROUP BY p.kind ORDER BY p.kind;
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM pk_subscription AS s JOIN pk_price AS p USING (kind);
SELECT count(*) FROM pk_subscription AS s JOIN pk_price AS p USING (kind);
RESET enable_hashjoin;
RESET enable_nestloop;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT kind, count(*) FROM pk_subscription GROUP BY kind;
SELECT kind, count(*) FROM pk_subscription GROUP BY kind ORDER BY count(*), kind;
RESET enable_sort;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT kind, count(*) FROM pk_subscription GROUP BY kind;
SELECT kind, count(*) FROM pk_subscription GROUP BY kind;
RESET enable_hashagg;

-- ===========================================================================
-- binary form: the label as text, validated on receive
-- ===========================================================================
SELECT k, plan_kind_send(k) AS binary
FROM unnest('{annual_monthly,annual_prepaid,flexible,trial}'::plan_kind[]) AS k;
-- round trip through COPY BINARY (a file in the server's data directory)
COPY (SELECT id, kind FROM pk_subscription) TO PROGRAM 'cat > rb_regress_plan_kind.bin' WITH (FORMAT binary);
CREATE TABLE pk_copy (id int, kind plan_kind);
COPY pk_copy FROM PROGRAM 'cat rb_regress_plan_kind.bin && rm rb_regress_plan_kind.bin' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE c.kind IS DISTINCT FROM s.kind) AS mismatches
FROM pk_copy AS c FULL JOIN pk_subscription AS s USING (id);
-- hand-made binary input: one row, one field of 5 bytes
TRUNCATE pk_copy;
COPY pk_copy (kind) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\005trial\377\377''' WITH (FORMAT binary);
SELECT kind FROM pk_copy;
-- an unknown label: 22P03
COPY pk_copy (kind) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\005Trial\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the code is not the binary form (label 'trial' is code 3): 22P03
COPY pk_copy (kind) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\001\063\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS rows_after_errors FROM pk_copy;

DROP TABLE pk_copy;
DROP TABLE pk_price;
DROP TABLE pk_nullable;
DROP TABLE pk_subscription;

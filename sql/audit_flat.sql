SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- audit_flat: the audit log's row_key, old_row and new_row are laid out
-- straight in the memory that keeps them (src/audit_flat.c), not through
-- JsonbValueToJsonb.  They must be byte for byte what to_jsonb and
-- jsonb_build_object give (jsonb_send compares the bytes): every scalar
-- kind, numbers after strings of every length (their alignment), more than
-- 32 keys and values (the offsets stored every 32 entries), multi-byte
-- text, nulls; an UPDATE's old_row is the row's previous new_row; a table
-- with an array column still goes through to_jsonb of the whole row.
--
-- Ids: reseller 71951..; the tables public.audit_flat_* are dropped at the end.
--
SELECT coalesce(max(audit_id), 0) AS start FROM audit_log \gset

CREATE TABLE public.audit_flat_wide (
    reseller_id bigint NOT NULL, id int NOT NULL,
    c01 text, c02 int2, c03 int4, c04 int8, c05 bool, c06 text, c07 numeric, c08 date, c09 timestamptz,
    c10 text, c11 int8, c12 text, c13 amount, c14 plan_kind, c15 text, c16 int4, c17 text, c18 bool,
    c19 int8, c20 text,
    PRIMARY KEY (reseller_id, id));
SELECT audit_attach('public.audit_flat_wide', ARRAY['reseller_id', 'id']);
INSERT INTO public.audit_flat_wide
SELECT 71951, g, repeat('é', g % 5), (g % 3)::int2, g * 7, g::int8 * -123456789, g % 2 = 0,
       CASE WHEN g % 3 <> 0 THEN 'x' || g END, g / 3.0, DATE '2020-01-01' + g,
       TIMESTAMPTZ '2020-01-01 00:00+00' + g * interval '1 minute', repeat('ab', g % 9), g, 'k',
       amount(g * 0.01, 'USD'), CASE WHEN g % 2 = 0 THEN 'flexible' ELSE 'annual_monthly' END::plan_kind,
       '', -g, repeat('z', 1 + g % 7), NULL, 0, 'text ' || repeat('q', g * 10)
  FROM generate_series(1, 200) g;
UPDATE public.audit_flat_wide SET c01 = 'changed', c02 = NULL, c20 = repeat('€', id) WHERE id % 10 = 0;
DELETE FROM public.audit_flat_wide WHERE id % 25 = 0;

-- an array column: the row goes through to_jsonb of the whole row
CREATE TABLE public.audit_flat_array (reseller_id bigint NOT NULL, id int NOT NULL, tags text[], n int,
    PRIMARY KEY (reseller_id, id));
SELECT audit_attach('public.audit_flat_array', ARRAY['reseller_id', 'id']);
INSERT INTO public.audit_flat_array SELECT 71952, g, ARRAY['a' || g, NULL], g FROM generate_series(1, 5) g;
UPDATE public.audit_flat_array SET n = -n WHERE id = 2;

-- every row still there: its latest new_row is to_jsonb of it, byte for byte
SELECT t.tab, count(*) AS rows,
       count(*) FILTER (WHERE jsonb_send(l.new_row) = jsonb_send(t.j)) AS same_bytes,
       count(*) FILTER (WHERE jsonb_send(l.row_key) = jsonb_send(jsonb_build_object('reseller_id', t.r, 'id', t.id))) AS same_key_bytes
  FROM (SELECT 'audit_flat_wide' AS tab, w.reseller_id AS r, w.id, to_jsonb(w) AS j FROM public.audit_flat_wide w
        UNION ALL
        SELECT 'audit_flat_array', a.reseller_id, a.id, to_jsonb(a) FROM public.audit_flat_array a) t
  JOIN LATERAL (SELECT a.new_row, a.row_key FROM audit_log a
                 WHERE a.audit_id > :start AND a.table_name = t.tab AND (a.row_key ->> 'id')::int = t.id
                 ORDER BY a.audit_id DESC LIMIT 1) l ON true
 GROUP BY t.tab ORDER BY t.tab;

-- each UPDATE's and DELETE's old_row is the row's previous new_row, byte
-- for byte; every key is the one jsonb_build_object gives
SELECT a.table_name, a.operation, count(*) AS rows,
       count(*) FILTER (WHERE a.old_row IS NULL OR jsonb_send(a.old_row) = jsonb_send(
           (SELECT b.new_row FROM audit_log b
             WHERE b.audit_id > :start AND b.audit_id < a.audit_id AND b.table_name = a.table_name
               AND b.row_key = a.row_key ORDER BY b.audit_id DESC LIMIT 1))) AS old_is_previous,
       count(*) FILTER (WHERE jsonb_send(a.row_key) = jsonb_send(jsonb_build_object(
           'reseller_id', (a.row_key ->> 'reseller_id')::bigint, 'id', (a.row_key ->> 'id')::int))) AS same_key_bytes
  FROM audit_log a
 WHERE a.audit_id > :start AND a.table_name IN ('audit_flat_wide', 'audit_flat_array')
 GROUP BY a.table_name, a.operation ORDER BY a.table_name, a.operation;

-- what the objects hold, for a few rows
SELECT operation, row_key, new_row -> 'c01' AS c01, new_row -> 'c07' AS c07, new_row -> 'c13' AS c13,
       length(new_row ->> 'c20') AS c20_length, old_row -> 'c02' AS old_c02
  FROM audit_log WHERE audit_id > :start AND table_name = 'audit_flat_wide' AND (row_key ->> 'id')::int IN (3, 10)
 ORDER BY audit_id;

-- integers: a column's numeric is kept while the next row has the same
-- value (src/audit_jsonb.c); runs of equal values, a change on every row,
-- and UPDATEs whose old and new rows differ in them
CREATE TABLE public.audit_flat_ints (reseller_id bigint NOT NULL, id int NOT NULL,
    a int2, b int4, c int8, d int8, PRIMARY KEY (reseller_id, id));
SELECT audit_attach('public.audit_flat_ints', ARRAY['reseller_id', 'id']);
INSERT INTO public.audit_flat_ints
SELECT 71953, g, (g / 4)::int2, CASE WHEN g % 5 = 0 THEN NULL ELSE g / 3 END, 7, g::int8 * 1000000007
  FROM generate_series(1, 40) g;
UPDATE public.audit_flat_ints SET a = -a, c = c + id % 2, d = -d WHERE id % 3 = 0;
UPDATE public.audit_flat_ints SET b = b WHERE id % 4 = 0;
SELECT a.operation, count(*) AS rows,
       count(*) FILTER (WHERE a.old_row IS NULL OR jsonb_send(a.old_row) = jsonb_send(
           (SELECT b.new_row FROM audit_log b
             WHERE b.audit_id > :start AND b.audit_id < a.audit_id AND b.table_name = a.table_name
               AND b.row_key = a.row_key ORDER BY b.audit_id DESC LIMIT 1))) AS old_is_previous
  FROM audit_log a
 WHERE a.audit_id > :start AND a.table_name = 'audit_flat_ints'
 GROUP BY a.operation ORDER BY a.operation;
SELECT count(*) AS rows, count(*) FILTER (WHERE jsonb_send(l.new_row) = jsonb_send(to_jsonb(i))) AS same_bytes
  FROM public.audit_flat_ints i
  JOIN LATERAL (SELECT a.new_row FROM audit_log a
                 WHERE a.audit_id > :start AND a.table_name = 'audit_flat_ints' AND (a.row_key ->> 'id')::int = i.id
                 ORDER BY a.audit_id DESC LIMIT 1) l ON true;
SELECT new_row FROM audit_log WHERE audit_id > :start AND table_name = 'audit_flat_ints'
   AND (row_key ->> 'id')::int IN (3, 4, 5) ORDER BY audit_id;

DROP TABLE public.audit_flat_wide, public.audit_flat_array, public.audit_flat_ints;

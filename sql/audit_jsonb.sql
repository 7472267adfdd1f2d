SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- audit_jsonb: the audit log's row_key, old_row and new_row are built in C
-- (src/audit_jsonb.c, src/audit.c) as jsonb objects with their keys already
-- in jsonb's order, and written in batches (src/audit_write.c).  They must
-- be what to_jsonb gives: equal as jsonb, every key found by ->, the keys in
-- the same order, for every column type, a dropped column, a multi-row
-- statement, moments shared by the rows of a statement and time zones
-- changed between statements.
--
-- Ids: reseller 71901..; the table public.audit_jsonb_probe is dropped at the end.
--
SELECT coalesce(max(audit_id), 0) AS start FROM audit_log \gset

CREATE TABLE public.audit_jsonb_probe (
    reseller_id   bigint NOT NULL,
    probe_id      int NOT NULL,
    gone          text,
    small         smallint,
    flag          boolean,
    label         text,
    a_long_column_name text,
    b             int8,
    day           date,
    at_local      timestamp,
    at            timestamptz,
    price         amount,
    plan          plan_kind,
    ratio         numeric,
    PRIMARY KEY (reseller_id, probe_id));
ALTER TABLE public.audit_jsonb_probe DROP COLUMN gone;
SELECT audit_attach('public.audit_jsonb_probe', ARRAY['reseller_id', 'probe_id']);

-- 300 rows in one statement (more than one batch of the writer), the
-- moments shared by many rows
INSERT INTO public.audit_jsonb_probe
SELECT 71901, g, (g % 7)::smallint, g % 2 = 0, CASE WHEN g % 5 <> 0 THEN 'l' || g END, repeat('x', g % 3),
       g::int8 * 1000000000, DATE '2012-03-01' + g % 4, TIMESTAMP '2012-03-01 10:00' + (g % 3) * interval '1 hour',
       TIMESTAMPTZ '2012-03-01 10:00+00' + (g % 2) * interval '90 minutes',
       amount(g * 0.25, 'USD'), CASE WHEN g % 2 = 0 THEN 'flexible' ELSE 'annual_monthly' END::plan_kind,
       g / 7.0
  FROM generate_series(1, 300) g;
SET TimeZone = 'America/New_York';
INSERT INTO public.audit_jsonb_probe (reseller_id, probe_id, at, day) VALUES
    (71901, 301, '2012-03-01 10:00+00', '2012-03-01'),
    (71901, 302, '2012-03-01 10:00+00', '2012-03-01');
UPDATE public.audit_jsonb_probe SET label = 'changed', at = at + interval '1 day' WHERE probe_id IN (1, 2, 301);
SET TimeZone = 'Asia/Kolkata';
UPDATE public.audit_jsonb_probe SET flag = NOT coalesce(flag, false) WHERE probe_id IN (3, 302);
DELETE FROM public.audit_jsonb_probe WHERE probe_id IN (4, 5);

-- the log's rows against to_jsonb of the rows as they are now (the time
-- zone of each statement is in its text: compare under each)
SELECT operation, count(*) AS rows,
       count(*) FILTER (WHERE row_key = jsonb_build_object('reseller_id', 71901, 'probe_id', (row_key ->> 'probe_id')::int)) AS keys_equal
  FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe'
 GROUP BY operation ORDER BY operation;

-- the key order of every object is jsonb's own (the text of an object
-- lists its keys in stored order)
SELECT count(*) AS objects,
       count(*) FILTER (WHERE o::text = (o::text)::jsonb::text) AS in_order,
       count(*) FILTER (WHERE (SELECT bool_and(o -> k IS NOT NULL) FROM jsonb_object_keys(o) k)) AS every_key_found
  FROM (SELECT new_row AS o FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe' AND new_row IS NOT NULL
        UNION ALL
        SELECT old_row FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe' AND old_row IS NOT NULL
        UNION ALL
        SELECT row_key FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe') x;

-- the rows still there: their latest new_row is to_jsonb of the row, in
-- the zone it was written in (rows untouched since the first INSERT: UTC)
SET TimeZone = 'UTC';
SELECT count(*) AS rows, count(*) FILTER (WHERE l.new_row = to_jsonb(p)) AS equal,
       count(*) FILTER (WHERE (SELECT bool_and(l.new_row -> k = to_jsonb(p) -> k) FROM jsonb_object_keys(to_jsonb(p)) k)) AS equal_by_key
  FROM public.audit_jsonb_probe p
  JOIN LATERAL (SELECT new_row FROM audit_log a
                 WHERE a.audit_id > :start AND a.table_name = 'audit_jsonb_probe'
                   AND (a.row_key ->> 'probe_id')::int = p.probe_id
                 ORDER BY a.audit_id DESC LIMIT 1) l ON true
 WHERE p.probe_id <= 300 AND p.probe_id NOT IN (1, 2, 3);
-- the ones written under other zones, compared under theirs
SET TimeZone = 'America/New_York';
SELECT p.probe_id, l.new_row = to_jsonb(p) AS equal, l.new_row ->> 'at' AS at
  FROM public.audit_jsonb_probe p
  JOIN LATERAL (SELECT new_row FROM audit_log a
                 WHERE a.audit_id > :start AND a.table_name = 'audit_jsonb_probe'
                   AND (a.row_key ->> 'probe_id')::int = p.probe_id
                 ORDER BY a.audit_id DESC LIMIT 1) l ON true
 WHERE p.probe_id IN (1, 2, 301) ORDER BY p.probe_id;
SET TimeZone = 'Asia/Kolkata';
SELECT p.probe_id, l.new_row = to_jsonb(p) AS equal, l.new_row ->> 'at' AS at
  FROM public.audit_jsonb_probe p
  JOIN LATERAL (SELECT new_row FROM audit_log a
                 WHERE a.audit_id > :start AND a.table_name = 'audit_jsonb_probe'
                   AND (a.row_key ->> 'probe_id')::int = p.probe_id
                 ORDER BY a.audit_id DESC LIMIT 1) l ON true
 WHERE p.probe_id IN (3, 302) ORDER BY p.probe_id;
SET TimeZone = 'UTC';
-- a deleted row's old_row is the row as it was
SELECT (old_row ->> 'probe_id')::int AS probe_id, old_row ->> 'at' AS at, old_row -> 'price' AS price, old_row -> 'b' AS b
  FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe' AND operation = 'DELETE'
 ORDER BY audit_id;
-- the audit ids of one statement follow each other, in row order
SELECT count(*) AS rows, max(audit_id) - min(audit_id) + 1 = count(*) AS consecutive,
       bool_and(p > prev_p) AS in_row_order
  FROM (SELECT audit_id, (row_key ->> 'probe_id')::int AS p,
               lag((row_key ->> 'probe_id')::int, 1, 0) OVER (ORDER BY audit_id) AS prev_p
          FROM audit_log WHERE audit_id > :start AND table_name = 'audit_jsonb_probe' AND operation = 'INSERT'
           AND (row_key ->> 'probe_id')::int <= 300) x;

DROP TABLE public.audit_jsonb_probe;

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
--
-- audit_ids: the audit ids of a statement's rows are taken from the log's
-- identity sequence in one step (src/audit_ids.c): the first n - 1 with the
-- sequence's page locked once, the last by nextval.  They are what n nextval
-- calls in a row give: increasing in row order, consecutive, after the ids
-- of the statements before; lastval() is the last of them, as before; the
-- sequence stands at the last id given.  A sequence with a cache (not what
-- this version creates) is used a row at a time, as nextval does.
--
-- Ids: reseller 71961; public.audit_ids_probe and its log rows are removed
-- at the end.
--
SELECT coalesce(max(audit_id), 0) AS start FROM audit_log \gset

CREATE TABLE public.audit_ids_probe (reseller_id bigint NOT NULL, id int NOT NULL, n int,
    PRIMARY KEY (reseller_id, id));
SELECT audit_attach('public.audit_ids_probe', ARRAY['reseller_id', 'id']);

-- 1 row, 2 rows, 40 rows (more than one WAL record of the sequence covers
-- ahead), then after a checkpoint (the next ids are WAL-logged again) 1000
-- rows; an UPDATE and a DELETE of many rows
INSERT INTO public.audit_ids_probe VALUES (71961, 1, 0);
SELECT lastval() = (SELECT max(audit_id) FROM audit_log WHERE audit_id > :start) AS lastval_is_the_last_id;
INSERT INTO public.audit_ids_probe SELECT 71961, g, 0 FROM generate_series(2, 3) g;
INSERT INTO public.audit_ids_probe SELECT 71961, g, 0 FROM generate_series(4, 43) g;
CHECKPOINT;
INSERT INTO public.audit_ids_probe SELECT 71961, g, 0 FROM generate_series(44, 1043) g;
SELECT lastval() = (SELECT max(audit_id) FROM audit_log WHERE audit_id > :start) AS lastval_is_the_last_id;
SELECT last_value = (SELECT max(audit_id) FROM audit_log WHERE audit_id > :start) AS sequence_at_the_last_id
  FROM reseller_billing.audit_log_audit_id_seq;
UPDATE public.audit_ids_probe SET n = id % 3 WHERE id % 7 = 0;
DELETE FROM public.audit_ids_probe WHERE id BETWEEN 100 AND 120;

-- a sequence with a cache: a row at a time, still increasing and consecutive
-- in this session
ALTER TABLE reseller_billing.audit_log ALTER COLUMN audit_id SET CACHE 5;
INSERT INTO public.audit_ids_probe SELECT 71961, g, 1 FROM generate_series(2001, 2012) g;
ALTER TABLE reseller_billing.audit_log ALTER COLUMN audit_id SET CACHE 1;
INSERT INTO public.audit_ids_probe SELECT 71961, g, 2 FROM generate_series(2013, 2020) g;
SELECT seqcache FROM pg_sequence WHERE seqrelid = 'reseller_billing.audit_log_audit_id_seq'::regclass;

-- per statement (one transaction each): its ids consecutive and in row order
-- (the inserted rows in id order, the updated and deleted rows in the order
-- the statement met them), each statement's after the one's before
SELECT s.operation, s.rows, s.consecutive, s.after_previous,
       s.operation <> 'INSERT' OR s.in_id_order AS in_row_order
  FROM (SELECT operation, count(*) AS rows, min(audit_id) AS first_id,
               max(audit_id) - min(audit_id) + 1 = count(*) AS consecutive,
               bool_and(id_rank = audit_rank) AS in_id_order,
               min(audit_id) > coalesce(lag(max(audit_id)) OVER (ORDER BY min(audit_id)), :start) AS after_previous
          FROM (SELECT xact, operation, audit_id,
                       rank() OVER (PARTITION BY xact ORDER BY (row_key ->> 'id')::int) AS id_rank,
                       rank() OVER (PARTITION BY xact ORDER BY audit_id) AS audit_rank
                  FROM audit_log WHERE audit_id > :start AND table_name = 'audit_ids_probe') r
         GROUP BY xact, operation) s
 ORDER BY s.first_id;
SELECT count(*) AS rows, count(DISTINCT audit_id) AS ids
  FROM audit_log WHERE audit_id > :start AND table_name = 'audit_ids_probe';

DELETE FROM audit_log WHERE audit_id > :start AND table_name = 'audit_ids_probe';
DROP TABLE public.audit_ids_probe;

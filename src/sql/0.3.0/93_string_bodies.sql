-- ========================================================================
-- 0.3.0: no SQL-standard function body reads a table (issue 14 §8)
-- ========================================================================
--
-- A function whose body is SQL-standard (BEGIN ATOMIC ... END, or RETURN
-- ...) is parsed when it is created, with the tables it reads bound then;
-- a Citus worker cannot plan such a body over a shard.  These functions
-- read tables, so they get the same SQL as an ordinary string body, parsed
-- when called.  Each body below is the one the released version had, as
-- PostgreSQL printed it (the functions 0.3.0 rewrites elsewhere get string
-- bodies where they are written); what the functions return does not
-- change (the regression tests and the upgrade test's catalog comparison
-- run them).  pgTAP
-- (030_schema_tables.sql) checks that no SQL-standard body reads a table.

-- reseller_billing.channel_usage_lines(reseller_billing.billing_period,bigint,bigint,bigint)
-- channel_usage_lines: defined once, in 96_providers_close.sql (the version 0.3.0 installs)
-- reseller_billing.is_csp_program(bigint)
CREATE OR REPLACE FUNCTION reseller_billing.is_csp_program(p_program bigint)
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
BEGIN
    RETURN (
 SELECT COALESCE((SELECT (pg.settings @> '{"csp": true}'::jsonb) FROM reseller_billing.program pg WHERE (pg.program_id = is_csp_program.p_program)), false)
    );
END
$body$;

-- migration_counts: defined once, in 95_api_arguments_more_orders.sql (the version 0.3.0 installs)

-- reseller_billing.months_due(bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.months_due(p_program bigint, p_at timestamp with time zone)
 RETURNS SETOF reseller_billing.billing_period
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    tz      text;
    first   date;
    last    reseller_billing.billing_period;
    closed  reseller_billing.billing_period[];
BEGIN
    -- simple statements (each a plain aggregate over the shards on a Citus
    -- cluster): the program's time zone, the earliest fact it bills, the
    -- months closed already
    SELECT p.time_zone INTO tz FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT min(x.d) INTO first
      FROM (SELECT min(t.starts_on) AS d
              FROM reseller_billing.commitment_tranche t
              JOIN reseller_billing.reseller r ON r.reseller_id = t.reseller_id
             WHERE r.program_id = p_program
            UNION ALL
            SELECT (min(f.starts_at) AT TIME ZONE tz)::date
              FROM reseller_billing.flex_term f
              JOIN reseller_billing.reseller r ON r.reseller_id = f.reseller_id
             WHERE r.program_id = p_program
            UNION ALL
            SELECT min(c.charge_on)
              FROM reseller_billing.charge c
              JOIN reseller_billing.reseller r ON r.reseller_id = c.reseller_id
             WHERE r.program_id = p_program) x;
    IF first IS NULL THEN
        RETURN;
    END IF;
    last := reseller_billing.billing_period((p_at AT TIME ZONE tz)::date) OPERATOR(reseller_billing.-) 1;
    closed := ARRAY(SELECT c.period FROM reseller_billing.period_close c WHERE c.program_id = p_program);
    RETURN QUERY
    SELECT reseller_billing.billing_period(first) OPERATOR(reseller_billing.+) g.g
      FROM generate_series(0, last OPERATOR(reseller_billing.-) reseller_billing.billing_period(first)) g(g)
     WHERE NOT ((reseller_billing.billing_period(first) OPERATOR(reseller_billing.+) g.g) OPERATOR(reseller_billing.=) ANY (closed))
     ORDER BY g.g;
END
$body$;

-- program_revenue: defined once, in 95_api_arguments_more_orders.sql (the version 0.3.0 installs)

-- reseller_billing.provider_resellers(): a provider's indirect resellers,
-- read on a Citus worker from its own shards (issue 14; doc/scaling.md,
-- "Roles and the rules' settings on a cluster").
--
-- The provider_read policies ask provider_reseller_ids() (C, src/tenant.c),
-- which reads provider_resellers() once per statement.  On a Citus cluster
-- the policies run on the workers, inside the coordinator's query on each
-- shard, and provider_resellers()' query over provider_partnership (by
-- provider_id, so over every shard) was a distributed query nested in it.
-- Outside a transaction block Citus allows that
-- (citus.allow_nested_distributed_execution, set by distribute()); in a
-- transaction in which Citus already passed a SET LOCAL on to the workers —
-- a tenant application's BEGIN; SET LOCAL reseller_billing.effective_at (or
-- .reseller_id) ...; SELECT ... — the nested query failed: "the backend has
-- already been assigned a transaction id", and the tenant could read
-- nothing.
--
-- A row of a tenant table on a worker belongs to a reseller whose
-- provider_partnership rows (distributed by reseller_id, colocated) are on
-- that same worker.  So inside a shard query (a connection Citus opened:
-- application_name 'citus_internal gpid=...') provider_resellers() reads the
-- provider's partnerships from the worker's own shards of
-- provider_partnership, with no distributed query; the rows it can be asked
-- about there are the rows of those shards.  Everywhere else (one node, the
-- coordinator) it is the query it was.
CREATE OR REPLACE FUNCTION reseller_billing.provider_resellers()
 RETURNS SETOF bigint
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    me      bigint := reseller_billing.current_reseller();
    shard   text;
BEGIN
    IF me IS NULL THEN
        RETURN;
    END IF;
    IF pg_catalog.current_setting('application_name', true) LIKE 'citus\_internal gpid=%'
       AND pg_catalog.to_regclass('pg_catalog.pg_dist_shard') IS NOT NULL THEN
        FOR shard IN EXECUTE
            'SELECT pg_catalog.format(''reseller_billing.%I'', ''provider_partnership_'' OPERATOR(pg_catalog.||) s.shardid)
               FROM pg_catalog.pg_dist_shard s
               JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
              WHERE s.logicalrelid OPERATOR(pg_catalog.=) ''reseller_billing.provider_partnership''::regclass
                AND p.groupid OPERATOR(pg_catalog.=) (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)'
        LOOP
            RETURN QUERY EXECUTE pg_catalog.format(
                'SELECT p.reseller_id FROM %s p WHERE p.provider_id OPERATOR(pg_catalog.=) $1', shard) USING me;
        END LOOP;
        RETURN;
    END IF;
    RETURN QUERY
 SELECT p.reseller_id
    FROM reseller_billing.provider_partnership p
   WHERE (p.provider_id = me);
END
$body$;

-- reseller_billing.seat_limit(reseller_billing.subscription)
CREATE OR REPLACE FUNCTION reseller_billing.seat_limit(s reseller_billing.subscription)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT CASE WHEN reseller_billing.is_annual((s).plan) THEN (s).committed_seats ELSE (s).seat_cap END
$body$;

-- reseller_billing.statements_due(timestamp with time zone)
-- statements_due: defined once, in 94_order_returns_statements.sql (the version 0.3.0 installs)

-- ========================================================================
-- 0.3.0: a provider's indirect resellers, read on a Citus worker from its
-- own shards (issue 14's leftovers; doc/scaling.md, "Roles and the rules'
-- settings on a cluster")
-- ========================================================================
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

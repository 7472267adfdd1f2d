-- ========================================================================
-- 0.3.0: what the rules need to run on the shards of a Citus cluster (issue
-- 14; doc/scaling.md)
-- ========================================================================
--
-- On a Citus cluster a row trigger fires on a shard ("payment_102045"), on
-- a worker, so TG_TABLE_NAME is not the table's name, and a setting made on
-- the coordinator is not seen there unless Citus passes it on.
--
-- table_name(TG_RELID): every rule that names its table in a message, or
-- picks a rule by table, asks it instead of TG_TABLE_NAME (src/shard.c).
--
-- set_local(name, value): the API functions tell the rules when a change
-- takes effect and why (reseller_billing.effective_at, .action, .reason)
-- with it.  It is SET LOCAL, as set_config(name, value, true) was, run as a
-- statement so that Citus passes it on to every worker of the transaction;
-- on a cluster it turns citus.propagate_set_commands to local for the
-- transaction first, when it is off.

CREATE FUNCTION reseller_billing.table_name(p_rel regclass) RETURNS text
    AS 'MODULE_PATHNAME', 'rb_table_name' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.table_name(regclass) IS
    'a relation''s name without a Citus shard suffix (_<shard id>) when the name without it is a table of the same schema';

CREATE FUNCTION reseller_billing.set_local(p_name text, p_value text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_name IS NULL OR p_name NOT IN ('reseller_billing.effective_at', 'reseller_billing.action', 'reseller_billing.reason',
                                        'reseller_billing.channel_provider') THEN
        RAISE EXCEPTION 'set_local sets the rules'' context, not %', coalesce(p_name, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The settings are reseller_billing.effective_at, reseller_billing.action, reseller_billing.reason and reseller_billing.channel_provider.';
    END IF;
    IF current_setting('citus.propagate_set_commands', true) IS NULL THEN
        -- no Citus in this session: nothing to pass on, and set_config() is
        -- SET LOCAL without a statement to parse (the close calls this per
        -- invoice)
        PERFORM set_config(p_name, coalesce(p_value, ''), true);
        RETURN;
    END IF;
    IF current_setting('citus.propagate_set_commands') = 'none' THEN
        SET LOCAL citus.propagate_set_commands = local;
    END IF;
    EXECUTE format('SET LOCAL %s = %L', p_name, coalesce(p_value, ''));
END $$;
COMMENT ON FUNCTION reseller_billing.set_local(text, text) IS
    'internal: SET LOCAL of one of the rules'' context settings (what a session may SET itself), passed on to the workers of a Citus cluster';

-- distributed(): whether the tenant tables are distributed (Citus, after
-- distribute()).  The close then writes one reseller at a time, each
-- statement keyed by its reseller_id, so that each runs on one shard.
CREATE FUNCTION reseller_billing.distributed() RETURNS bool
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'rb_distributed_sql';
COMMENT ON FUNCTION reseller_billing.distributed() IS
    'internal: whether the tenant tables are distributed by reseller_id on a Citus cluster';

-- one_connection(): on a Citus cluster, the rest of the transaction uses one
-- connection per worker (citus.multi_shard_modify_mode = sequential).  The
-- close writes a reseller's invoices and their lines to colocated shards;
-- modified over two connections, those shards could not be read again in
-- the transaction (SQLSTATE 25001).  Called before the transaction's first
-- write.
CREATE FUNCTION reseller_billing.one_connection() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.distributed() THEN
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.one_connection() IS
    'internal: on a Citus cluster, one connection per worker for the rest of the transaction (the close''s writes)';

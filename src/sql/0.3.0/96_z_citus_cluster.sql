-- ========================================================================
-- 0.3.0: a tenant's own writes through Citus, and removing the extension
-- from a cluster (issue 14, items 11 and the last limits of doc/scaling.md)
-- ========================================================================
--
-- 1. A reseller application adds its accounts and subscriptions with a
--    plain INSERT.  On one node PostgreSQL checks the columns the statement
--    names; the defaulted ones (seat_id from its identity, a subscription's
--    active_seats and created_at) are filled in afterwards and need no
--    grant.  Citus fills them in on the coordinator and sends every column
--    to the shard, where the role then needs INSERT on each: without it the
--    worker answered 42501 "permission denied for table seat_NNN".  So the
--    reseller role is granted INSERT on those columns too, on one node and
--    on a cluster alike, and what the grant would let a tenant choose is
--    taken care of by the rules (doc/security.md, "Columns a reseller
--    application may write"):
--      * seat.seat_id: the key of seat is (reseller_id, seat_id) and every
--        unique index and foreign key of a tenant table starts with
--        reseller_id (pgTAP 060), so an id a tenant chooses can meet only its
--        own accounts' ids; the policies (WITH CHECK reseller_id =
--        current_reseller()) keep it to its own reseller.  At worst its own
--        later insert meets that id (23505) and is tried again.
--      * subscription.active_seats: the insert rule sets it to 0 whatever was
--        written (subscription_before_insert, src/subscription_terms.c); it
--        is counted by the account triggers alone.
--      * subscription.created_at: for a tenant the row trigger below writes
--        the billing clock's time over whatever was sent (the default is
--        that same clock_now(), so on one node nothing changes; on a shard
--        the coordinator's default arrives and cannot be told from a
--        written value, so it is replaced there too).  An administrator's
--        created_at (a migration, a restore) is kept.
--    cancelled_at, the other column a tenant may not insert, has no default:
--    Citus does not send it, and its grant stays as it was.

GRANT INSERT (seat_id) ON reseller_billing.seat TO reseller_billing_reseller;
GRANT INSERT (active_seats, created_at) ON reseller_billing.subscription TO reseller_billing_reseller;

-- tenant_row_written (C, src/tenant_written.c): who writes a row for a
-- tenant (a member of the reseller role that is not an administrator; a
-- superuser is a member of every role) gets the billing clock as the row's
-- created_at
CREATE FUNCTION reseller_billing.tenant_row_written() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_tenant_row_written'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.tenant_row_written() IS
    'trigger (BEFORE INSERT of subscription, each row): a tenant''s new subscription is created at the billing clock''s time, whatever created_at was sent (Citus sends the coordinator''s default)';
REVOKE EXECUTE ON FUNCTION reseller_billing.tenant_row_written() FROM PUBLIC;
CREATE TRIGGER subscription_0_tenant_written BEFORE INSERT ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.tenant_row_written();

-- 2. Removing the extension from a cluster.  DROP EXTENSION on the
--    coordinator is refused (2BP01: the coordinator's placements of the
--    reference tables are no members of the extension and use its types and
--    functions), and with CASCADE it leaves every shard behind: Citus sends
--    the DROP to the workers with its DDL propagation off, and its drop
--    trigger then finds no shards to drop (run by the multi-node suite: 700
--    shard tables were left on each worker, the schema's types on the
--    coordinator's placements).  drop_shards() drops every shard of the
--    extension's Citus tables first, with Citus's own citus_drop_all_shards
--    (the call its DROP TABLE makes); DROP EXTENSION then removes the rest
--    on every node, the metadata of the tables included.  It deletes every
--    row of the extension on the cluster, so it asks for the database's
--    name, as a confirmation.
CREATE FUNCTION reseller_billing.drop_shards(p_database name) RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       record;
    n       int := 0;
BEGIN
    IF p_database IS NULL THEN
        RAISE EXCEPTION 'drop_shards() needs the name of the database whose shards it drops'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = pg_catalog.format('Call drop_shards(%L): it deletes every row of reseller_billing on the cluster.',
                                           pg_catalog.current_database());
    END IF;
    IF p_database OPERATOR(pg_catalog.<>) pg_catalog.current_database() THEN
        RAISE EXCEPTION 'drop_shards() drops the shards of database "%", not of "%"', pg_catalog.current_database(), p_database
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The argument confirms the database: it must be the current one.';
    END IF;
    PERFORM reseller_billing.citus_coordinator_check('drop_shards()',
        'On one node DROP EXTENSION reseller_billing removes everything by itself.');
    -- one connection per worker for the rest of the transaction (the
    -- count below reads a distributed table; the reference tables' shards
    -- then dropped have foreign keys, which Citus refuses to change after a
    -- parallel read), as distribute() does
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- DROP EXTENSION's own warning (drop_guard.c) would find the log
    -- empty after this call: it is given here, before the rows go
    SELECT count(*) INTO n FROM reseller_billing.audit_log;
    IF n OPERATOR(pg_catalog.>) 0 THEN
        RAISE WARNING 'drop_shards() erases the audit log of reseller_billing, % rows', n
            USING HINT = 'To keep it, copy it out first: \copy reseller_billing.audit_log TO ''audit_log.csv'' (FORMAT csv, HEADER)';
    END IF;
    n := 0;
    FOR t IN
        SELECT c.oid, c.relname
          FROM pg_catalog.pg_dist_partition p
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
          JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) c.oid
                                     AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                                     AND d.deptype OPERATOR(pg_catalog.=) 'e'
          JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
         WHERE e.extname OPERATOR(pg_catalog.=) 'reseller_billing'
         ORDER BY c.relname
    LOOP
        PERFORM pg_catalog.citus_drop_all_shards(t.oid, 'reseller_billing', t.relname, drop_shards_metadata_only => false);
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    -- distribute() made every new session of the database load the
    -- library: taken out again (the other entries kept), or a login after
    -- the package is removed would fail ("could not access file")
    PERFORM reseller_billing.distribute_preload(false);
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.drop_shards(name) IS
    'on a Citus coordinator, before DROP EXTENSION reseller_billing: drops every shard of the extension''s tables (all their rows) on every node; the argument must name the current database; returns the tables whose shards it dropped';
REVOKE EXECUTE ON FUNCTION reseller_billing.drop_shards(name) FROM PUBLIC;

-- A reseller application inserting a subscription evaluates the WHEN of the
-- trigger subscription_channel_check (96_row_when.sql), which calls
-- reseller_in_csp(): without EXECUTE its INSERT was refused, on one node too
-- (42501 "permission denied for function reseller_in_csp"; 0.2.0 let it
-- insert).  The answer (whether a reseller's program is a CSP program) is
-- about the program, which the role reads anyway.
GRANT EXECUTE ON FUNCTION reseller_billing.reseller_in_csp(bigint) TO reseller_billing_reseller;

-- ========================================================================
-- 0.3.0: distribute() — the installed schema onto a Citus cluster (issue 14;
-- doc/scaling.md)
-- ========================================================================
--
-- On a Citus coordinator, distribute() makes every table of the extension a
-- Citus table: the tenant tables (those with reseller_id) distributed by
-- reseller_id and colocated with reseller, the shared ones (programs, SKUs,
-- prices, tax rates, the clock, the close's bookkeeping) reference tables.
--
-- The tables stay members of the extension.  Citus creates no shell table on
-- a worker for an extension's table (the extension, created there too, has
-- one already) and keeps its rows in shards beside it.  Two things need the
-- call's help:
--  * foreign keys.  Citus turns a local table that references a reference
--    table into a "Citus local" table, rebuilding it, which an extension's
--    identity sequence forbids; so the foreign keys among the extension's
--    tables are dropped, the tables converted, and the keys added again (to
--    the shards and the workers' tables alike).
--  * identity sequences.  A row a trigger writes on a worker (the audit log,
--    a subscription's history, a tranche) takes its id from that worker's
--    own copy of the sequence; distribute() starts each worker's copies at
--    its group id << 48, as Citus does for the sequences it creates, so ids
--    from different nodes never meet.
-- Triggers: every rule is a row trigger (no transition tables), so the
-- tables are converted with citus.enable_unsafe_triggers on, for this call.
-- It is idempotent: what is a Citus table already is left as it is.

-- Rows: a table
-- that already holds rows (a database used on one node and then spread over
-- a cluster, or one updated from 0.2.0, which had no distribute(): the
-- documented path is ALTER EXTENSION ... UPDATE, then distribute()) is
-- converted with session_replication_role = replica for the conversion
-- alone.  Citus copies a table's rows into its new shards with COPY, and the
-- row triggers Citus creates on the shards would run the rules again for
-- every row copied: the credit guard refused the first populated database
-- tried ("a new credit has all of its amount remaining"), and the audit
-- trigger would log every row a second time.  SET LOCAL, so Citus passes it
-- on to the workers that receive the rows (citus.propagate_set_commands =
-- local for the call), and set back to origin after each such table.
-- Citus passes a SET LOCAL on only in what it counts as a multi-statement
-- transaction (a transaction block, a DO block, a procedure), not from a
-- function that a statement of its own calls: so the SET LOCAL is run in a
-- DO block, and distribute() needs no transaction block around it.
-- Tested by the multi-node suite (test/citus/run.sh: the fixture of 0.2.0
-- updated, then distributed).

-- distribute()'s steps.  A SET LOCAL made in a function with a SET clause
-- ends with the function, so the settings the conversion needs are made by
-- distribute() itself; its steps only run commands.

-- distribute_on_workers: a command run on every worker; 08006 naming what
-- failed and where, with each failing worker's answer
CREATE FUNCTION reseller_billing.distribute_on_workers(p_command text, p_what text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    bad     text;
BEGIN
    SELECT string_agg(r.nodename || ':' || r.nodeport || ': ' || r.result, '; ') INTO bad
      FROM pg_catalog.run_command_on_workers(p_command) r
     WHERE NOT r.success;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'distribute(): a worker could not %', p_what
            USING ERRCODE = 'connection_failure', DETAIL = bad;
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_on_workers(text, text) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_on_workers(text, text) IS
    'internal (distribute): runs a command on every worker; 08006 naming what could not be done, with each failing worker''s answer';

-- distribute_drop_foreign_keys: the foreign keys of (or to) a table about
-- to be converted, dropped on the coordinator and on the workers' copies;
-- returns the commands that add them back
CREATE FUNCTION reseller_billing.distribute_drop_foreign_keys() RETURNS text[]
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    fk      record;
    readd   text[] := '{}';
BEGIN
    FOR fk IN
        SELECT k.conrelid::regclass AS rel, c.relname::text AS relname, k.conname::text AS conname,
               pg_catalog.pg_get_constraintdef(k.oid) AS def
          FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) k.conrelid
         WHERE k.contype OPERATOR(pg_catalog.=) 'f'
           AND c.relnamespace OPERATOR(pg_catalog.=) 'reseller_billing'::regnamespace
           AND (NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) k.conrelid)
                OR NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) k.confrelid))
         ORDER BY 1, 3
    LOOP
        readd := readd || pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
        -- the workers' own copy of the table has the key too; it is added back
        -- with the shards'
        PERFORM reseller_billing.distribute_on_workers(pg_catalog.format(
                    'SET citus.enable_ddl_propagation TO off; ALTER TABLE reseller_billing.%I DROP CONSTRAINT IF EXISTS %I',
                    fk.relname, fk.conname),
                pg_catalog.format('drop foreign key %s of %s', fk.conname, fk.relname));
    END LOOP;
    RETURN readd;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_drop_foreign_keys() FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_drop_foreign_keys() IS
    'internal (distribute): drops the foreign keys of or to a table not converted yet, on the coordinator and the workers; returns the commands that add them back';

-- distribute_settings: each worker's identity sequences start in a range of
-- their own, and the rules' SQL and PL/pgSQL functions may read the same
-- reseller's rows or reference tables from inside a shard query, on every
-- node (a trigger on a shard, a function called per row of a routed query:
-- citus.allow_nested_distributed_execution, which the C rules set for their
-- own reads).  Run again after ALTER EXTENSION UPDATE, which re-creates
-- functions without it.
CREATE FUNCTION reseller_billing.distribute_settings() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    cmd     text;
BEGIN
    PERFORM reseller_billing.distribute_on_workers($w$
        SELECT count(pg_catalog.setval(s.oid::regclass,
                     GREATEST(g.start, pg_catalog.pg_sequence_last_value(s.oid::regclass))))
          FROM pg_catalog.pg_class s
          JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) s.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
                                     AND d.refobjid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                                WHERE e.extname OPERATOR(pg_catalog.=) 'reseller_billing')
          JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) s.oid,
               LATERAL (SELECT (lg.groupid::bigint OPERATOR(pg_catalog.<<) 48) AS start FROM pg_catalog.pg_dist_local_group lg) g
         WHERE s.relkind OPERATOR(pg_catalog.=) 'S' AND g.start OPERATOR(pg_catalog.>) 0
        $w$, 'set its id ranges');
    cmd := $f$DO $do$ DECLARE f regprocedure; BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'reseller_billing'::regnamespace AND p.prokind OPERATOR(pg_catalog.=) 'f'
                AND l.lanname IN ('plpgsql', 'sql')
                AND NOT coalesce('citus.allow_nested_distributed_execution=on' OPERATOR(pg_catalog.=) ANY (p.proconfig), false)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on', f);
    END LOOP;
END $do$ $f$;
    PERFORM reseller_billing.distribute_on_workers('SET citus.enable_ddl_propagation TO off; ' || cmd,
                                                   'set the functions'' settings');
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
    EXECUTE cmd;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_settings() FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_settings() IS
    'internal (distribute): each worker''s identity sequences in a range of their own; the functions'' citus.allow_nested_distributed_execution on every node';

-- citus_coordinator_check: what distribute() and drop_shards() need
-- first, Citus installed and this node its coordinator (55000 otherwise;
-- P_HINT says what to do without Citus)
CREATE FUNCTION reseller_billing.citus_coordinator_check(p_caller text, p_hint text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        RAISE EXCEPTION '% needs Citus: the extension citus is not installed in database %', p_caller, pg_catalog.current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = p_hint;
    END IF;
    IF NOT (SELECT c FROM pg_catalog.citus_is_coordinator() c) THEN
        RAISE EXCEPTION '% runs on the coordinator, and this node is a worker', p_caller
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.citus_coordinator_check(text, text) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.citus_coordinator_check(text, text) IS
    'internal (distribute, drop_shards): refuses (55000) without Citus or on a worker, naming the caller';

-- distribute_preload: the current database's session_preload_libraries
-- with reseller_billing added (p_add) or taken out (issue 14: the settings
-- check of citus_reach.c/citus_settings.c lives in the library, which a
-- session loads only at its first call of one of its C functions; a
-- statement whose rules all run on the workers never loads it).  The
-- database's own setting (pg_db_role_setting, setrole 0) is the base, else
-- the server's (postgresql.conf, ALTER SYSTEM): the other entries and their
-- order are kept.  Nothing is done when the base already lists it (adding),
-- or does not (taking out), or when shared_preload_libraries lists it
-- (adding).  Citus propagates ALTER DATABASE ... SET of its databases to
-- the workers (the database is a distributed object): they get the same
-- value.  A caller who may not set the parameter (SUSET: a superuser, or
-- the database's owner granted SET on it) gets a WARNING naming the
-- command to run, not an error.  Returns whether it changed the setting.
CREATE FUNCTION reseller_billing.distribute_preload_list(p_value text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       text[];
BEGIN
    -- a list as the server stores it: entries separated by commas, an entry
    -- with special characters in double quotes ("" for a quote)
    SELECT coalesce(pg_catalog.array_agg(CASE WHEN pg_catalog.starts_with(e, '"')
                                              THEN pg_catalog.replace(pg_catalog.btrim(e, '"'), '""', '"')
                                              ELSE e END ORDER BY n), '{}') INTO r
      FROM pg_catalog.regexp_split_to_table(pg_catalog.btrim(coalesce(p_value, '')), '\s*,\s*') WITH ORDINALITY AS t(e, n)
     WHERE e OPERATOR(pg_catalog.<>) '';
    RETURN r;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_preload_list(text) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_preload_list(text) IS
    'internal (distribute, drop_shards): the entries of a library list setting as stored (comma-separated, quoted entries unquoted)';

-- distribute_preload_setting: the current database's own
-- session_preload_libraries (NULL when it has none) and the value its new
-- sessions start with: that, else the server's (the configuration files,
-- as far as the caller may read them)
CREATE FUNCTION reseller_billing.distribute_preload_setting(OUT own text, OUT base text)
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    db      text := pg_catalog.current_database();
BEGIN
    SELECT pg_catalog.substr(c, 27) INTO own      -- after 'session_preload_libraries='
      FROM pg_catalog.pg_db_role_setting s
      JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) s.setdatabase,
           pg_catalog.unnest(s.setconfig) c
     WHERE d.datname OPERATOR(pg_catalog.=) db AND s.setrole OPERATOR(pg_catalog.=) 0
       AND pg_catalog.starts_with(c, 'session_preload_libraries=');
    base := own;
    IF base IS NULL AND pg_catalog.has_function_privilege('pg_catalog.pg_show_all_file_settings()', 'EXECUTE') THEN
        SELECT f.setting INTO base FROM pg_catalog.pg_file_settings f
         WHERE f.name OPERATOR(pg_catalog.=) 'session_preload_libraries' AND f.applied
         ORDER BY f.seqno DESC LIMIT 1;
    END IF;
    IF base IS NULL THEN
        SELECT s.setting INTO base FROM pg_catalog.pg_settings s
         WHERE s.name OPERATOR(pg_catalog.=) 'session_preload_libraries'
           AND s.source IN ('default', 'configuration file', 'command line', 'environment variable');
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_preload_setting() FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_preload_setting() IS
    'internal (distribute, drop_shards): the current database''s own session_preload_libraries (NULL: none) and the value its new sessions start with';

CREATE FUNCTION reseller_billing.distribute_preload(p_add boolean) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    caller  text := CASE WHEN p_add THEN 'distribute()' ELSE 'drop_shards()' END;
    db      text := pg_catalog.current_database();
    own     text;
    base    text;
    libs    text[];
    kept    text[] := '{}';
    lib     text;
    listed  boolean := false;
    cmd     text;
BEGIN
    SELECT p.own, p.base INTO own, base FROM reseller_billing.distribute_preload_setting() p;
    libs := reseller_billing.distribute_preload_list(base);
    FOREACH lib IN ARRAY libs LOOP
        IF pg_catalog.regexp_replace(lib, '^.*/|\.so$', '', 'g') OPERATOR(pg_catalog.=) 'reseller_billing' THEN
            listed := true;
        ELSE
            kept := kept OPERATOR(pg_catalog.||) lib;
        END IF;
    END LOOP;
    IF p_add THEN
        IF listed OR 'reseller_billing' OPERATOR(pg_catalog.=) ANY (
                SELECT pg_catalog.regexp_replace(l, '^.*/|\.so$', '', 'g')
                  FROM pg_catalog.unnest(reseller_billing.distribute_preload_list(
                           (SELECT g.setting FROM pg_catalog.pg_settings g        -- unseen without pg_read_all_settings
                             WHERE g.name OPERATOR(pg_catalog.=) 'shared_preload_libraries'))) l) THEN
            RETURN false;
        END IF;
        libs := libs OPERATOR(pg_catalog.||) 'reseller_billing'::text;
    ELSE
        IF own IS NULL OR NOT listed THEN
            RETURN false;
        END IF;
        libs := kept;
    END IF;
    IF pg_catalog.cardinality(libs) OPERATOR(pg_catalog.=) 0 THEN
        cmd := pg_catalog.format('ALTER DATABASE %I RESET session_preload_libraries', db);
    ELSE
        SELECT pg_catalog.format('ALTER DATABASE %I SET session_preload_libraries = %s', db,
                                 pg_catalog.string_agg(pg_catalog.format('%L', l), ', ' ORDER BY n)) INTO cmd
          FROM pg_catalog.unnest(libs) WITH ORDINALITY AS t(l, n);
    END IF;
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
       AND NOT (pg_catalog.has_parameter_privilege('session_preload_libraries', 'SET')
                AND (SELECT pg_catalog.pg_has_role(d.datdba, 'USAGE') FROM pg_catalog.pg_database d
                      WHERE d.datname OPERATOR(pg_catalog.=) db)) THEN
        RAISE WARNING '% could not % reseller_billing % session_preload_libraries of database %', caller,
                      CASE WHEN p_add THEN 'add' ELSE 'take' END, CASE WHEN p_add THEN 'to' ELSE 'out of' END, db
            USING ERRCODE = '01000',
                  DETAIL = pg_catalog.format('session_preload_libraries is set by a superuser (or by the database''s owner granted SET on it); %s is neither. %s',
                                             CURRENT_USER,
                                             CASE WHEN p_add THEN 'Until it is set, a session that has not called one of the extension''s C functions is not checked for rule settings the workers would not have.'
                                                  ELSE 'Until it is reset, every new session of the database loads the library: removing the package would refuse their logins.' END),
                  HINT = pg_catalog.format('As a superuser: %s;', cmd);
        RETURN false;
    END IF;
    EXECUTE cmd;
    IF p_add THEN
        RAISE NOTICE 'distribute(): every new session of database % loads reseller_billing (%)', db, cmd
            USING DETAIL = 'Sessions open now load it at their first call of one of its C functions; until then their statements are not checked for rule settings the workers would not have.',
                  HINT = 'Reconnect the sessions (a pool''s connections) opened before this call.';
    END IF;
    RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute_preload(boolean) FROM PUBLIC;
COMMENT ON FUNCTION reseller_billing.distribute_preload(boolean) IS
    'internal (distribute, drop_shards): adds reseller_billing to (true) or takes it out of (false) the current database''s session_preload_libraries, keeping the other entries; a WARNING when the caller may not set it; whether it changed the setting';

CREATE FUNCTION reseller_billing.distribute() RETURNS TABLE (table_name text, kind text)
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    ext     oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'reseller_billing');
    t       record;
    readd   text[];
    cmd     text;
    rows    boolean;
BEGIN
    PERFORM reseller_billing.citus_coordinator_check('distribute()',
        'Run CREATE EXTENSION citus on the coordinator (shared_preload_libraries = ''citus'' on every node), add the workers, then call distribute() again.');
    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    -- foreign keys of (or to) a table about to be converted
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- the SET LOCAL of session_replication_role below goes to the workers
    PERFORM pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
    readd := reseller_billing.distribute_drop_foreign_keys();
    FOR t IN
        SELECT c.oid::regclass AS rel, c.relname::text AS relname,
               EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attname OPERATOR(pg_catalog.=) 'reseller_id'
                          AND NOT a.attisdropped) AS tenant
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) c.oid
                                     AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                                     AND d.refobjid OPERATOR(pg_catalog.=) ext AND d.deptype OPERATOR(pg_catalog.=) 'e'
         WHERE c.relkind OPERATOR(pg_catalog.=) 'r'
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) c.oid)
         ORDER BY c.relname OPERATOR(pg_catalog.<>) 'reseller', c.relname
    LOOP
        -- a table with rows (an installation distributed after it was used,
        -- or updated from 0.2.0, which had no distribute()): Citus copies
        -- them into the shards with COPY, which would fire the rules' row
        -- triggers on the shards (a guard refusing an applied credit as
        -- new, the audit log writing every row again, counters counting
        -- twice).  The rows are already checked and counted: they are
        -- copied as a replica copies them, without user triggers.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM ONLY %s)', t.rel) INTO rows;
        IF rows THEN
            -- in a DO block: Citus passes a SET LOCAL on to the workers in
            -- a transaction block, a DO block or a procedure, not from a
            -- function called by a statement of its own
            EXECUTE 'DO $set$ BEGIN SET LOCAL session_replication_role = replica; END $set$';
        END IF;
        IF t.tenant THEN
            PERFORM pg_catalog.create_distributed_table(t.rel, 'reseller_id',
                        colocate_with => CASE WHEN t.relname OPERATOR(pg_catalog.=) 'reseller' THEN 'default'
                                              ELSE 'reseller_billing.reseller' END);
            table_name := t.relname; kind := 'distributed by reseller_id';
        ELSE
            PERFORM pg_catalog.create_reference_table(t.rel);
            table_name := t.relname; kind := 'reference';
        END IF;
        IF rows THEN
            EXECUTE 'DO $set$ BEGIN SET LOCAL session_replication_role = origin; END $set$';
        END IF;
        RETURN NEXT;
    END LOOP;
    FOREACH cmd IN ARRAY readd LOOP
        EXECUTE cmd;
    END LOOP;
    -- every new session of the database loads the library (before
    -- distribute_settings(), which turns DDL propagation off: Citus passes
    -- the ALTER DATABASE on to the workers)
    PERFORM reseller_billing.distribute_preload(true);
    PERFORM reseller_billing.distribute_settings();
END $$;
COMMENT ON FUNCTION reseller_billing.distribute() IS
    'on a Citus coordinator: distributes the extension''s tables (tenant tables by reseller_id, colocated; shared tables as reference tables); idempotent; returns the tables it converted';
REVOKE EXECUTE ON FUNCTION reseller_billing.distribute() FROM PUBLIC;

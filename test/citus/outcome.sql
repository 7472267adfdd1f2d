-- test/citus/outcome.sql — the helpers that test/citus/roles.sql and
-- test/citus/limits.sql include (\ir) to report each case, on one node
-- and on the cluster alike.

-- outcome: runs a statement; its first column, or its SQLSTATE and message
-- (the worker's address and a shard's suffix left out)
CREATE FUNCTION pg_temp.outcome(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE p_sql INTO r;
    RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, '\S+@\S+:[0-9]+', 'NODE', 'g'), '_[0-9]{6,}', '', 'g');
END $$;

-- done: the same for a statement that returns nothing
CREATE FUNCTION pg_temp.done(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'done';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, '\S+@\S+:[0-9]+', 'NODE', 'g'), '_[0-9]{6,}', '', 'g');
END $$;

-- error_of(sql): the SQLSTATE, message and detail of a statement that
-- fails, or 'no error'.  The day this test runs never appears in expected
-- output: a date within a day of the wall clock's (so in any time zone),
-- with the time of day after it if any, is shown as <today>; an audit_log
-- id (how many rows earlier tests wrote) as <id>.  Included by the tests
-- that need it, once per database they connect to.
CREATE FUNCTION pg_temp.error_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st      text;
    msg     text;
    det     text;
    days    text := (SELECT string_agg(to_char((now() AT TIME ZONE 'UTC')::date + d, 'YYYY-MM-DD'), '|')
                       FROM generate_series(-1, 1) d);
BEGIN
    EXECUTE p_sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    msg := msg || coalesce(' / ' || nullif(det, ''), '');
    msg := regexp_replace(msg, '(' || days || ')( [0-9:.]+(\+00)?)?', '<today>', 'g');
    RETURN st || ': ' || regexp_replace(msg, 'audit_log [0-9]+', 'audit_log <id>', 'g');
END $$;

-- test/citus/upgrade.sql — the flows on a database created at the released
-- 0.2.0, filled (test/fuzz/fixture.sql: three programs, twelve resellers,
-- January to April 2012 closed), then ALTER EXTENSION reseller_billing
-- UPDATE and, on the cluster, distribute() (test/citus/run.sh runs it on
-- one node and on the cluster and compares the outputs line by line).
-- Prints no generated ids.
\set ON_ERROR_STOP 1
\set SHOW_CONTEXT never
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted (a refusal was expected)';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'subscription [0-9]+', 'subscription #', 'g');
END $$;

\echo == a Flex subscription of the old data: accounts up to its cap, then one more refused
SELECT s.reseller_id AS fr, s.subscription_id AS fs, s.seat_cap - s.active_seats AS room
  FROM subscription s JOIN reseller r USING (reseller_id)
 WHERE r.name = 'fx_apps Harbour Cloud' AND s.plan = 'flexible' AND s.status = 'active'
 ORDER BY s.subscription_id LIMIT 1 \gset
SELECT :room > 0 AS has_room;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-05-02 00:00+00';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :fr, :fs, 'upgraded' || g || '@flex.example', '2012-05-02 00:00+00' FROM generate_series(1, :room) g;
COMMIT;
SELECT active_seats = seat_cap AS at_the_cap FROM subscription WHERE reseller_id = :fr AND subscription_id = :fs;
SELECT pg_temp.refused(format($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
                                VALUES (%s, %s, 'one-too-many@flex.example', '2012-05-03 00:00+00')$$, :fr, :fs)) AS over_the_cap;

\echo == row-level security: an application login bound to one reseller of the old data
CREATE ROLE upgrade_app LOGIN IN ROLE reseller_billing_reseller;
SELECT bind_login('upgrade_app', :fr) \g /dev/null
SET SESSION AUTHORIZATION upgrade_app;
SELECT current_reseller() = :fr AS acts_for_its_reseller;
SELECT count(DISTINCT reseller_id) AS resellers_seen, count(*) AS subscriptions_seen FROM subscription;
SELECT count(DISTINCT reseller_id) AS resellers_seen, count(*) AS invoices_seen FROM invoice;
SELECT count(*) AS other_resellers_invoices FROM invoices WHERE reseller_id <> :fr;
RESET SESSION AUTHORIZATION;
SELECT unbind_login('upgrade_app') \g /dev/null
DROP OWNED BY upgrade_app;
DROP ROLE upgrade_app;

\echo == May 2012 closes on the upgraded data, program by program; a second close writes nothing
SELECT p.code, close_period('2012-05', p.program_id) AS invoices
  FROM program p WHERE p.code LIKE 'fx\_%' ORDER BY p.code;
SELECT p.code, close_period('2012-05', p.program_id) AS again
  FROM program p WHERE p.code LIKE 'fx\_%' ORDER BY p.code;
SELECT program_code, reseller_name, invoice_number, kind, status, subtotal, credits_applied, tax, total
  FROM invoices WHERE period = '2012-05' ORDER BY program_code, invoice_number;
SELECT i.program_code, count(l.*) AS may_lines
  FROM invoices i JOIN invoice_lines l USING (reseller_id, invoice_id)
 WHERE i.period = '2012-05' GROUP BY 1 ORDER BY 1;

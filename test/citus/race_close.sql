-- test/citus/race_close.sql, session 1 of the late-change race on the
-- cluster (test/citus/run.sh): closes April 2012 for one reseller and holds
-- the transaction open for 4 seconds, while session 2
-- (race_late_change.sql) ends one of its accounts back in April.
SET search_path = reseller_billing, public;
SET client_min_messages = warning;
BEGIN;
SELECT close_period('2012-04', (SELECT program_id FROM program WHERE code = 'apps_cluster'),
                    (SELECT reseller_id FROM reseller WHERE name = 'Golden Gate Apps')) AS april_invoices;
SELECT pg_sleep(4) \g /dev/null
COMMIT;

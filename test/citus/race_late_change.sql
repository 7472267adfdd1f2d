-- test/citus/race_late_change.sql, session 2 of the late-change race on the
-- cluster (test/citus/run.sh): 1.5 seconds after session 1 began closing
-- April for Golden Gate Apps, an account of it is ended back in April.  The
-- change must wait for the close to commit (the close holds the reseller's
-- row; wait_for_close takes a share lock on it), then see April invoiced
-- and record the late change, so that the next close bills the difference.
-- Without the wait the change would commit unseen by the close and be lost.
SET search_path = reseller_billing, public;
SELECT reseller_id AS gg FROM reseller WHERE name = 'Golden Gate Apps' \gset
SELECT pg_sleep(1.5) \g /dev/null
SELECT clock_timestamp() AS t0 \gset
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-04-15 00:00';
UPDATE seat SET active_until = '2012-04-15 00:00'
 WHERE reseller_id = :gg AND user_name LIKE 'user2@acme%' AND active_until IS NULL;
COMMIT;
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) >= 1 AS waited_for_the_close;
-- the invariant: April is invoiced, and the account's change to it is
-- recorded as a late change of April
SELECT count(*) AS april_invoices FROM invoice WHERE reseller_id = :gg AND period = '2012-04';
SELECT lc.service_period
  FROM late_change lc JOIN seat a ON a.reseller_id = lc.reseller_id AND a.subscription_id = lc.subscription_id
 WHERE lc.reseller_id = :gg AND a.user_name LIKE 'user2@acme%' ORDER BY 1;

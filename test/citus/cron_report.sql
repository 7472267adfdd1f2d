-- test/citus/cron_report.sql — what the month-end run wrote
-- (test/citus/cron_setup.sql; printed on one node after CALL run_due() and
-- on the cluster after the pg_cron job ran).  No generated ids.
\set ON_ERROR_STOP 1
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
SELECT r.name AS reseller, i.period, i.invoice_number, i.status, i.issued_on, i.due_on, i.subtotal, i.tax, i.total,
       (SELECT count(*) FROM invoice_line l WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id) AS lines
  FROM invoice i JOIN reseller r USING (reseller_id)
 ORDER BY i.period, i.invoice_number;
SELECT c.period, c.invoices FROM period_close c JOIN program p USING (program_id) WHERE p.code = 'cron_apps' ORDER BY 1;
SELECT months_closed, invoices, renewed, error_count FROM scheduled_runs WHERE invoices > 0 ORDER BY run_id;
SELECT p.code, count(m) AS months_still_due
  FROM program p LEFT JOIN LATERAL months_due(p.program_id, clock_now()) m ON true GROUP BY p.code ORDER BY 1;

-- make demo, part 11: the documents people receive (issue 16 §1, §2;
-- doc/documents.md).
--
-- Every bill of parts 3 to 9 can be rendered by the database as one
-- self-contained HTML document (inline CSS, A4 or Letter, nothing fetched
-- from elsewhere): the month-end invoices, a provider's invoice to its
-- reseller, a credit note, a licence order's invoice, the statement of
-- unpaid orders, the migration credit statement.  Here a few figures are
-- read out of them; after this file, make demo renders every invoice to
-- PDF with WeasyPrint (bin/rb-documents --all) and prints where the files
-- are.  Ids are not printed.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== Amounts on a document: the currency''s minor unit, thousands grouped, never the locale =='
SELECT amount_format('USD 1234567.5') AS usd, amount_format('JPY 1234567') AS jpy,
       amount_format('KWD 1234.5') AS kwd, amount_format('USD -0.05') AS negative;

\echo
\echo '== Golden Gate Apps'' invoices of part 3 as documents: number, dates, terms, amount due, read from the HTML =='
SELECT i.invoice_number, i.period,
       substring(d FROM '<th>Due date</th><td>([^<]*)</td>') AS due_date,
       substring(d FROM '<th>Payment terms</th><td>([^<]*)</td>') AS terms,
       substring(d FROM '<tr class="due"><th>Amount due</th><td class="num">([^<]*)</td>') AS amount_due,
       length(d) > 3000 AS complete, d !~* '(src=|href=|url\(|@import)' AS self_contained
  FROM invoice i JOIN reseller r USING (reseller_id), LATERAL invoice_document(i.invoice_id) d
 WHERE r.name = 'Golden Gate Apps'
 ORDER BY i.invoice_number;

\echo
\echo '== The totals of its April invoice, as the HTML has them =='
SELECT substring(invoice_document(i.invoice_id) FROM '<table class="totals">.*?</table>') AS totals
  FROM invoice i JOIN reseller r USING (reseller_id)
 WHERE r.name = 'Golden Gate Apps' AND i.period = '2012-04';

\echo
\echo '== Every other kind: how many documents each kind has in the demo, all rendered =='
SELECT 'two-tier invoices' AS kind, count(*) AS documents,
       bool_and(channel_invoice_document(channel_invoice_id) LIKE '<!DOCTYPE html>%') AS rendered
  FROM channel_invoice
UNION ALL
SELECT 'credit notes', count(*), bool_and(credit_note_document(credit_note_id) LIKE '<!DOCTYPE html>%') FROM credit_note
UNION ALL
SELECT 'licence orders', count(*), bool_and(order_invoice_document(order_id) LIKE '<!DOCTYPE html>%') FROM licence_order
UNION ALL
SELECT 'order statements', count(*), bool_and(order_statement_document(statement_id) LIKE '<!DOCTYPE html>%') FROM order_statement
UNION ALL
SELECT 'migration credit statements', count(*), bool_and(migration_credit_document(reseller_id) LIKE '<!DOCTYPE html>%') FROM migration;

\echo
\echo '== A two-tier invoice as its indirect reseller renders it: the provider named (and the reseller), =='
\echo '== as both were on the day of issue, although the reseller may not read the provider''s row      =='
SELECT ci.reseller_id AS harbor_id, ci.channel_invoice_id AS harbor_invoice
  FROM channel_invoice ci JOIN reseller r ON r.reseller_id = ci.reseller_id
 WHERE r.name = 'Harbor IT Services' ORDER BY ci.period, ci.currency LIMIT 1 \gset
SET ROLE reseller_billing_reseller;
SELECT set_config('reseller_billing.reseller_id', :'harbor_id', false) IS NOT NULL AS as_harbor;
SELECT count(*) AS provider_rows_it_may_read
  FROM reseller WHERE name = 'Pacific Cloud Distribution';
SELECT array_to_string(array_remove(regexp_split_to_array(regexp_replace(
           substring(channel_invoice_document(:harbor_invoice) FROM '<section class="parties">.*?</section>'),
           '<[^>]+>', '', 'g'), E'\n'), ''), ' | ') AS parties;
RESET reseller_billing.reseller_id;
RESET ROLE;

\echo
\echo '== The same invoice as its provider renders it: the reseller''s payment terms and sales tax note, =='
\echo '== kept on the invoice at issue, although the provider may not read the reseller''s row           =='
SELECT ci.provider_id AS pacific_id FROM channel_invoice ci WHERE ci.channel_invoice_id = :harbor_invoice \gset
SET ROLE reseller_billing_reseller;
SELECT set_config('reseller_billing.reseller_id', :'pacific_id', false) IS NOT NULL AS as_provider;
SELECT count(*) AS reseller_rows_it_may_read FROM reseller WHERE name = 'Harbor IT Services';
SELECT substring(channel_invoice_document(:harbor_invoice) FROM '<th>Payment terms</th><td>([^<]*)</td>') AS payment_terms,
       regexp_replace(substring(channel_invoice_document(:harbor_invoice) FROM '<section class="tax">.*?</p>'),
                      '<[^>]+>', '', 'g') AS tax_note;
RESET reseller_billing.reseller_id;
RESET ROLE;

\echo
\echo '== A customer portal renders none of them: every document shows prices (42501) =='
SET ROLE reseller_billing_customer;
\set ON_ERROR_STOP 0
SELECT invoice_document(1);
\set ON_ERROR_STOP 1
RESET ROLE;

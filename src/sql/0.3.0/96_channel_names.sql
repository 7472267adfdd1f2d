-- ========================================================================
-- 0.3.0: a two-tier invoice names both tiers (issue 16 §1; doc/documents.md,
-- "The parties of a two-tier invoice")
-- ========================================================================
--
-- A provider and its indirect reseller may not read each other's reseller
-- row (row-level security), so a two-tier invoice used to name the other
-- tier by id only.  The invoice now keeps a copy of both parties as they
-- were when it was issued: the provider (the seller) and the indirect
-- reseller (the bill-to party), each with its name and address (city,
-- county, region, country).  channel_close (96_providers_close.sql) writes
-- them with the invoice; channel_invoice_document (95_documents_invoices.sql)
-- prints them.  The invoice's legal header is thereby fixed once issued:
-- renaming or moving a reseller later does not change it, and the guard
-- (channel_invoice_guard) refuses any UPDATE of these columns.
--
-- It also keeps what the document says of the bill-to party's payment
-- terms and sales tax as of issue: the reseller's payment terms
-- (payment_terms()), the tax note and the jurisdictions with their rates on
-- the month's last day (document_tax_note, document_tax_jurisdictions), so
-- the provider, who cannot read its reseller's row, renders them too.
--
-- Existing invoices (a database upgraded from 0.2.0) get the names,
-- addresses, terms and tax notes the rows hold when the upgrade runs: the
-- nearest copy there is of what they were at issue.

ALTER TABLE reseller_billing.channel_invoice
    ADD COLUMN provider_name    text,
    ADD COLUMN provider_city    text,
    ADD COLUMN provider_county  text,
    ADD COLUMN provider_region  text,
    ADD COLUMN provider_country text,
    ADD COLUMN reseller_name    text,
    ADD COLUMN reseller_city    text,
    ADD COLUMN reseller_county  text,
    ADD COLUMN reseller_region  text,
    ADD COLUMN reseller_country text,
    ADD COLUMN payment_terms    jsonb,
    ADD COLUMN tax_note         text,
    ADD COLUMN tax_jurisdictions jsonb;
COMMENT ON COLUMN reseller_billing.channel_invoice.provider_name IS
    'the provider''s (the seller''s) name when the invoice was issued; with provider_city, _county, _region, _country: its address then';
COMMENT ON COLUMN reseller_billing.channel_invoice.payment_terms IS
    'the indirect reseller''s payment terms when the invoice was issued (as payment_terms() gives them)';
COMMENT ON COLUMN reseller_billing.channel_invoice.tax_note IS
    'what the invoice says of the indirect reseller''s sales tax as of issue (exempt with its certificate, taxable, no rate, outside the US, no state); with tax_jurisdictions, a JSON array of {kind, jurisdiction, rate}';
COMMENT ON COLUMN reseller_billing.channel_invoice.reseller_name IS
    'the indirect reseller''s (the bill-to party''s) name when the invoice was issued; with reseller_city, _county, _region, _country: its address then';

-- the invoices already issued: the parties as their rows are now (the guard
-- refuses every UPDATE of an issued invoice, hence disabled for this one)
ALTER TABLE reseller_billing.channel_invoice DISABLE TRIGGER channel_invoice_guard;
UPDATE reseller_billing.channel_invoice ci
   SET provider_name = p.name, provider_city = p.city, provider_county = p.county, provider_region = p.region,
       provider_country = p.country,
       reseller_name = r.name, reseller_city = r.city, reseller_county = r.county, reseller_region = r.region,
       reseller_country = r.country,
       payment_terms = reseller_billing.payment_terms(ci.reseller_id),
       tax_note = reseller_billing.document_tax_note(ci.reseller_id, reseller_billing.period_end(ci.period) - 1),
       tax_jurisdictions = reseller_billing.document_tax_jurisdictions(ci.reseller_id, reseller_billing.period_end(ci.period) - 1)
  FROM reseller_billing.reseller p, reseller_billing.reseller r
 WHERE p.reseller_id = ci.provider_id AND r.reseller_id = ci.reseller_id;
ALTER TABLE reseller_billing.channel_invoice ENABLE TRIGGER channel_invoice_guard;

-- ========================================================================
-- pg_dump: the tables users fill, and their identity sequences, are dumped
-- with their data (extension member tables are otherwise skipped)
-- ========================================================================

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.program', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.sku', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.price', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.reseller', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.customer', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.subscription', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.seat', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.subscription_change', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.charge', '');

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.program_program_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.sku_sku_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.price_price_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.reseller_reseller_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.customer_customer_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.subscription_subscription_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.seat_seat_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.subscription_change_change_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.charge_charge_id_seq', '');

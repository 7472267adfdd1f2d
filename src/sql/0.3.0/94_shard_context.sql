-- ========================================================================
-- 0.3.0: the rules' context reaches the workers (issue 14; doc/scaling.md)
-- ========================================================================
--
-- The API functions tell the guards what they are doing by
-- reseller_billing.action ('order_settle', 'settle', 'void').  On a Citus
-- cluster the guards run on the workers, which see a setting only when it is
-- made by SET LOCAL (citus.propagate_set_commands = local), not by
-- set_config().  The functions of 0.3.0 call set_local() for it;
-- order_customer of 0.1.0, unchanged since, is re-created here the same way,
-- nothing else changed (issue_order_licence is re-created with its argument
-- checks in 95_api_arguments.sql).

-- issue_order_licence: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
CREATE OR REPLACE FUNCTION reseller_billing.order_customer(p_reseller bigint, p_order bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    o       reseller_billing.licence_order;
    cid     bigint;
BEGIN
    SELECT * INTO o FROM reseller_billing.licence_order x WHERE x.reseller_id = p_reseller AND x.order_id = p_order;
    IF o.customer_id IS NOT NULL THEN
        RETURN o.customer_id;
    END IF;
    SELECT c.customer_id INTO cid FROM reseller_billing.customer_contact c
     WHERE c.reseller_id = p_reseller AND lower(c.email) = lower(o.ship_to_email);
    IF cid IS NULL AND o.ship_to_domain IS NOT NULL THEN
        SELECT c.customer_id INTO cid FROM reseller_billing.customer c
         WHERE c.reseller_id = p_reseller AND lower(c.primary_domain) = o.ship_to_domain
         ORDER BY c.customer_id LIMIT 1;
        IF cid IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.customer_contact k
                                            WHERE k.reseller_id = p_reseller AND k.customer_id = cid) THEN
            INSERT INTO reseller_billing.customer_contact (reseller_id, customer_id, email, address, city, region,
                                                           postal_code, country)
            VALUES (p_reseller, cid, o.ship_to_email, o.ship_to_address, o.ship_to_city, o.ship_to_region,
                    o.ship_to_postal_code, o.ship_to_country);
        END IF;
    END IF;
    IF cid IS NULL THEN
        INSERT INTO reseller_billing.customer (reseller_id, name, primary_domain, kind)
        VALUES (p_reseller, o.ship_to_name, o.ship_to_domain, 'online')
        RETURNING customer_id INTO cid;
        INSERT INTO reseller_billing.customer_contact (reseller_id, customer_id, email, address, city, region,
                                                       postal_code, country)
        VALUES (p_reseller, cid, o.ship_to_email, o.ship_to_address, o.ship_to_city, o.ship_to_region,
                o.ship_to_postal_code, o.ship_to_country);
    END IF;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'order_settle');
    UPDATE reseller_billing.licence_order x SET customer_id = cid
     WHERE x.reseller_id = p_reseller AND x.order_id = p_order;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
    RETURN cid;
END $function$;


-- 78_subscription_storage.sql: room for a subscription's next row version
-- on its own page (issue 13).  The seat counter (active_seats) moves once
-- per transaction that adds or ends accounts, and no index covers it, so
-- the new version can be a heap-only (HOT) update, with no new index
-- entries, when the page has room.  At the default fill factor every page
-- was full, and each counter write added an entry to all four of the
-- table's indexes.  Pages written from now on keep 30% free; existing
-- pages change only when the table is rewritten (VACUUM FULL, CLUSTER).
ALTER TABLE reseller_billing.subscription SET (fillfactor = 70);

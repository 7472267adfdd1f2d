-- ========================================================================
-- schedules: Annual installments month by month, proration by a fraction
-- ========================================================================

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.annual_installment(reseller_billing.amount, date, date, reseller_billing.billing_period)
    RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'annual_installment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.annual_installment(reseller_billing.amount, date, date, reseller_billing.billing_period) IS
    'what a commitment tranche of this total over [start, end) bills in a calendar month: partial months by days, full months in equal installments, the final month the remainder';

CREATE FUNCTION reseller_billing.annual_installments_through(reseller_billing.amount, date, date, reseller_billing.billing_period)
    RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'annual_installments_through' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.annual_installments_through(reseller_billing.amount, date, date, reseller_billing.billing_period) IS
    'what a commitment tranche bills in every month up to and including the given calendar month';

CREATE FUNCTION reseller_billing.prorate_fraction(reseller_billing.amount, bigint, bigint)
    RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_prorate_fraction' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.prorate_fraction(reseller_billing.amount, bigint, bigint) IS
    'full × part / whole, exactly, rounded once to the minor unit, ties away from zero';

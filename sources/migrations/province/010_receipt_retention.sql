-- 回执保留期 Retention of the idempotency receipts (exchange.mutation_receipt, 004_workflow.sql).
-- A receipt answers a retried mutation with its first result; once no client can still be retrying
-- it, it only takes space.  A province prunes them with exchange.receipt_prune(keep), e.g. daily:
--     SELECT exchange.receipt_prune('30 days');
-- `keep` below one day is refused: a receipt pruned while its client still retries would let
-- the retry write a second time.  Idempotent: may run again.

CREATE INDEX IF NOT EXISTS mutation_receipt_created_idx ON exchange.mutation_receipt (created_at);

CREATE OR REPLACE FUNCTION exchange.receipt_prune(keep interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
BEGIN
    IF keep IS NULL OR keep < interval '1 day' THEN
        RAISE EXCEPTION 'receipt_prune: keep receipts at least one day (got %)', keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM exchange.mutation_receipt WHERE created_at < clock_timestamp() - keep;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END $$;

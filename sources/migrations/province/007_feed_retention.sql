-- 推送保留期 Retention of the feed outbox (exchange.feed_event, 005_feed.sql).  A province prunes
-- old events with exchange.feed_prune(keep); the position it pruned up to is the horizon, and
-- the gateway refuses to resume a cursor behind it (those events are gone: a silent gap would
-- be worse than a clear "subscribe again without after").  Idempotent: may run again.

CREATE TABLE IF NOT EXISTS exchange.feed_horizon (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    txid      bigint NOT NULL,
    position  bigint NOT NULL,
    pruned_at timestamptz NOT NULL DEFAULT now()
);

-- Delete the events older than `keep` (only of ended transactions, in reading order) and move
-- the horizon; returns how many rows went.  E.g. daily: SELECT exchange.feed_prune('30 days');
CREATE OR REPLACE FUNCTION exchange.feed_prune(keep interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    last_txid bigint;
    last_position bigint;
    removed bigint;
BEGIN
    SELECT e.txid::text::bigint, e.position INTO last_txid, last_position
      FROM exchange.feed_event e
     WHERE e.emitted_at < clock_timestamp() - keep AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY e.txid DESC, e.position DESC
     LIMIT 1;
    IF last_txid IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM exchange.feed_event e WHERE (e.txid, e.position) <= (last_txid::text::xid8, last_position);
    GET DIAGNOSTICS removed = ROW_COUNT;
    INSERT INTO exchange.feed_horizon AS h (singleton, txid, position) VALUES (true, last_txid, last_position)
    ON CONFLICT (singleton) DO UPDATE SET txid = excluded.txid, position = excluded.position, pruned_at = now()
     WHERE (excluded.txid, excluded.position) > (h.txid, h.position);
    RETURN removed;
END $$;

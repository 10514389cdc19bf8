-- Index sync (sources/index_sync.py): the presence index follows each province's change log.
-- Idempotent: every statement may run again on a migrated database.

-- The summary flags follow the publication rules and dates (China's calendar): a bad record
-- counts while published and inside its window, a blacklist entry while active.  Dates move
-- without any write, so each row says until when its flags hold; the sync re-judges rows whose
-- date has come.  `version` is the province snapshot (its xmin) the row was judged at: a row is
-- only ever replaced by a judgement at the same or a later snapshot.
ALTER TABLE central.presence ADD COLUMN IF NOT EXISTS flags_valid_until date;
CREATE INDEX IF NOT EXISTS presence_flags_due_idx
    ON central.presence (province_code, flags_valid_until) WHERE flags_valid_until IS NOT NULL;
-- Reconcile walks one province's rows in key order.
CREATE INDEX IF NOT EXISTS presence_province_idx ON central.presence (province_code, subject_kind, subject_key);

-- The position in a province's change log is (txid, version): everything at or before it has been
-- applied.  `caught_up_at`: the index held every change committed in the province before this
-- instant (NULL: never caught up, the lag is unknown and the gateway asks the province directly).
ALTER TABLE central.sync_watermark ADD COLUMN IF NOT EXISTS last_txid bigint NOT NULL DEFAULT 0;
ALTER TABLE central.sync_watermark ADD COLUMN IF NOT EXISTS caught_up_at timestamptz;

-- 预警 Early warning: each official's watchlist of enterprises (USCC) and practitioners (person key).
-- The central store never holds a full ID number (DOMAIN §6): a watched person is kept by person
-- key, with the ID type and the masked number only so the official can tell entries apart.
-- Adding a subject twice is one entry (the primary key).  Idempotent: may run again.
CREATE TABLE IF NOT EXISTS central.watchlist_entry (
    official         text NOT NULL,  -- "<province>:<token subject>" of the official who watches
    subject_kind     text NOT NULL CHECK (subject_kind IN ('enterprise', 'person')),
    subject_key      text NOT NULL,  -- a USCC, or a person key
    id_type          text,
    id_number_masked text,
    added_by_org     text,
    added_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (official, subject_kind, subject_key),
    CHECK ((subject_kind = 'person') = (id_type IS NOT NULL))
);
-- Who watches a subject (an alert's fan-out by subject, and operations' questions).
CREATE INDEX IF NOT EXISTS watchlist_subject_idx ON central.watchlist_entry (subject_kind, subject_key);

-- 实时推送 Live feed (outbox): record-level events for the gateway's subscriptions and early warning.
-- Triggers append one row per event in the writing transaction, whoever writes (the gateway's
-- workflow mutations or a province's own systems); a NOTIFY, delivered at commit, only wakes the
-- gateway's listener (sources/feed_listener.py), which then reads this table from its last position.
-- Idempotent: every statement may run again on a migrated database.
--
-- Reading it safely (the same rule as exchange.change_log, see 003_change_log.sql): `position`
-- comes from a sequence, and sequence values are NOT commit-ordered.  A reader orders by
-- (txid, position) and reads only rows whose transaction id is below the xmin of its snapshot, so
-- no row can later appear behind a position it has passed.  A client's resume cursor is such a
-- position per province.
--
-- kind / change:
--   record        PUBLISHED (became published: INSERT or UPDATE), AMENDED (a published record
--                 changed), REVOKED (published -> revoked); item_key = record_number
--   blacklist     LISTED (INSERT), RELEASED (released_on set), AMENDED; item_key = entry_number
--   qualification INVALIDATED (a certificate whose status is no longer 有效); item_key = certificate_number
--   subject       any other captured change naming an enterprise or person (from exchange.change_log);
--                 item_key = the source table.  Early warning re-runs its cross-check on these.

CREATE TABLE IF NOT EXISTS exchange.feed_event (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind         text NOT NULL CHECK (kind IN ('record', 'blacklist', 'qualification', 'subject')),
    change       text NOT NULL,
    item_key     text NOT NULL,
    subject_kind text,
    subject_key  text,
    emitted_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS feed_event_position_idx ON exchange.feed_event (txid, position);

CREATE OR REPLACE FUNCTION exchange.feed_event_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'exchange.feed_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER feed_event_append_only
    BEFORE UPDATE ON exchange.feed_event FOR EACH ROW EXECUTE FUNCTION exchange.feed_event_is_append_only();

-- The wake-up: one per statement (and PostgreSQL folds equal notifications of one transaction).
CREATE OR REPLACE FUNCTION exchange.feed_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('yrd_feed', '');
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER feed_event_notify
    AFTER INSERT ON exchange.feed_event FOR EACH STATEMENT EXECUTE FUNCTION exchange.feed_notify();

-- Credit records.  Statement-level with transition tables: a bulk load costs one insert per statement.
CREATE OR REPLACE FUNCTION exchange.feed_credit_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'record', 'PUBLISHED', n.record_number, n.subject_kind, coalesce(n.subject_uscc, n.subject_person_key)
          FROM new_rows n WHERE n.status = 'published' ORDER BY n.record_number;
    ELSE
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'record', c.change, n.record_number, n.subject_kind, coalesce(n.subject_uscc, n.subject_person_key)
          FROM new_rows n
          JOIN old_rows o USING (record_number)
         CROSS JOIN LATERAL (SELECT CASE
                WHEN n.status = 'published' AND o.status <> 'published' THEN 'PUBLISHED'
                WHEN n.status = 'revoked' AND o.status = 'published' THEN 'REVOKED'
                WHEN n.status = 'published' AND (n.subject_uscc, n.subject_person_key, n.subject_name, n.polarity,
                        n.behaviour_code, n.description, n.decision_date, n.penalty, n.fine, n.penalty_until,
                        n.publish_from, n.publish_to)
                     IS DISTINCT FROM (o.subject_uscc, o.subject_person_key, o.subject_name, o.polarity,
                        o.behaviour_code, o.description, o.decision_date, o.penalty, o.fine, o.penalty_until,
                        o.publish_from, o.publish_to) THEN 'AMENDED'
            END AS change) c
         WHERE c.change IS NOT NULL
         ORDER BY n.record_number;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION exchange.feed_blacklist_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'blacklist', 'LISTED', n.entry_number,
               CASE WHEN n.subject_uscc IS NOT NULL THEN 'enterprise' ELSE 'person' END,
               coalesce(n.subject_uscc, n.subject_person_key)
          FROM new_rows n ORDER BY n.entry_number;
    ELSE
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'blacklist', c.change, n.entry_number,
               CASE WHEN n.subject_uscc IS NOT NULL THEN 'enterprise' ELSE 'person' END,
               coalesce(n.subject_uscc, n.subject_person_key)
          FROM new_rows n
          JOIN old_rows o USING (entry_number)
         CROSS JOIN LATERAL (SELECT CASE
                WHEN n.released_on IS NOT NULL AND o.released_on IS NULL THEN 'RELEASED'
                WHEN (n.subject_uscc, n.subject_person_key, n.subject_name, n.basis, n.authority, n.listed_on,
                      n.planned_release, n.released_on)
                     IS DISTINCT FROM (o.subject_uscc, o.subject_person_key, o.subject_name, o.basis, o.authority,
                      o.listed_on, o.planned_release, o.released_on) THEN 'AMENDED'
            END AS change) c
         WHERE c.change IS NOT NULL
         ORDER BY n.entry_number;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION exchange.feed_qualification() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'qualification', 'INVALIDATED', n.certificate_number, 'enterprise', n.uscc
          FROM new_rows n WHERE n.status <> '有效' ORDER BY n.certificate_number;
    ELSE
        INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
        SELECT 'qualification', 'INVALIDATED', n.certificate_number, 'enterprise', n.uscc
          FROM new_rows n JOIN old_rows o USING (certificate_number)
         WHERE n.status <> '有效' AND n.status IS DISTINCT FROM o.status
         ORDER BY n.certificate_number;
    END IF;
    RETURN NULL;
END $$;

-- Every other change naming a subject, taken from the change log the index sync reads (one
-- capture per statement already, with its subjects): early warning re-runs its cross-check on it.
CREATE OR REPLACE FUNCTION exchange.feed_subject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchange.feed_event (kind, change, item_key, subject_kind, subject_key)
    SELECT DISTINCT 'subject', c.operation, c.source_table, c.subject_kind, c.subject_key
      FROM new_rows c
     WHERE c.subject_kind IN ('enterprise', 'person')
       AND c.source_table NOT IN ('credit_record', 'blacklist_entry', 'qualification_certificate')
     ORDER BY 4, 5, 3;
    RETURN NULL;
END $$;

DO $$
DECLARE
    spec text[];
    specs text[][] := ARRAY[
        ARRAY['credit_record', 'feed_credit_record'],
        ARRAY['blacklist_entry', 'feed_blacklist_entry'],
        ARRAY['qualification_certificate', 'feed_qualification']
    ];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY specs LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON exchange.%I REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.%I()',
                       spec[1] || '_feed_insert', spec[1], spec[2]);
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON exchange.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.%I()',
                       spec[1] || '_feed_update', spec[1], spec[2]);
    END LOOP;
END $$;

CREATE OR REPLACE TRIGGER change_log_feed
    AFTER INSERT ON exchange.change_log REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.feed_subject_change();

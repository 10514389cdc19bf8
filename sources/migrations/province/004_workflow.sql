-- 采集 → 审核 → 发布 The write path (DOMAIN §4): credit records move draft → submitted → reviewed →
-- published → revoked; blacklist entries are listed and released.  "谁录入，谁负责": every change to
-- either table, whoever makes it (the gateway's mutations or a province's own systems), leaves a
-- history row in the same transaction, written by a trigger, so no path can forget it.
-- Idempotent: every statement may run again on a migrated database.

-- A record submitted for review is its own state: the reviewer sees what was submitted, and the
-- author cannot edit it any more.
ALTER TABLE exchange.credit_record DROP CONSTRAINT IF EXISTS credit_record_status_check;
ALTER TABLE exchange.credit_record ADD CONSTRAINT credit_record_status_check
    CHECK (status IN ('draft', 'submitted', 'reviewed', 'published', 'revoked'));

-- Optimistic versions: a writer names the version it read; the BEFORE UPDATE trigger below moves
-- it on every update, including updates by a province's own systems, so an edit that raced any
-- other write conflicts visibly instead of overwriting it.
ALTER TABLE exchange.credit_record ADD COLUMN IF NOT EXISTS row_version integer NOT NULL DEFAULT 1;
ALTER TABLE exchange.blacklist_entry ADD COLUMN IF NOT EXISTS row_version integer NOT NULL DEFAULT 1;
ALTER TABLE exchange.blacklist_entry ADD COLUMN IF NOT EXISTS created_by text;
ALTER TABLE exchange.blacklist_entry ADD COLUMN IF NOT EXISTS created_at timestamptz;

CREATE OR REPLACE FUNCTION exchange.next_row_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := OLD.row_version + 1;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER credit_record_row_version
    BEFORE UPDATE ON exchange.credit_record FOR EACH ROW EXECUTE FUNCTION exchange.next_row_version();
CREATE OR REPLACE TRIGGER blacklist_entry_row_version
    BEFORE UPDATE ON exchange.blacklist_entry FOR EACH ROW EXECUTE FUNCTION exchange.next_row_version();

-- 修改记录 History: who, organisation, from where, when, what, before and after.  The gateway
-- names the actor in transaction-local settings (yrd.actor, yrd.org, yrd.address, yrd.request_id,
-- yrd.action, yrd.reason); a write without them is a province's own system, recorded as its
-- database role.
CREATE TABLE IF NOT EXISTS exchange.record_history (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity         text NOT NULL CHECK (entity IN ('credit_record', 'blacklist_entry')),
    entity_key     text NOT NULL,
    action         text NOT NULL,
    from_status    text,
    to_status      text,
    version        integer,
    actor          text NOT NULL,
    actor_org      text,
    client_address text,
    request_id     text,
    reason         text,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    before         jsonb,
    after          jsonb
);
CREATE INDEX IF NOT EXISTS record_history_entity_idx ON exchange.record_history (entity, entity_key, id);

-- History is evidence: never rewritten, never removed.
CREATE OR REPLACE FUNCTION exchange.record_history_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'exchange.record_history is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER record_history_append_only
    BEFORE UPDATE OR DELETE ON exchange.record_history
    FOR EACH ROW EXECUTE FUNCTION exchange.record_history_is_append_only();

-- Statement-level with transition tables: a bulk load of 25,000 records writes its history in one
-- INSERT ... SELECT.  Old and new rows are paired by key (TG_ARGV[1]); a row whose key changed
-- shows as one row removed and one added.
CREATE OR REPLACE FUNCTION exchange.capture_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entity text := TG_ARGV[0];
    key_col text := TG_ARGV[1];
    status_expr text := TG_ARGV[2];
    old_side text := CASE WHEN TG_OP = 'INSERT' THEN '(SELECT NULL::jsonb AS j WHERE false)'
                          ELSE '(SELECT to_jsonb(o) AS j FROM old_rows o)' END;
    new_side text := CASE WHEN TG_OP = 'DELETE' THEN '(SELECT NULL::jsonb AS j WHERE false)'
                          ELSE '(SELECT to_jsonb(n) AS j FROM new_rows n)' END;
BEGIN
    EXECUTE format(
        $sql$
        INSERT INTO exchange.record_history
            (entity, entity_key, action, from_status, to_status, version, actor, actor_org,
             client_address, request_id, reason, before, after)
        SELECT %1$L, coalesce(n.j ->> %2$L, o.j ->> %2$L),
               coalesce(nullif(current_setting('yrd.action', true), ''), lower(%3$L)),
               %4$s, %5$s, (n.j ->> 'row_version')::integer,
               coalesce(nullif(current_setting('yrd.actor', true), ''), session_user),
               nullif(current_setting('yrd.org', true), ''),
               nullif(current_setting('yrd.address', true), ''),
               nullif(current_setting('yrd.request_id', true), ''),
               nullif(current_setting('yrd.reason', true), ''),
               o.j, n.j
        FROM %6$s n FULL JOIN %7$s o ON n.j -> %2$L = o.j -> %2$L
        ORDER BY 2
        $sql$,
        entity, key_col, TG_OP,
        replace(status_expr, 'ROW', 'o.j'), replace(status_expr, 'ROW', 'n.j'),
        new_side, old_side);
    RETURN NULL;
END $$;

-- A credit record's status is its column; a blacklist entry's is whether it has been released.
CREATE OR REPLACE TRIGGER credit_record_history_insert
    AFTER INSERT ON exchange.credit_record REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history('credit_record', 'record_number', 'ROW ->> ''status''');
CREATE OR REPLACE TRIGGER credit_record_history_update
    AFTER UPDATE ON exchange.credit_record REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history('credit_record', 'record_number', 'ROW ->> ''status''');
CREATE OR REPLACE TRIGGER credit_record_history_delete
    AFTER DELETE ON exchange.credit_record REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history('credit_record', 'record_number', 'ROW ->> ''status''');
CREATE OR REPLACE TRIGGER blacklist_entry_history_insert
    AFTER INSERT ON exchange.blacklist_entry REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history(
        'blacklist_entry', 'entry_number', 'CASE WHEN ROW IS NULL THEN NULL WHEN ROW ->> ''released_on'' IS NULL THEN ''listed'' ELSE ''released'' END');
CREATE OR REPLACE TRIGGER blacklist_entry_history_update
    AFTER UPDATE ON exchange.blacklist_entry REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history(
        'blacklist_entry', 'entry_number', 'CASE WHEN ROW IS NULL THEN NULL WHEN ROW ->> ''released_on'' IS NULL THEN ''listed'' ELSE ''released'' END');
CREATE OR REPLACE TRIGGER blacklist_entry_history_delete
    AFTER DELETE ON exchange.blacklist_entry REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history(
        'blacklist_entry', 'entry_number', 'CASE WHEN ROW IS NULL THEN NULL WHEN ROW ->> ''released_on'' IS NULL THEN ''listed'' ELSE ''released'' END');

-- 幂等回执 Idempotency: one receipt per (official, client key), written in the same transaction as
-- the change.  A retry with the same key and the same arguments gets the first result back; the
-- same key with other arguments is refused.
CREATE TABLE IF NOT EXISTS exchange.mutation_receipt (
    actor            text NOT NULL,
    client_key       text NOT NULL,
    mutation         text NOT NULL,
    arguments_sha256 text NOT NULL,
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, client_key)
);

-- Numbers of records and entries made through the gateway (W: written by the workflow, so they can
-- never collide with a province's own numbering).
CREATE SEQUENCE IF NOT EXISTS exchange.workflow_record_seq;
CREATE SEQUENCE IF NOT EXISTS exchange.workflow_blacklist_seq;

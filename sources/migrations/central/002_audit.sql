-- 查询审计日志 Query audit log (DOMAIN §6): every official query that touches a person or a
-- cross-check.  Append-only and tamper-evident: each entry carries the hash of the previous one,
-- hash = sha256(prev_hash || payload), so changing, removing or reordering any entry breaks every
-- hash after it (`yrd-gateway audit verify` recomputes the chain).  Idempotent.
--
-- The gateway inserts only `payload` (canonical JSON written by gateway/audit.py); the trigger
-- below assigns the sequence number and the chain hashes and derives the searchable columns from
-- the payload, so the columns cannot disagree with what the hash covers.
--
-- Privileges: production runs the gateway as a role with INSERT and SELECT on this table only,
-- e.g.  GRANT SELECT, INSERT ON central.audit_log TO yrd_gateway;
-- The triggers refuse UPDATE, DELETE and TRUNCATE even for the table's owner.

CREATE TABLE IF NOT EXISTS central.audit_log (
    seq          bigint PRIMARY KEY,
    entry_id     uuid NOT NULL UNIQUE,          -- written by the gateway: redelivery is idempotent
    at           timestamptz NOT NULL,          -- when the query ran (not when it was delivered)
    actor        text NOT NULL,                 -- token subject
    org          text,
    province     text,
    roles        text[] NOT NULL,
    client_addr  text,
    operation    text,
    subject_keys text[] NOT NULL,
    result_count integer NOT NULL,
    payload      text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS audit_log_at ON central.audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON central.audit_log (actor, at);
CREATE INDEX IF NOT EXISTS audit_log_subject_keys ON central.audit_log USING gin (subject_keys);

CREATE OR REPLACE FUNCTION central.audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous record;
    doc jsonb := NEW.payload::jsonb;
BEGIN
    -- One writer at a time keeps the chain linear, however many gateway replicas deliver.
    PERFORM pg_advisory_xact_lock(hashtext('central.audit_log'));
    SELECT seq, hash INTO previous FROM central.audit_log ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(previous.seq, 0) + 1;
    NEW.prev_hash := coalesce(previous.hash, repeat('0', 64));
    NEW.hash := encode(sha256(convert_to(NEW.prev_hash || NEW.payload, 'UTF8')), 'hex');
    NEW.entry_id := (doc->>'id')::uuid;
    NEW.at := (doc->>'at')::timestamptz;
    NEW.actor := doc->>'sub';
    NEW.org := doc->>'org';
    NEW.province := doc->>'province';
    NEW.roles := ARRAY(SELECT jsonb_array_elements_text(doc->'roles'));
    NEW.client_addr := doc->>'client';
    NEW.operation := doc->>'operation';
    NEW.subject_keys := ARRAY(SELECT s->>'key' FROM jsonb_array_elements(doc->'subjects') AS s);
    NEW.result_count := (doc->>'resultCount')::integer;
    NEW.recorded_at := now();
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION central.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'central.audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS audit_log_chain ON central.audit_log;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON central.audit_log
    FOR EACH ROW EXECUTE FUNCTION central.audit_chain();

DROP TRIGGER IF EXISTS audit_log_no_change ON central.audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON central.audit_log
    FOR EACH ROW EXECUTE FUNCTION central.audit_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON central.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON central.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION central.audit_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON central.audit_log FROM PUBLIC;

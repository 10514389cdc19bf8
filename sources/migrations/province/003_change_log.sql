-- 变更日志 Change capture (outbox): every write to an exchange table that matters for routing and
-- screening appends, in the same transaction, one row per subject it touches.  A province's own
-- systems keep writing their tables as before; the triggers capture them without a changed line.
-- The gateway's index sync reads this log (see sources/index_sync.py) and never writes it.
-- Idempotent: every statement may run again on a migrated database.
--
-- Reading it safely: `version` comes from a sequence, and sequence values are NOT commit-ordered
-- (a transaction may take version 5, another version 6 and commit first).  A reader therefore
-- orders by (txid, version) and only reads rows whose transaction id is below the xmin of its
-- snapshot: every transaction below xmin has ended, so no row can later appear behind the
-- reader's position.  `txid` is the writing transaction's top-level id (xid8, never wraps).

CREATE TABLE IF NOT EXISTS exchange.change_log (
    version      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    subject_kind text NOT NULL CHECK (subject_kind IN ('enterprise', 'person', 'project', 'all')),
    subject_key  text NOT NULL,
    source_table text NOT NULL,
    operation    text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS change_log_position_idx ON exchange.change_log (txid, version);

-- Append-only: a change, once logged, is never rewritten (old rows may be pruned by retention).
CREATE OR REPLACE FUNCTION exchange.change_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'exchange.change_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER change_log_append_only
    BEFORE UPDATE ON exchange.change_log FOR EACH ROW EXECUTE FUNCTION exchange.change_log_is_append_only();

-- The capture function, shared by every captured table.  Statement-level with transition tables,
-- so a bulk load (COPY, INSERT ... SELECT) costs one insert per statement, not one per row.
-- Arguments: pairs of (subject kind, column), e.g. ('enterprise', 'subject_uscc', 'person',
-- 'subject_person_key').  An UPDATE logs the subject before and after (a changed key moves it).
CREATE OR REPLACE FUNCTION exchange.capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    i int := 0;
    kind text;
    col text;
    source_rows text;
BEGIN
    WHILE i < TG_NARGS LOOP
        kind := TG_ARGV[i];
        col := TG_ARGV[i + 1];
        source_rows := CASE TG_OP
            WHEN 'INSERT' THEN format('SELECT %I::text AS k FROM new_rows', col)
            WHEN 'DELETE' THEN format('SELECT %I::text AS k FROM old_rows', col)
            ELSE format('SELECT %1$I::text AS k FROM new_rows UNION SELECT %1$I::text FROM old_rows', col)
        END;
        EXECUTE format(
            'INSERT INTO exchange.change_log (subject_kind, subject_key, source_table, operation)
             SELECT DISTINCT %L, s.k, %L, %L FROM (%s) s WHERE s.k IS NOT NULL ORDER BY 2',
            kind, TG_TABLE_NAME, TG_OP, source_rows);
        i := i + 2;
    END LOOP;
    RETURN NULL;
END $$;

-- TRUNCATE removes rows without row events: log that the whole province must be reconciled.
CREATE OR REPLACE FUNCTION exchange.capture_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exchange.change_log (subject_kind, subject_key, source_table, operation)
    VALUES ('all', '*', TG_TABLE_NAME, 'TRUNCATE');
    RETURN NULL;
END $$;

-- Which subjects each table's rows touch: (table, kind, column, kind, column, ...).
DO $$
DECLARE
    spec text[];
    args text;
    specs text[][] := ARRAY[
        ARRAY['enterprise', 'enterprise', 'uscc', '', '', '', ''],
        ARRAY['qualification_certificate', 'enterprise', 'uscc', '', '', '', ''],
        ARRAY['person', 'person', 'person_key', '', '', '', ''],
        ARRAY['registration', 'person', 'person_key', 'enterprise', 'employer_uscc', '', ''],
        ARRAY['project', 'project', 'project_number', 'enterprise', 'owner_uscc', '', ''],
        ARRAY['project_stage', 'project', 'project_number', 'enterprise', 'enterprise_uscc', 'person', 'person_key'],
        ARRAY['project_party', 'project', 'project_number', 'enterprise', 'uscc', '', ''],
        ARRAY['key_personnel', 'project', 'project_number', 'person', 'person_key', 'enterprise', 'employer_uscc'],
        ARRAY['performance', 'enterprise', 'uscc', '', '', '', ''],
        ARRAY['credit_record', 'enterprise', 'subject_uscc', 'person', 'subject_person_key', 'project', 'project_number'],
        ARRAY['blacklist_entry', 'enterprise', 'subject_uscc', 'person', 'subject_person_key', '', '']
    ];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY specs LOOP
        args := array_to_string(ARRAY(SELECT quote_literal(a) FROM unnest(spec[2:7]) a WHERE a <> ''), ', ');
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON exchange.%I REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_change(%s)',
                       spec[1] || '_capture_insert', spec[1], args);
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON exchange.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_change(%s)',
                       spec[1] || '_capture_update', spec[1], args);
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON exchange.%I REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_change(%s)',
                       spec[1] || '_capture_delete', spec[1], args);
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER TRUNCATE ON exchange.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_truncate()',
                       spec[1] || '_capture_truncate', spec[1]);
    END LOOP;
END $$;

-- Indexes the index sync needs to judge a subject's presence in every table that names it.
CREATE INDEX IF NOT EXISTS key_personnel_employer_idx ON exchange.key_personnel (employer_uscc);
CREATE INDEX IF NOT EXISTS project_stage_person_idx ON exchange.project_stage (person_key);
CREATE INDEX IF NOT EXISTS credit_record_project_idx ON exchange.credit_record (project_number);

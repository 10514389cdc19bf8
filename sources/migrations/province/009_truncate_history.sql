-- 修改记录 History of a TRUNCATE.  TRUNCATE removes rows without row events, so the statement-level
-- history triggers of 004_workflow.sql never see them: a province's own system emptying a table
-- would leave no trace of the records it removed.  A BEFORE TRUNCATE trigger still sees every
-- row: each is recorded as DELETE records it (the row before, nothing after), as action
-- 'truncate', by the same actor rules.  Evidence costs one history row per removed record, as a
-- DELETE of the same rows would.
CREATE OR REPLACE FUNCTION exchange.capture_truncate_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entity text := TG_ARGV[0];
    key_col text := TG_ARGV[1];
    status_expr text := TG_ARGV[2];
BEGIN
    EXECUTE format(
        $sql$
        INSERT INTO exchange.record_history
            (entity, entity_key, action, from_status, to_status, version, actor, actor_org,
             client_address, request_id, reason, before, after)
        SELECT %1$L, o.j ->> %2$L,
               coalesce(nullif(current_setting('yrd.action', true), ''), 'truncate'),
               %3$s, NULL, NULL,
               coalesce(nullif(current_setting('yrd.actor', true), ''), session_user),
               nullif(current_setting('yrd.org', true), ''),
               nullif(current_setting('yrd.address', true), ''),
               nullif(current_setting('yrd.request_id', true), ''),
               nullif(current_setting('yrd.reason', true), ''),
               o.j, NULL
        FROM (SELECT to_jsonb(t) AS j FROM %4$I.%5$I t) o
        ORDER BY 2
        $sql$,
        entity, key_col, replace(status_expr, 'ROW', 'o.j'), TG_TABLE_SCHEMA, TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER credit_record_history_truncate
    BEFORE TRUNCATE ON exchange.credit_record
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_truncate_history(
        'credit_record', 'record_number', 'ROW ->> ''status''');
CREATE OR REPLACE TRIGGER blacklist_entry_history_truncate
    BEFORE TRUNCATE ON exchange.blacklist_entry
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_truncate_history(
        'blacklist_entry', 'entry_number',
        'CASE WHEN ROW IS NULL THEN NULL WHEN ROW ->> ''released_on'' IS NULL THEN ''listed'' ELSE ''released'' END');

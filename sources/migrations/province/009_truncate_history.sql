-- 修改记录 History of a TRUNCATE.  TRUNCATE removes rows without row events, so the statement-level
-- history triggers of 004_workflow.sql never see them: a province's own system emptying a table
-- would leave no trace of the records it removed.  A BEFORE TRUNCATE trigger still sees every
-- row, so the one history function learns a fourth operation: for TRUNCATE its "old rows" are the
-- table itself, and each row is recorded as a DELETE records it (the row before, nothing after),
-- as action 'truncate', by the same actor rules.  Evidence costs one history row per removed
-- record, as a DELETE of the same rows would.  This replaces 004's definition of the function;
-- its INSERT, UPDATE and DELETE branches are unchanged.
CREATE OR REPLACE FUNCTION exchange.capture_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entity text := TG_ARGV[0];
    key_col text := TG_ARGV[1];
    status_expr text := TG_ARGV[2];
    old_side text := CASE TG_OP
                         WHEN 'INSERT' THEN '(SELECT NULL::jsonb AS j WHERE false)'
                         WHEN 'TRUNCATE' THEN format('(SELECT to_jsonb(t) AS j FROM %I.%I t)',
                                                     TG_TABLE_SCHEMA, TG_TABLE_NAME)
                         ELSE '(SELECT to_jsonb(o) AS j FROM old_rows o)' END;
    new_side text := CASE WHEN TG_OP IN ('DELETE', 'TRUNCATE') THEN '(SELECT NULL::jsonb AS j WHERE false)'
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

CREATE OR REPLACE TRIGGER credit_record_history_truncate
    BEFORE TRUNCATE ON exchange.credit_record
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history(
        'credit_record', 'record_number', 'ROW ->> ''status''');
CREATE OR REPLACE TRIGGER blacklist_entry_history_truncate
    BEFORE TRUNCATE ON exchange.blacklist_entry
    FOR EACH STATEMENT EXECUTE FUNCTION exchange.capture_history(
        'blacklist_entry', 'entry_number',
        'CASE WHEN ROW IS NULL THEN NULL WHEN ROW ->> ''released_on'' IS NULL THEN ''listed'' ELSE ''released'' END');

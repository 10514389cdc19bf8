-- Named row types for the lists the gateway reads inside the statement that fetches their subject
-- (an enterprise, or a page of them): one correlated ARRAY(SELECT ROW(...)::<type> ...) per list,
-- built by sources/province_queries.py (ChildList).  An anonymous ROW makes the driver read every
-- field's type from the wire and look its decoder up again; cast to a named type, each element is
-- decoded with the decoders it resolved once per connection, and the server answers sooner too (a
-- page of 50's credit records: ~30% less client CPU, ~35% less time).
--
-- Each type's attributes are its ChildList's columns, in the same order, with the tables' types
-- (tests/sources/test_list_row_types.py holds them to that).  Nothing is stored in these types.
-- Idempotent: a type that exists is left as it is.
DO $$ BEGIN
    CREATE TYPE exchange.gateway_qualification_item_row AS (
        item_no smallint, code text, sequence text, category text, grade text);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE exchange.gateway_qualification_row AS (
        uscc text, certificate_number text, issuing_authority text, issued_on date, valid_until date,
        status text, status_changed_on date, items exchange.gateway_qualification_item_row[]);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE exchange.gateway_credit_record_row AS (
        record_number text, subject_kind text, subject_uscc text, subject_person_key text, subject_name text,
        polarity text, behaviour_code text, description text, project_number text, place_division character(6),
        decision_number text, decision_date date, authority text, authority_level text, penalty text,
        fine numeric(14,2), penalty_until date, publish_from date, publish_to date, status text);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE exchange.gateway_blacklist_row AS (
        entry_number text, subject_uscc text, subject_person_key text, subject_name text, basis text,
        authority text, listed_on date, planned_release date, released_on date);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE exchange.gateway_registration_row AS (
        registration_number text, person_key text, category text, specialty text, employer_uscc text,
        registered_on date, valid_until date, status text, name text, id_type text, id_number text,
        gender text);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

DO $$ BEGIN
    CREATE TYPE exchange.gateway_participation_row AS (
        project_number text, uscc text, role text, stage text);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

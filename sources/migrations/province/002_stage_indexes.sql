-- Indexes for the cross-province business view and cross-checks: tender awards and filings by
-- stage and date (question 9: who won where in a period).  Idempotent.
CREATE INDEX IF NOT EXISTS project_stage_stage_date_idx ON exchange.project_stage (stage, filed_on);
CREATE INDEX IF NOT EXISTS project_stage_person_idx ON exchange.project_stage (person_key);

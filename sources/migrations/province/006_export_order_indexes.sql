-- The data package (GET /export/{kind}, gateway/export) pages blacklist entries and qualification
-- certificates in byte order of their numbers (COLLATE "C": the same order in every province,
-- whatever its default collation).  Without these indexes each page is a scan and a sort of the
-- whole table, which grows with the province.  Idempotent.
CREATE INDEX IF NOT EXISTS blacklist_entry_number_c_idx
    ON exchange.blacklist_entry (entry_number COLLATE "C");
CREATE INDEX IF NOT EXISTS qualification_certificate_number_c_idx
    ON exchange.qualification_certificate (certificate_number COLLATE "C");

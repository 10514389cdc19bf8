-- Provincial exchange schema (统一数据标准): the tables every provincial database exposes to the
-- regional gateway.  A province's own systems write these tables; the gateway only reads them.
-- Documented column by column in deploy/EXCHANGE_SCHEMA.md.
-- Idempotent: every statement may run again on a migrated database.

CREATE SCHEMA IF NOT EXISTS exchange;

-- 企业 Enterprise: every enterprise known to this province, registered here or entering its
-- market from elsewhere (入省备案).  `registered_division` is the registering authority's code.
CREATE TABLE IF NOT EXISTS exchange.enterprise (
    uscc                  text PRIMARY KEY,
    uscc_valid            boolean NOT NULL DEFAULT true,
    name                  text NOT NULL,
    legal_representative  text NOT NULL,
    registered_division   char(6) NOT NULL,
    address               text,
    registration_type     text,
    safety_licence_number text,
    entered_on            date,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS enterprise_name_idx ON exchange.enterprise (name);
-- Keyset pages order by USCC byte order, identical in every province whatever its locale.
CREATE INDEX IF NOT EXISTS enterprise_uscc_c_idx ON exchange.enterprise (uscc COLLATE "C");

-- 资质证书 Qualification certificate and its items.
CREATE TABLE IF NOT EXISTS exchange.qualification_certificate (
    certificate_number text PRIMARY KEY,
    uscc               text NOT NULL REFERENCES exchange.enterprise (uscc),
    issuing_authority  text NOT NULL,
    issued_on          date NOT NULL,
    valid_until        date NOT NULL,
    status             text NOT NULL CHECK (status IN ('有效', '暂扣', '撤回', '注销')),
    status_changed_on  date
);
CREATE INDEX IF NOT EXISTS qualification_certificate_uscc_idx ON exchange.qualification_certificate (uscc);

CREATE TABLE IF NOT EXISTS exchange.qualification_item (
    certificate_number text NOT NULL REFERENCES exchange.qualification_certificate (certificate_number),
    item_no            smallint NOT NULL,
    code               text NOT NULL,
    sequence           text NOT NULL,
    category           text NOT NULL,
    grade              text NOT NULL,
    PRIMARY KEY (certificate_number, item_no)
);

-- 注册执业人员 Registered practitioner.  Only the province that holds a person keeps the full
-- ID number; `person_key` = HMAC-SHA256(regional secret, id_type || ':' || id_number) is the
-- key shared across provinces and with the central store (DOMAIN §6).
CREATE TABLE IF NOT EXISTS exchange.person (
    person_key text PRIMARY KEY,
    id_type    text NOT NULL,
    id_number  text NOT NULL,
    name       text NOT NULL,
    gender     text,
    birth_date date,
    UNIQUE (id_type, id_number)
);

CREATE TABLE IF NOT EXISTS exchange.registration (
    registration_number text PRIMARY KEY,
    person_key          text NOT NULL REFERENCES exchange.person (person_key),
    category            text NOT NULL,
    specialty           text,
    employer_uscc       text NOT NULL,
    registered_on       date NOT NULL,
    valid_until         date NOT NULL,
    status              text NOT NULL CHECK (status IN ('有效', '注销', '暂停', '过期'))
);
CREATE INDEX IF NOT EXISTS registration_person_idx ON exchange.registration (person_key);
CREATE INDEX IF NOT EXISTS registration_employer_idx ON exchange.registration (employer_uscc);

-- 工程项目 Project, located in this province.
CREATE TABLE IF NOT EXISTS exchange.project (
    project_number     text PRIMARY KEY,
    provincial_number  text,
    investment_code    text,
    name               text NOT NULL,
    location_division  char(6) NOT NULL,
    category           text NOT NULL CHECK (category IN ('房屋建筑工程', '市政工程', '其他')),
    owner_uscc         text NOT NULL,
    total_investment   numeric(14, 2),
    state_funds_ratio  numeric(5, 2),
    status             text NOT NULL
);
CREATE INDEX IF NOT EXISTS project_owner_idx ON exchange.project (owner_uscc);

-- The six lifecycle stages, one row per filing: 报建 → 中标 → 合同备案 → 施工图审查 → 施工许可 → 竣工验收备案.
-- `enterprise_uscc` is the winner (中标), contractor (合同备案) or permit holder (施工许可);
-- `person_key` is the project manager named in the tender award.
CREATE TABLE IF NOT EXISTS exchange.project_stage (
    record_number   text PRIMARY KEY,
    project_number  text NOT NULL REFERENCES exchange.project (project_number),
    stage           text NOT NULL CHECK (stage IN ('报建', '中标', '合同备案', '施工图审查', '施工许可', '竣工验收备案')),
    filed_on        date NOT NULL,
    enterprise_uscc text,
    amount          numeric(14, 2),
    person_key      text
);
CREATE INDEX IF NOT EXISTS project_stage_project_idx ON exchange.project_stage (project_number);
CREATE INDEX IF NOT EXISTS project_stage_enterprise_idx ON exchange.project_stage (enterprise_uscc);

-- 参建单位 Project parties, one row per enterprise and role.
CREATE TABLE IF NOT EXISTS exchange.project_party (
    project_number text NOT NULL REFERENCES exchange.project (project_number),
    uscc           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('建设单位', '勘察', '设计', '施工', '监理', '招标代理', '造价咨询')),
    stage          text,
    PRIMARY KEY (project_number, uscc, role)
);
CREATE INDEX IF NOT EXISTS project_party_uscc_idx ON exchange.project_party (uscc);

-- 关键岗位人员 Key personnel with their tenure; `change_document` documents a lawful change.
CREATE TABLE IF NOT EXISTS exchange.key_personnel (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    project_number      text NOT NULL REFERENCES exchange.project (project_number),
    person_key          text NOT NULL,
    name                text NOT NULL,
    registration_number text,
    role                text NOT NULL CHECK (role IN ('项目负责人', '技术负责人', '总监理工程师', '安全员')),
    employer_uscc       text NOT NULL,
    start_date          date NOT NULL,
    end_date            date,
    change_document     text
);
CREATE INDEX IF NOT EXISTS key_personnel_project_idx ON exchange.key_personnel (project_number);
CREATE INDEX IF NOT EXISTS key_personnel_person_idx ON exchange.key_personnel (person_key);

-- 业绩 Performance claims an enterprise filed in this province, referencing a project that may be
-- in another province (`claimed_province`).
CREATE TABLE IF NOT EXISTS exchange.performance (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    uscc             text NOT NULL,
    project_number   text NOT NULL,
    claimed_province char(6) NOT NULL,
    role             text NOT NULL,
    amount           numeric(14, 2),
    completed_on     date
);
CREATE INDEX IF NOT EXISTS performance_uscc_idx ON exchange.performance (uscc);

-- 诚信行为记录 Credit records about an enterprise (subject_uscc) or a person (subject_person_key).
-- Workflow status: draft (采集) → reviewed (审核) → published (发布) → revoked.
CREATE TABLE IF NOT EXISTS exchange.credit_record (
    record_number       text PRIMARY KEY,
    subject_kind        text NOT NULL CHECK (subject_kind IN ('enterprise', 'person')),
    subject_uscc        text,
    subject_person_key  text,
    subject_name        text NOT NULL,
    polarity            text NOT NULL CHECK (polarity IN ('good', 'bad')),
    behaviour_code      text NOT NULL,
    description         text NOT NULL,
    project_number      text,
    place_division      char(6),
    decision_number     text,
    decision_date       date NOT NULL,
    authority           text NOT NULL,
    authority_level     text NOT NULL CHECK (authority_level IN ('部', '省', '市', '县')),
    penalty             text,
    fine                numeric(14, 2),
    penalty_until       date,
    publish_from        date NOT NULL,
    publish_to          date NOT NULL,
    status              text NOT NULL CHECK (status IN ('draft', 'reviewed', 'published', 'revoked')),
    internal_note       text,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_by          text,
    updated_at          timestamptz,
    CHECK ((subject_kind = 'enterprise') = (subject_uscc IS NOT NULL)),
    CHECK ((subject_kind = 'person') = (subject_person_key IS NOT NULL)),
    CHECK (publish_to >= publish_from)
);
CREATE INDEX IF NOT EXISTS credit_record_uscc_idx ON exchange.credit_record (subject_uscc);
CREATE INDEX IF NOT EXISTS credit_record_person_idx ON exchange.credit_record (subject_person_key);
CREATE INDEX IF NOT EXISTS credit_record_order_idx ON exchange.credit_record (decision_date DESC, record_number COLLATE "C" DESC);

-- 黑名单 Blacklist entries: managed for one year from listing, then released.
CREATE TABLE IF NOT EXISTS exchange.blacklist_entry (
    entry_number       text PRIMARY KEY,
    subject_uscc       text,
    subject_person_key text,
    subject_name       text NOT NULL,
    basis              text NOT NULL,
    authority          text NOT NULL,
    listed_on          date NOT NULL,
    planned_release    date NOT NULL,
    released_on        date,
    CHECK (subject_uscc IS NOT NULL OR subject_person_key IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS blacklist_uscc_idx ON exchange.blacklist_entry (subject_uscc);
CREATE INDEX IF NOT EXISTS blacklist_person_idx ON exchange.blacklist_entry (subject_person_key);

-- 0008 (the same tables as store/sqlite/migrations/0008_rights.sql): subjects' rights (异议、信用修复与工作日历, issue 6).
-- record_status: what happened to a record apart from its versions, keyed by the record key so
-- a correction (a new version) keeps it. cases: objections and repair applications, the case
-- itself as JSON with the columns queues filter on. evidence: sealed files given with a case.
-- notices: messages to a subject. calendar_years: every loaded version of a year's holidays.
CREATE TABLE record_status (
	subject_id  bigint NOT NULL,
	dept        text NOT NULL,
	item        text NOT NULL,
	source_id   text NOT NULL,
	objection   bigint NOT NULL DEFAULT 0,
	repaired_at timestamptz,
	repair_case bigint NOT NULL DEFAULT 0,
	revoked_at  timestamptz,
	expired_at  timestamptz,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (subject_id, dept, item, source_id)
);
CREATE UNIQUE INDEX record_status_key ON record_status(dept, item, source_id);

-- The expiry job looks for current published records whose window has closed.
CREATE INDEX records_pub_until ON records(pub_until) WHERE status = 'active' AND published;

CREATE TABLE cases (
	id         bigserial PRIMARY KEY,
	kind       text NOT NULL,
	subject_id bigint NOT NULL,
	dept       text NOT NULL,
	item       text NOT NULL,
	source_id  text NOT NULL,
	status     text NOT NULL,
	open       boolean NOT NULL,
	filed_at   timestamptz NOT NULL,
	body       text NOT NULL
);
CREATE INDEX cases_subject ON cases(subject_id, id);
CREATE INDEX cases_dept ON cases(dept, open, id);
CREATE INDEX cases_record ON cases(dept, item, source_id);

CREATE TABLE evidence (
	id          bigserial PRIMARY KEY,
	case_id     bigint NOT NULL,
	name        text NOT NULL,
	mime        text NOT NULL,
	size        bigint NOT NULL,
	sha256      text NOT NULL,
	content     bytea NOT NULL,
	uploaded_by text NOT NULL,
	created_at  timestamptz NOT NULL
);
CREATE INDEX evidence_case ON evidence(case_id, id);

CREATE TABLE notices (
	id         bigserial PRIMARY KEY,
	subject_id bigint NOT NULL,
	case_id    bigint NOT NULL DEFAULT 0,
	at         timestamptz NOT NULL,
	text       text NOT NULL
);
CREATE INDEX notices_subject ON notices(subject_id, id);

CREATE TABLE calendar_years (
	year      bigint NOT NULL,
	version   bigint NOT NULL,
	body      text NOT NULL,
	loaded_by text NOT NULL,
	loaded_at timestamptz NOT NULL,
	PRIMARY KEY (year, version)
);

-- 0008: subjects' rights (异议、信用修复与工作日历, issue 6).
-- record_status: what happened to a record apart from its versions, keyed by the record key so
-- a correction (a new version) keeps it. cases: objections and repair applications, the case
-- itself as JSON with the columns queues filter on. evidence: sealed files given with a case.
-- notices: messages to a subject. calendar_years: every loaded version of a year's holidays.
CREATE TABLE record_status (
	subject_id  INTEGER NOT NULL,
	dept        TEXT NOT NULL,
	item        TEXT NOT NULL,
	source_id   TEXT NOT NULL,
	objection   INTEGER NOT NULL DEFAULT 0,
	repaired_at INTEGER,
	repair_case INTEGER NOT NULL DEFAULT 0,
	revoked_at  INTEGER,
	expired_at  INTEGER,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (subject_id, dept, item, source_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX record_status_key ON record_status(dept, item, source_id);

-- The expiry job looks for current published records whose window has closed.
CREATE INDEX records_pub_until ON records(pub_until) WHERE status = 'active' AND published = 1;

CREATE TABLE cases (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	subject_id INTEGER NOT NULL,
	dept       TEXT NOT NULL,
	item       TEXT NOT NULL,
	source_id  TEXT NOT NULL,
	status     TEXT NOT NULL,
	open       INTEGER NOT NULL,
	filed_at   INTEGER NOT NULL,
	body       TEXT NOT NULL
);
CREATE INDEX cases_subject ON cases(subject_id, id);
CREATE INDEX cases_dept ON cases(dept, open, id);
CREATE INDEX cases_record ON cases(dept, item, source_id);

CREATE TABLE evidence (
	id          INTEGER PRIMARY KEY,
	case_id     INTEGER NOT NULL,
	name        TEXT NOT NULL,
	mime        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	sha256      TEXT NOT NULL,
	content     BLOB NOT NULL,
	uploaded_by TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX evidence_case ON evidence(case_id, id);

CREATE TABLE notices (
	id         INTEGER PRIMARY KEY,
	subject_id INTEGER NOT NULL,
	case_id    INTEGER NOT NULL DEFAULT 0,
	at         INTEGER NOT NULL,
	text       TEXT NOT NULL
);
CREATE INDEX notices_subject ON notices(subject_id, id);

CREATE TABLE calendar_years (
	year      INTEGER NOT NULL,
	version   INTEGER NOT NULL,
	body      TEXT NOT NULL,
	loaded_by TEXT NOT NULL,
	loaded_at INTEGER NOT NULL,
	PRIMARY KEY (year, version)
) WITHOUT ROWID;

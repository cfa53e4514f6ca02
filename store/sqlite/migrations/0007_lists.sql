-- 0007: lists, measures and window checks (名单、措施与信用核查, issue 5). The same tables as
-- store/postgres/migrations/0007_lists.sql; the SQL over them is written once (store/listsql),
-- so times are Unix seconds (0 = none) and flags 0/1 in both stores.

-- List types and measures are data (the joint catalog, catalog/lists.json, seeded on first
-- open); the credit office edits them, and activates measures.
CREATE TABLE joint_list_types (
	code       TEXT PRIMARY KEY,
	body       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE joint_measures (
	code       TEXT PRIMARY KEY,
	body       TEXT NOT NULL,
	active     INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Entries reference subjects by subject key, not by subject row: national lists name persons
-- the platform never recorded (credit.ListEntry).
CREATE TABLE list_entries (
	id           INTEGER PRIMARY KEY,
	subject_key  TEXT NOT NULL,
	list_type    TEXT NOT NULL,
	status       TEXT NOT NULL,
	subject_code TEXT NOT NULL DEFAULT '',
	subject_name TEXT NOT NULL DEFAULT '',
	person       INTEGER NOT NULL DEFAULT 0,
	dept         TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	document     TEXT NOT NULL DEFAULT '',
	records      TEXT NOT NULL DEFAULT '',
	source_id    TEXT NOT NULL DEFAULT '',
	batch_no     INTEGER NOT NULL DEFAULT 0,
	valid_from   INTEGER NOT NULL DEFAULT 0,
	valid_until  INTEGER NOT NULL DEFAULT 0,
	proposed_by  TEXT NOT NULL DEFAULT '',
	proposed_at  INTEGER NOT NULL DEFAULT 0,
	confirmed_by TEXT NOT NULL DEFAULT '',
	confirmed_at INTEGER NOT NULL DEFAULT 0,
	published_at INTEGER NOT NULL DEFAULT 0,
	ended_by     TEXT NOT NULL DEFAULT '',
	ended_at     INTEGER NOT NULL DEFAULT 0,
	end_reason   TEXT NOT NULL DEFAULT ''
);
-- The window check: a subject's entries in one look-up, subject key first.
CREATE INDEX list_entries_subject ON list_entries (subject_key, status);
CREATE INDEX list_entries_list ON list_entries (list_type, status, batch_no, id);
CREATE INDEX list_entries_due ON list_entries (status, valid_until);
CREATE UNIQUE INDEX list_entries_source ON list_entries (list_type, source_id) WHERE source_id <> '';

CREATE TABLE list_batches (
	list_type    TEXT NOT NULL,
	no           INTEGER NOT NULL,
	title        TEXT NOT NULL,
	entries      INTEGER NOT NULL,
	published_by TEXT NOT NULL,
	published_at INTEGER NOT NULL,
	PRIMARY KEY (list_type, no)
) WITHOUT ROWID;

-- The check log (核查日志): every window check, and the measures it found with the clerk's
-- feedback (反馈). Statistics read these two tables.
CREATE TABLE checks (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	month       TEXT NOT NULL,
	actor       TEXT NOT NULL,
	dept        TEXT NOT NULL DEFAULT '',
	matter      TEXT NOT NULL,
	subject_key TEXT NOT NULL DEFAULT '',
	found       INTEGER NOT NULL DEFAULT 0,
	verdict     TEXT NOT NULL,
	measures    INTEGER NOT NULL DEFAULT 0,
	batch_id    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checks_month ON checks (month, dept);
CREATE INDEX checks_subject ON checks (subject_key, id);

CREATE TABLE check_measures (
	check_id     INTEGER NOT NULL,
	measure      TEXT NOT NULL,
	month        TEXT NOT NULL,
	dept         TEXT NOT NULL,
	checker_dept TEXT NOT NULL DEFAULT '',
	direction    TEXT NOT NULL,
	effect       TEXT NOT NULL,
	mandatory    INTEGER NOT NULL DEFAULT 0,
	entry_id     INTEGER NOT NULL DEFAULT 0,
	list_type    TEXT NOT NULL DEFAULT '',
	pending      INTEGER NOT NULL DEFAULT 0,
	outcome      TEXT NOT NULL DEFAULT '',
	note         TEXT NOT NULL DEFAULT '',
	feedback_by  TEXT NOT NULL DEFAULT '',
	feedback_at  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (check_id, measure)
) WITHOUT ROWID;
CREATE INDEX check_measures_month ON check_measures (month, measure);

-- Batch verification jobs (批量核查): progress and the result file's location.
CREATE TABLE check_batches (
	id          INTEGER PRIMARY KEY,
	matter      TEXT NOT NULL,
	actor       TEXT NOT NULL,
	dept        TEXT NOT NULL DEFAULT '',
	file_name   TEXT NOT NULL DEFAULT '',
	format      TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	total       INTEGER NOT NULL DEFAULT 0,
	done        INTEGER NOT NULL DEFAULT 0,
	found       INTEGER NOT NULL DEFAULT 0,
	blocked     INTEGER NOT NULL DEFAULT 0,
	warned      INTEGER NOT NULL DEFAULT 0,
	bad_rows    INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0
);

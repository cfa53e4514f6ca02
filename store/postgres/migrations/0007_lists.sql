-- 0007: lists, measures and window checks (名单、措施与信用核查, issue 5). The same tables as
-- store/sqlite/migrations/0007_lists.sql; the SQL over them is written once (store/listsql),
-- so times are Unix seconds (0 = none) and flags 0/1 in both stores.

-- List types and measures are data (the joint catalog, catalog/lists.json, seeded on first
-- open); the credit office edits them, and activates measures.
CREATE TABLE joint_list_types (
	code       text PRIMARY KEY,
	body       text NOT NULL,
	updated_at bigint NOT NULL
);

CREATE TABLE joint_measures (
	code       text PRIMARY KEY,
	body       text NOT NULL,
	active     bigint NOT NULL DEFAULT 0,
	updated_at bigint NOT NULL
);

-- Entries reference subjects by subject key, not by subject row: national lists name persons
-- the platform never recorded (credit.ListEntry).
CREATE TABLE list_entries (
	id           bigserial PRIMARY KEY,
	subject_key  text NOT NULL,
	list_type    text NOT NULL,
	status       text NOT NULL,
	subject_code text NOT NULL DEFAULT '',
	subject_name text NOT NULL DEFAULT '',
	person       bigint NOT NULL DEFAULT 0,
	dept         text NOT NULL,
	reason       text NOT NULL DEFAULT '',
	document     text NOT NULL DEFAULT '',
	records      text NOT NULL DEFAULT '',
	source_id    text NOT NULL DEFAULT '',
	batch_no     bigint NOT NULL DEFAULT 0,
	valid_from   bigint NOT NULL DEFAULT 0,
	valid_until  bigint NOT NULL DEFAULT 0,
	proposed_by  text NOT NULL DEFAULT '',
	proposed_at  bigint NOT NULL DEFAULT 0,
	confirmed_by text NOT NULL DEFAULT '',
	confirmed_at bigint NOT NULL DEFAULT 0,
	published_at bigint NOT NULL DEFAULT 0,
	ended_by     text NOT NULL DEFAULT '',
	ended_at     bigint NOT NULL DEFAULT 0,
	end_reason   text NOT NULL DEFAULT ''
);
-- The window check: a subject's entries in one look-up, subject key first.
CREATE INDEX list_entries_subject ON list_entries (subject_key, status);
CREATE INDEX list_entries_list ON list_entries (list_type, status, batch_no, id);
CREATE INDEX list_entries_due ON list_entries (status, valid_until);
CREATE UNIQUE INDEX list_entries_source ON list_entries (list_type, source_id) WHERE source_id <> '';

CREATE TABLE list_batches (
	list_type    text NOT NULL,
	no           bigint NOT NULL,
	title        text NOT NULL,
	entries      bigint NOT NULL,
	published_by text NOT NULL,
	published_at bigint NOT NULL,
	PRIMARY KEY (list_type, no)
);

-- The check log (核查日志): every window check, and the measures it found with the clerk's
-- feedback (反馈). Statistics read these two tables.
CREATE TABLE checks (
	id          bigserial PRIMARY KEY,
	at          bigint NOT NULL,
	month       text NOT NULL,
	actor       text NOT NULL,
	dept        text NOT NULL DEFAULT '',
	matter      text NOT NULL,
	subject_key text NOT NULL DEFAULT '',
	found       bigint NOT NULL DEFAULT 0,
	verdict     text NOT NULL,
	measures    bigint NOT NULL DEFAULT 0,
	batch_id    bigint NOT NULL DEFAULT 0
);
CREATE INDEX checks_month ON checks (month, dept);
CREATE INDEX checks_subject ON checks (subject_key, id);

CREATE TABLE check_measures (
	check_id     bigint NOT NULL,
	measure      text NOT NULL,
	month        text NOT NULL,
	dept         text NOT NULL,
	checker_dept text NOT NULL DEFAULT '',
	direction    text NOT NULL,
	effect       text NOT NULL,
	mandatory    bigint NOT NULL DEFAULT 0,
	entry_id     bigint NOT NULL DEFAULT 0,
	list_type    text NOT NULL DEFAULT '',
	pending      bigint NOT NULL DEFAULT 0,
	outcome      text NOT NULL DEFAULT '',
	note         text NOT NULL DEFAULT '',
	feedback_by  text NOT NULL DEFAULT '',
	feedback_at  bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (check_id, measure)
);
CREATE INDEX check_measures_month ON check_measures (month, measure);

-- Batch verification jobs (批量核查): progress and the result file's location.
CREATE TABLE check_batches (
	id          bigserial PRIMARY KEY,
	matter      text NOT NULL,
	actor       text NOT NULL,
	dept        text NOT NULL DEFAULT '',
	file_name   text NOT NULL DEFAULT '',
	format      text NOT NULL DEFAULT '',
	status      text NOT NULL,
	total       bigint NOT NULL DEFAULT 0,
	done        bigint NOT NULL DEFAULT 0,
	found       bigint NOT NULL DEFAULT 0,
	blocked     bigint NOT NULL DEFAULT 0,
	warned      bigint NOT NULL DEFAULT 0,
	bad_rows    bigint NOT NULL DEFAULT 0,
	error       text NOT NULL DEFAULT '',
	result      text NOT NULL DEFAULT '',
	created_at  bigint NOT NULL,
	finished_at bigint NOT NULL DEFAULT 0
);

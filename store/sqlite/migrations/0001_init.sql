-- 0001: catalog, subjects, records, import batches and quarantine.
CREATE TABLE catalogs (
	version      INTEGER PRIMARY KEY,
	published_at INTEGER NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL
);

CREATE TABLE code_exceptions (
	code       TEXT PRIMARY KEY,
	note       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE subjects (
	id           INTEGER PRIMARY KEY,
	key          TEXT NOT NULL UNIQUE,
	code         TEXT,
	kind         TEXT NOT NULL,
	name         TEXT NOT NULL,
	name_norm    TEXT NOT NULL,
	region       TEXT NOT NULL DEFAULT '',
	legal_rep_id INTEGER,
	legal_rep    TEXT NOT NULL DEFAULT '',
	former_names TEXT NOT NULL DEFAULT '',
	legacy_codes TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	id_cipher    BLOB,
	name_cipher  BLOB,
	id_masked    TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX subjects_name_norm ON subjects(name_norm);

-- Names of organisations for partial-name search (trigram: any 3+ character fragment).
-- Natural persons are never put here.
CREATE VIRTUAL TABLE subject_fts USING fts5(name, tokenize = 'trigram', content = '', contentless_delete = 1);
-- The same names one character per token, for one- and two-character queries (华为), which
-- trigrams cannot answer: a query is then a phrase of adjacent characters.
CREATE VIRTUAL TABLE subject_chars USING fts5(name, tokenize = 'unicode61', content = '', contentless_delete = 1);

CREATE TABLE subject_aliases (
	alias      TEXT PRIMARY KEY,
	subject_id INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE records (
	id           INTEGER PRIMARY KEY,
	subject_id   INTEGER NOT NULL,
	dept         TEXT NOT NULL,
	item         TEXT NOT NULL,
	source_id    TEXT NOT NULL,
	version      INTEGER NOT NULL,
	item_version INTEGER NOT NULL,
	batch_id     INTEGER,
	fields       TEXT NOT NULL,
	personal     BLOB,
	hash         TEXT NOT NULL,
	decision     INTEGER,
	pub_from     INTEGER,
	pub_until    INTEGER,
	published    INTEGER NOT NULL,
	status       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	-- The idempotency key: a department's own record ids arrive mostly in order, so this index
	-- grows at a few places per batch rather than at random ones.
	UNIQUE (dept, item, source_id, version)
);
CREATE INDEX records_subject ON records(subject_id);

CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE batches (
	id           INTEGER PRIMARY KEY,
	dept         TEXT NOT NULL,
	item         TEXT NOT NULL,
	file_name    TEXT NOT NULL,
	file_hash    TEXT NOT NULL,
	format       TEXT NOT NULL,
	encoding     TEXT NOT NULL DEFAULT '',
	header       TEXT NOT NULL DEFAULT '[]',
	status       TEXT NOT NULL,
	error        TEXT NOT NULL DEFAULT '',
	checkpoint   INTEGER NOT NULL DEFAULT 0,
	rows         INTEGER NOT NULL DEFAULT 0,
	accepted     INTEGER NOT NULL DEFAULT 0,
	versions     INTEGER NOT NULL DEFAULT 0,
	unchanged    INTEGER NOT NULL DEFAULT 0,
	rejected     INTEGER NOT NULL DEFAULT 0,
	submitted_by TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	UNIQUE (dept, item, file_hash)
);

CREATE TABLE rejects (
	batch_id       INTEGER NOT NULL,
	row_num        INTEGER NOT NULL,
	dept           TEXT NOT NULL,
	item           TEXT NOT NULL,
	source_id      TEXT NOT NULL DEFAULT '',
	vals           TEXT NOT NULL,
	errors         TEXT NOT NULL,
	resolved_batch INTEGER,
	PRIMARY KEY (batch_id, row_num)
) WITHOUT ROWID;
CREATE INDEX rejects_open ON rejects(dept, item, source_id) WHERE resolved_batch IS NULL;

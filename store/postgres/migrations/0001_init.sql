-- 0001: catalog, subjects, records, import batches and quarantine.
-- The same tables as store/sqlite/migrations/0001_init.sql, in SQL that PostgreSQL-wire
-- distributed engines also run: no triggers, no functions of our own. Ids come from sequences
-- the store draws from in bulk, so COPY can write rows whose ids the caller already knows.
-- Timestamps are timestamptz, written whole seconds in UTC (the SQLite store keeps Unix seconds).

-- Partial-name search uses trigram indexes. pg_trgm is in PostgreSQL's contrib (Debian ships it
-- with the server) and is a trusted extension, so a database owner may create it; where the
-- role may not, an administrator creates it beforehand and this statement does nothing. It goes
-- to public, once per database, so schemas dropped later never take it with them; the store's
-- search_path must include the schema that holds it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE TABLE catalogs (
	version      integer PRIMARY KEY,
	published_at timestamptz NOT NULL,
	note         text NOT NULL DEFAULT '',
	body         jsonb NOT NULL
);

CREATE TABLE code_exceptions (
	code       text PRIMARY KEY,
	note       text NOT NULL,
	created_by text NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE SEQUENCE subject_ids;
CREATE TABLE subjects (
	id           bigint PRIMARY KEY DEFAULT nextval('subject_ids'),
	key          text NOT NULL UNIQUE,
	code         text,
	kind         text NOT NULL,
	name         text NOT NULL,
	name_norm    text NOT NULL,
	-- What partial-name search looks in: the normalised current and former names of an
	-- organisation, one per line; NULL for natural persons, who are never searchable by name.
	search_text  text,
	region       text NOT NULL DEFAULT '',
	legal_rep_id bigint,
	legal_rep    text NOT NULL DEFAULT '',
	former_names text[] NOT NULL DEFAULT '{}',
	legacy_codes text[] NOT NULL DEFAULT '{}',
	status       text NOT NULL,
	id_cipher    bytea,
	name_cipher  bytea,
	id_masked    text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);
ALTER SEQUENCE subject_ids OWNED BY subjects.id;
CREATE INDEX subjects_name_norm ON subjects (name_norm);
-- Any fragment of three characters or more is answered from this index (LIKE '%…%').
CREATE INDEX subjects_search ON subjects USING gin (search_text gin_trgm_ops);

CREATE TABLE subject_aliases (
	alias      text PRIMARY KEY,
	subject_id bigint NOT NULL
);

CREATE SEQUENCE record_ids;
CREATE TABLE records (
	id           bigint PRIMARY KEY DEFAULT nextval('record_ids'),
	subject_id   bigint NOT NULL,
	dept         text NOT NULL,
	item         text NOT NULL,
	source_id    text NOT NULL,
	version      integer NOT NULL,
	item_version integer NOT NULL,
	batch_id     bigint,
	fields       jsonb NOT NULL,
	personal     bytea,
	hash         text NOT NULL,
	decision     timestamptz,
	pub_from     timestamptz,
	pub_until    timestamptz,
	published    boolean NOT NULL,
	status       text NOT NULL,
	created_at   timestamptz NOT NULL,
	-- The idempotency key: a department's own record ids arrive mostly in order, so this index
	-- grows at a few places per batch rather than at random ones.
	UNIQUE (dept, item, source_id, version)
);
ALTER SEQUENCE record_ids OWNED BY records.id;
CREATE INDEX records_subject ON records (subject_id);

CREATE TABLE counters (
	name  text PRIMARY KEY,
	value bigint NOT NULL
);

CREATE SEQUENCE batch_ids;
CREATE TABLE batches (
	id           bigint PRIMARY KEY DEFAULT nextval('batch_ids'),
	dept         text NOT NULL,
	item         text NOT NULL,
	file_name    text NOT NULL,
	file_hash    text NOT NULL,
	format       text NOT NULL,
	encoding     text NOT NULL DEFAULT '',
	-- JSON kept as text: a header is what the department sent, and jsonb refuses some of what
	-- JSON can carry (\u0000).
	header       text NOT NULL DEFAULT '[]',
	status       text NOT NULL,
	error        text NOT NULL DEFAULT '',
	checkpoint   integer NOT NULL DEFAULT 0,
	rows         bigint NOT NULL DEFAULT 0,
	accepted     bigint NOT NULL DEFAULT 0,
	versions     bigint NOT NULL DEFAULT 0,
	unchanged    bigint NOT NULL DEFAULT 0,
	rejected     bigint NOT NULL DEFAULT 0,
	submitted_by text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	finished_at  timestamptz,
	UNIQUE (dept, item, file_hash)
);
ALTER SEQUENCE batch_ids OWNED BY batches.id;

CREATE TABLE rejects (
	batch_id       bigint NOT NULL,
	row_num        integer NOT NULL,
	dept           text NOT NULL,
	item           text NOT NULL,
	source_id      text NOT NULL DEFAULT '',
	-- The rejected row as sent and its errors, JSON kept as text (see batches.header).
	vals           text NOT NULL,
	errors         text NOT NULL,
	resolved_batch bigint,
	PRIMARY KEY (batch_id, row_num)
);
CREATE INDEX rejects_open ON rejects (dept, item, source_id) WHERE resolved_batch IS NULL;

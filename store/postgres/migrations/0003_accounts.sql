-- 0003: access control and accountability (issue 3): departments, users, sessions, login
-- failures, API tokens, the query log (查询使用登记) and the audit trail (审计日志).
-- The same tables as store/sqlite/migrations/0003_accounts.sql. Times are written whole
-- seconds like the rest of the store, except audit_log.at, which keeps the microseconds
-- timestamptz holds: an audit entry's hash covers its time to the microsecond.
CREATE TABLE departments (
	code       text PRIMARY KEY,
	name_zh    text NOT NULL,
	name_en    text NOT NULL DEFAULT '',
	level      text NOT NULL,
	parent     text NOT NULL DEFAULT '',
	disabled   boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL
);

CREATE SEQUENCE user_ids;
CREATE TABLE users (
	id                  bigint PRIMARY KEY DEFAULT nextval('user_ids'),
	username            text NOT NULL UNIQUE, -- lower-case: sign-in is case-insensitive
	name                text NOT NULL,
	dept                text NOT NULL,
	roles               text[] NOT NULL DEFAULT '{}',
	password_hash       text NOT NULL,
	disabled            boolean NOT NULL DEFAULT false,
	created_at          timestamptz NOT NULL,
	password_changed_at timestamptz
);
ALTER SEQUENCE user_ids OWNED BY users.id;
CREATE INDEX users_dept ON users (dept, username);

-- A session is stored under auth.SessionKey of its id, never the id itself.
CREATE TABLE sessions (
	key          text PRIMARY KEY,
	user_id      bigint NOT NULL,
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	remote_addr  text NOT NULL DEFAULT '',
	user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
	username    text NOT NULL, -- lower-case, as users.username
	at          timestamptz NOT NULL,
	remote_addr text NOT NULL DEFAULT ''
);
CREATE INDEX login_failures_user ON login_failures (username, at);

-- Only the SHA-256 of a token is stored (auth.TokenHash).
CREATE SEQUENCE api_token_ids;
CREATE TABLE api_tokens (
	id           bigint PRIMARY KEY DEFAULT nextval('api_token_ids'),
	dept         text NOT NULL,
	name         text NOT NULL,
	hash         text NOT NULL UNIQUE,
	scopes       text[] NOT NULL DEFAULT '{}',
	expires_at   timestamptz,
	revoked_at   timestamptz,
	created_by   text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz
);
ALTER SEQUENCE api_token_ids OWNED BY api_tokens.id;
CREATE INDEX api_tokens_dept ON api_tokens (dept, created_at);

CREATE SEQUENCE query_log_ids;
CREATE TABLE query_log (
	id          bigint PRIMARY KEY DEFAULT nextval('query_log_ids'),
	at          timestamptz NOT NULL,
	actor       text NOT NULL,
	dept        text NOT NULL DEFAULT '',
	purpose     text NOT NULL DEFAULT '',
	subject_key text NOT NULL DEFAULT '',
	route       text NOT NULL DEFAULT '',
	returned    text NOT NULL DEFAULT '',
	remote_addr text NOT NULL DEFAULT ''
);
ALTER SEQUENCE query_log_ids OWNED BY query_log.id;
-- Who looked at a subject (shown to the subject itself), and what one actor looked at.
CREATE INDEX query_log_subject ON query_log (subject_key, id);
CREATE INDEX query_log_actor ON query_log (actor, id);
CREATE INDEX query_log_at ON query_log (at);

-- Append-only and hash-chained (package audit). detail is the compact JSON exactly as hashed,
-- kept as text, never jsonb, which would reorder keys and respace it ('' when none).
CREATE TABLE audit_log (
	seq    bigint PRIMARY KEY,
	at     timestamptz NOT NULL, -- microseconds, as audit.Chain truncates
	actor  text NOT NULL,
	action text NOT NULL,
	object text NOT NULL DEFAULT '',
	detail text NOT NULL DEFAULT '',
	prev   text NOT NULL,
	hash   text NOT NULL
);
-- The last entry's seq and hash, in one row. An append locks it (SELECT … FOR UPDATE), so
-- appends serialise: a row lock rather than an advisory lock, because row locks also work on
-- the distributed engines this store keeps to. The primary key on audit_log.seq stays the
-- last line of defence.
CREATE TABLE audit_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq  bigint NOT NULL,
	hash text NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (true, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- 0003: access control and accountability (issue 3): departments, users, sessions, login
-- failures, API tokens, the query log (查询使用登记) and the audit trail (审计日志).
-- Times are Unix seconds like the rest of the store, except audit_log.at: Unix microseconds,
-- because an audit entry's hash covers its time to the microsecond.
CREATE TABLE departments (
	code       TEXT PRIMARY KEY,
	name_zh    TEXT NOT NULL,
	name_en    TEXT NOT NULL DEFAULT '',
	level      TEXT NOT NULL,
	parent     TEXT NOT NULL DEFAULT '',
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
	id                  INTEGER PRIMARY KEY,
	username            TEXT NOT NULL UNIQUE, -- lower-case: sign-in is case-insensitive
	name                TEXT NOT NULL,
	dept                TEXT NOT NULL,
	roles               TEXT NOT NULL DEFAULT '', -- joined by the unit separator, like subjects' lists
	password_hash       TEXT NOT NULL,
	disabled            INTEGER NOT NULL DEFAULT 0,
	created_at          INTEGER NOT NULL,
	password_changed_at INTEGER
);
CREATE INDEX users_dept ON users(dept, username);

-- A session is stored under auth.SessionKey of its id, never the id itself.
CREATE TABLE sessions (
	key          TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	remote_addr  TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
	username    TEXT NOT NULL, -- lower-case, as users.username
	at          INTEGER NOT NULL,
	remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_failures_user ON login_failures(username, at);

-- Only the SHA-256 of a token is stored (auth.TokenHash).
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	dept         TEXT NOT NULL,
	name         TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	scopes       TEXT NOT NULL DEFAULT '', -- joined by the unit separator
	expires_at   INTEGER,
	revoked_at   INTEGER,
	created_by   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX api_tokens_dept ON api_tokens(dept, created_at);

CREATE TABLE query_log (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	actor       TEXT NOT NULL,
	dept        TEXT NOT NULL DEFAULT '',
	purpose     TEXT NOT NULL DEFAULT '',
	subject_key TEXT NOT NULL DEFAULT '',
	route       TEXT NOT NULL DEFAULT '',
	returned    TEXT NOT NULL DEFAULT '',
	remote_addr TEXT NOT NULL DEFAULT ''
);
-- Who looked at a subject (shown to the subject itself), and what one actor looked at.
CREATE INDEX query_log_subject ON query_log(subject_key, id);
CREATE INDEX query_log_actor ON query_log(actor, id);
CREATE INDEX query_log_at ON query_log(at);

-- Append-only and hash-chained (package audit). detail is the compact JSON exactly as hashed,
-- kept as text so it comes back byte for byte ('' when the entry has none).
CREATE TABLE audit_log (
	seq    INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL, -- Unix microseconds, UTC
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	object TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	prev   TEXT NOT NULL,
	hash   TEXT NOT NULL
);

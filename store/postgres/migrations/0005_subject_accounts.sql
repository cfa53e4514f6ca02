-- 0005: subject self-service (信用主体自助, issue 3). The same tables as
-- store/sqlite/migrations/0005_subject_accounts.sql: activation credentials of organisations,
-- one-time sign-in codes of persons (argon2id hashes only), and the subject of a session
-- (user_id 0 for a subject's session).
ALTER TABLE sessions ADD COLUMN subject_key text NOT NULL DEFAULT '';
CREATE INDEX sessions_subject ON sessions (subject_key) WHERE subject_key <> '';

CREATE TABLE subject_credentials (
	subject_key text PRIMARY KEY,
	hash        text NOT NULL,
	issued_at   timestamptz NOT NULL,
	revoked     boolean NOT NULL DEFAULT false
);

CREATE TABLE one_time_codes (
	subject_key text PRIMARY KEY,
	hash        text NOT NULL,
	expires_at  timestamptz NOT NULL,
	attempts    integer NOT NULL DEFAULT 0
);

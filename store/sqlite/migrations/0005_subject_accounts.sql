-- 0005: subject self-service (信用主体自助, issue 3): an organisation signs in with its code and
-- an activation credential the credit office issues; a person with its resident ID and a
-- one-time code. Both keep only argon2id hashes. A subject's session has user_id 0 and its
-- subject key.
ALTER TABLE sessions ADD COLUMN subject_key TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_subject ON sessions(subject_key) WHERE subject_key <> '';

CREATE TABLE subject_credentials (
	subject_key TEXT PRIMARY KEY,
	hash        TEXT NOT NULL,
	issued_at   INTEGER NOT NULL,
	revoked     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE one_time_codes (
	subject_key TEXT PRIMARY KEY,
	hash        TEXT NOT NULL,
	expires_at  INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

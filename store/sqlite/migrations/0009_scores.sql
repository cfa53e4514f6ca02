-- 0009: scores and grades (信用评分与评级, issue 7): scorecard versions as data, each subject's
-- current score per card with the version that produced it, the score history, persons'
-- consents to authorised queries (授权查询) and every use of them.
CREATE TABLE scorecards (
	code         TEXT NOT NULL,
	version      INTEGER NOT NULL,
	published_at INTEGER NOT NULL,
	published_by TEXT NOT NULL,
	body         TEXT NOT NULL,
	PRIMARY KEY (code, version)
) WITHOUT ROWID;

CREATE TABLE scores (
	subject_id  INTEGER NOT NULL,
	card        TEXT NOT NULL,
	version     INTEGER NOT NULL,
	total       INTEGER NOT NULL,
	grade       TEXT NOT NULL,
	capped_by   TEXT NOT NULL DEFAULT '',
	computed_at INTEGER NOT NULL,
	PRIMARY KEY (subject_id, card)
) WITHOUT ROWID;
CREATE INDEX scores_card_grade ON scores(card, grade);

CREATE TABLE score_history (
	id          INTEGER PRIMARY KEY,
	subject_id  INTEGER NOT NULL,
	card        TEXT NOT NULL,
	version     INTEGER NOT NULL,
	total       INTEGER NOT NULL,
	grade       TEXT NOT NULL,
	computed_at INTEGER NOT NULL
);
CREATE INDEX score_history_subject ON score_history(subject_id, card, id);

CREATE TABLE consents (
	id         INTEGER PRIMARY KEY,
	subject_id INTEGER NOT NULL,
	partner    TEXT NOT NULL,
	scope      TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX consents_subject ON consents(subject_id);

CREATE TABLE consent_uses (
	id         INTEGER PRIMARY KEY,
	subject_id INTEGER NOT NULL,
	consent_id INTEGER NOT NULL,
	partner    TEXT NOT NULL,
	actor      TEXT NOT NULL,
	what       TEXT NOT NULL,
	result     TEXT NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX consent_uses_subject ON consent_uses(subject_id, id);

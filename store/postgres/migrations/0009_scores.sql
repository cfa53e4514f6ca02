-- 0009: scores and grades (信用评分与评级, issue 7); the same tables as the SQLite store's
-- 0009_scores.sql. Keys start with the subject where rows belong to one, so they shard with it.
CREATE TABLE scorecards (
	code         text NOT NULL,
	version      integer NOT NULL,
	published_at timestamptz NOT NULL,
	published_by text NOT NULL,
	body         jsonb NOT NULL,
	PRIMARY KEY (code, version)
);

CREATE TABLE scores (
	subject_id  bigint NOT NULL,
	card        text NOT NULL,
	version     integer NOT NULL,
	total       integer NOT NULL,
	grade       text NOT NULL,
	capped_by   text NOT NULL DEFAULT '',
	computed_at timestamptz NOT NULL,
	PRIMARY KEY (subject_id, card)
);
CREATE INDEX scores_card_grade ON scores (card, grade);

CREATE SEQUENCE score_history_ids;
CREATE TABLE score_history (
	subject_id  bigint NOT NULL,
	id          bigint NOT NULL DEFAULT nextval('score_history_ids'),
	card        text NOT NULL,
	version     integer NOT NULL,
	total       integer NOT NULL,
	grade       text NOT NULL,
	computed_at timestamptz NOT NULL,
	PRIMARY KEY (subject_id, id)
);
ALTER SEQUENCE score_history_ids OWNED BY score_history.id;

CREATE SEQUENCE consent_ids;
CREATE TABLE consents (
	id         bigint PRIMARY KEY DEFAULT nextval('consent_ids'),
	subject_id bigint NOT NULL,
	partner    text NOT NULL,
	scope      text NOT NULL,
	purpose    text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz
);
ALTER SEQUENCE consent_ids OWNED BY consents.id;
CREATE INDEX consents_subject ON consents (subject_id);

CREATE SEQUENCE consent_use_ids;
CREATE TABLE consent_uses (
	subject_id bigint NOT NULL,
	id         bigint NOT NULL DEFAULT nextval('consent_use_ids'),
	consent_id bigint NOT NULL,
	partner    text NOT NULL,
	actor      text NOT NULL,
	what       text NOT NULL,
	result     text NOT NULL,
	at         timestamptz NOT NULL,
	PRIMARY KEY (subject_id, id)
);
ALTER SEQUENCE consent_use_ids OWNED BY consent_uses.id;

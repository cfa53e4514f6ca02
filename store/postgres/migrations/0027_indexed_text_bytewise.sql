-- 0027: every indexed text column compares bytewise (COLLATE "C").
--
-- 0026 did this for the record key, subjects.key and subject_aliases.alias. The other indexed
-- text columns still compared through the database's collation: strcoll (libc) or ICU on every
-- index comparison. In a database created with a Chinese ICU locale (zh-Hans-CN), inserting
-- 100,000 organisations' name grams into subject_search's GIN index took 2.1–2.5 times as long
-- as with "C" (docs/performance.md, fourteenth session). The platform only looks these columns
-- up by equality (and grams by array containment), which is the same under every deterministic
-- collation, so no answer changes; where a query orders by one of them (user names, codes), the
-- order becomes the code-point order SQLite gives. No table is rewritten: a collation change of
-- a text column rebuilds only the indexes on it, and drops the column's statistics, so the
-- tables are analysed again at the end (search reads subject_search's gram statistics).
-- store/postgres's TestIndexedTextBytewise keeps new indexed text columns to this rule.
ALTER TABLE subjects ALTER COLUMN name_norm TYPE text COLLATE "C";
ALTER TABLE subject_search ALTER COLUMN grams TYPE text[] COLLATE "C";
ALTER TABLE rejects
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN item TYPE text COLLATE "C",
	ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE batches
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN item TYPE text COLLATE "C",
	ALTER COLUMN file_hash TYPE text COLLATE "C";
ALTER TABLE record_status
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN item TYPE text COLLATE "C",
	ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE cases
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN item TYPE text COLLATE "C",
	ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE list_entries
	ALTER COLUMN list_type TYPE text COLLATE "C",
	ALTER COLUMN source_id TYPE text COLLATE "C",
	ALTER COLUMN subject_key TYPE text COLLATE "C",
	ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE list_batches ALTER COLUMN list_type TYPE text COLLATE "C";
ALTER TABLE joint_list_types ALTER COLUMN code TYPE text COLLATE "C";
ALTER TABLE joint_measures ALTER COLUMN code TYPE text COLLATE "C";
ALTER TABLE checks
	ALTER COLUMN month TYPE text COLLATE "C",
	ALTER COLUMN dept TYPE text COLLATE "C";
ALTER TABLE check_measures
	ALTER COLUMN month TYPE text COLLATE "C",
	ALTER COLUMN measure TYPE text COLLATE "C";
ALTER TABLE query_log
	ALTER COLUMN subject_key TYPE text COLLATE "C",
	ALTER COLUMN actor TYPE text COLLATE "C";
ALTER TABLE scorecards ALTER COLUMN code TYPE text COLLATE "C";
ALTER TABLE scores
	ALTER COLUMN card TYPE text COLLATE "C",
	ALTER COLUMN grade TYPE text COLLATE "C";
ALTER TABLE tasks
	ALTER COLUMN change_id TYPE text COLLATE "C",
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN status TYPE text COLLATE "C",
	ALTER COLUMN subject_key TYPE text COLLATE "C";
ALTER TABLE outbox
	ALTER COLUMN msg_id TYPE text COLLATE "C",
	ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE subscriptions
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN target_key TYPE text COLLATE "C",
	ALTER COLUMN target TYPE text COLLATE "C";
ALTER TABLE webhook_deliveries
	ALTER COLUMN change_id TYPE text COLLATE "C",
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE users
	ALTER COLUMN username TYPE text COLLATE "C",
	ALTER COLUMN dept TYPE text COLLATE "C";
ALTER TABLE sessions
	ALTER COLUMN key TYPE text COLLATE "C",
	ALTER COLUMN subject_key TYPE text COLLATE "C";
ALTER TABLE login_failures ALTER COLUMN username TYPE text COLLATE "C";
ALTER TABLE api_tokens
	ALTER COLUMN hash TYPE text COLLATE "C",
	ALTER COLUMN dept TYPE text COLLATE "C";
ALTER TABLE subject_credentials ALTER COLUMN subject_key TYPE text COLLATE "C";
ALTER TABLE one_time_codes ALTER COLUMN subject_key TYPE text COLLATE "C";
ALTER TABLE code_exceptions ALTER COLUMN code TYPE text COLLATE "C";
ALTER TABLE counters ALTER COLUMN name TYPE text COLLATE "C";
ALTER TABLE departments ALTER COLUMN code TYPE text COLLATE "C";
ALTER TABLE meta ALTER COLUMN name TYPE text COLLATE "C";
ANALYZE subjects, subject_search, rejects, batches, record_status, cases, list_entries, list_batches, joint_list_types,
	joint_measures, checks, check_measures, query_log, scorecards, scores, tasks, outbox, subscriptions, webhook_deliveries,
	users, sessions, login_failures, api_tokens, subject_credentials, one_time_codes, code_exceptions, counters, departments,
	meta;

-- 0022: the expiry job finds ended publications through publication_ends, which it fills itself
-- from records newer than its watermark (publication_ends_mark), instead of a partial index on
-- records that every import had to keep up to date. An existing store's records are taken in
-- by the job's first run after the upgrade, from the first record on, a chunk per transaction.
DROP INDEX IF EXISTS records_pub_until;
CREATE TABLE publication_ends (
	until     timestamptz NOT NULL,
	record_id bigint NOT NULL,
	PRIMARY KEY (until, record_id)
);
CREATE TABLE publication_ends_mark (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_id bigint NOT NULL
);

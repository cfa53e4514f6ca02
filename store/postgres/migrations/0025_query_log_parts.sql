-- 0025: the query log's subject index in parts of 2^19 entries by id (store.QueryLogPartBits):
-- a check's entry goes into the small tree of the newest part, not at a random leaf of one
-- tree as large as the log. On a large log this migration rebuilds the index once
-- (13 s for ten million entries on a 2-core test machine).
DROP INDEX query_log_subject;
CREATE INDEX query_log_subject ON query_log ((id >> 19), subject_key, id);

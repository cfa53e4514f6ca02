-- 0023: no query reads the check log by subject (a subject's access history is the query log,
-- which has its own index by subject), so checks_subject only cost every logged window check
-- one more B-tree insert at a random key.
DROP INDEX IF EXISTS checks_subject;

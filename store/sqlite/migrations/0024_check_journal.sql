-- 0024: how far the tables hold the window checks' journal (checklog.go): the generation of
-- the journal file and the offset in it up to which every group is in checks, check_measures
-- and query_log. One row, written in the same transaction as the groups it records. token
-- names this database in the header of its journal files, so that files left by another
-- database at the same path are not taken for its own. This store's own bookkeeping: never
-- copied to another store.
CREATE TABLE check_journal (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	gen   INTEGER NOT NULL,
	pos   INTEGER NOT NULL,
	token TEXT NOT NULL
);

-- 0024: the window checks' journal (checklog.go). token names this database in the header of
-- its journal files, so that files another database left at the same path are not taken for
-- its own; reserved is the last check id handed out in blocks to the processes that log
-- checks through a journal (and to batch verification), so no two of them give the same id.
-- One row. This store's own bookkeeping: never copied to another store.
CREATE TABLE check_journal (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	token    TEXT NOT NULL,
	reserved INTEGER NOT NULL
);

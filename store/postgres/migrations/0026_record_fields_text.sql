-- 0026: records.fields as text, and the import path's key columns compared byte by byte.
--
-- fields held jsonb. No query reads inside it (the store decodes it in Go), but every COPY made
-- the server parse each record's JSON and sort its keys: about a quarter of the server's CPU in
-- a bulk load. As text it is stored as the importer wrote it, the same bytes SQLite keeps.
--
-- The record key (dept, item, source_id) and the subject and alias keys are codes, not words:
-- COLLATE "C" compares them with memcmp instead of the database's locale (strcoll on every
-- B-tree step under en_US.UTF-8 or zh_CN.UTF-8), and orders them as SQLite does. Equality is
-- unchanged under any deterministic collation.
--
-- The first statement rewrites records and rebuilds its indexes (see docs/operations.md,
-- "Upgrade", for the time it takes); the others rebuild an index each.
ALTER TABLE records
	ALTER COLUMN fields TYPE text USING fields::text,
	ALTER COLUMN dept TYPE text COLLATE "C",
	ALTER COLUMN item TYPE text COLLATE "C",
	ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE subjects ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE subject_aliases ALTER COLUMN alias TYPE text COLLATE "C";

-- 0021: name search moves to a narrow table of its own (issue 4, search at scale).
--
-- At 1,000,000 organisations the GIN indexes on subjects answered badly: a bitmap scan cannot
-- stop early, so a common fragment read every match; the planner's trigram estimates are
-- rough for Chinese names (pg_trgm splits words at brackets, so "胜(文登" yielded 163,000
-- candidates for 61 matches), and every candidate visited a wide subjects row. This table holds
-- only what search reads: the id, the search text (normalised current and former names of an
-- organisation; natural persons have no row) and its grams — single characters and adjacent
-- pairs — under one GIN index. The store asks it for the rare grams of a query only (the
-- planner's most-common-element statistics say which are common), or walks it in id order for
-- a common query; see reader.SearchSubjects. The trigram index is no longer needed.
CREATE TABLE subject_search (
	id          bigint PRIMARY KEY,
	search_text text NOT NULL,
	grams       text[] NOT NULL
);
INSERT INTO subject_search (id, search_text, grams)
	SELECT id, search_text, coalesce(grams, '{}') FROM subjects WHERE search_text IS NOT NULL;
CREATE INDEX subject_search_grams ON subject_search USING gin (grams);
-- More most-common elements than the default 100 × 10, so "common" is told apart from "rare"
-- further down the frequency list.
ALTER TABLE subject_search ALTER COLUMN grams SET STATISTICS 1000;
DROP INDEX subjects_search;
DROP INDEX subjects_grams;
ALTER TABLE subjects DROP COLUMN grams, DROP COLUMN search_text;
-- Search reads the common grams from the statistics: have them at once.
ANALYZE subject_search;

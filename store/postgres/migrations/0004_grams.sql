-- 0004: one- and two-character name search. pg_trgm has no trigram for such queries, so each
-- organisation also keeps the set of its names' single characters and adjacent pairs (grams),
-- GIN-indexed: "华为" is then `grams @> ARRAY['华为']`, an index look-up instead of a scan.
ALTER TABLE subjects ADD COLUMN grams text[];

UPDATE subjects s SET grams = (
	SELECT array_agg(DISTINCT g) FROM (
		SELECT substr(s.search_text, i, 1) AS g FROM generate_series(1, length(s.search_text)) AS i
		UNION
		SELECT substr(s.search_text, i, 2) FROM generate_series(1, length(s.search_text) - 1) AS i
	) AS x WHERE g !~ '\s'
) WHERE s.search_text IS NOT NULL;

CREATE INDEX subjects_grams ON subjects USING gin (grams);

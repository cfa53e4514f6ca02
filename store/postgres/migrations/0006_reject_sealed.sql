-- 0006: rejected rows may carry personal information; the importer seals their values.
ALTER TABLE rejects ADD COLUMN sealed bytea;

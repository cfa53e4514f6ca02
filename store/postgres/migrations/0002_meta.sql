-- 0002: platform settings kept with the data (e.g. the fingerprint of the master key).
CREATE TABLE meta (
	name  text PRIMARY KEY,
	value text NOT NULL
);

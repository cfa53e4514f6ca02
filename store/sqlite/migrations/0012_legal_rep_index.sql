-- 0012: the window check reaches a person through the organisations it represents (落实到人,
-- issue 5): organisations by their legal representative, in one indexed look-up.
CREATE INDEX subjects_legal_rep ON subjects (legal_rep_id);

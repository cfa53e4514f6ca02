-- 0017: an approved credit repair also removes the entries it justifies from the lists whose
-- rules allow it (credit.ListType.RepairRemoves). Stores seeded before the field existed get
-- it on the two default lists that allow it; an operator's own edits of other lists are kept.
UPDATE joint_list_types SET body = (body::jsonb || '{"repair_removes": true}'::jsonb)::text
WHERE code IN ('black_list', 'focus_list');

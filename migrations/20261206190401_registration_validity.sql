-- Validity (issue 21 item 2): the register entry shows the last day a
-- registration is valid; NULL for qualifications whose registrations do
-- not expire (and for entries written before this column existed, until a
-- rebuild of the register view fills them from the events).
ALTER TABLE register ADD COLUMN valid_until date;

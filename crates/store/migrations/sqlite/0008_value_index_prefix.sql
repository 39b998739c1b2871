-- a btree index entry must fit in a third of a page (about 2.7 kb on postgresql), so indexing
-- whole property values made any longer value (a long call note) fail to insert. the value
-- indexes now hold the first 256 characters of each value (at most about 1 kb): queries find
-- candidates by that prefix and then compare the whole value, so equality searches and the
-- idProperty lookup stay index scans and mean what they meant. both backends keep the same
-- indexes so that they run the same queries.
drop index crm_property_value_by_value;
drop index crm_property_value_by_text;
create index crm_property_value_by_value on crm_property_value (name, substr(value, 1, 256));
create index crm_property_value_by_text on crm_property_value (name, substr(lower(value), 1, 256));

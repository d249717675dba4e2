-- The catalogue is data: catalogue/catalogue.json, published as the
-- `CataloguePublished` event of the catalogue stream. Migrations carry no
-- catalogue rows any more; `qualifications`, `qualification_ministries` and
-- `ministries` are derived from the event at start (upserted, never deleted,
-- for the foreign keys). Fee schedules live in the document only, so the
-- table of fixed fees goes.
DROP TABLE qualification_procedures;

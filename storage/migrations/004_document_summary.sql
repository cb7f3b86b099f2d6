-- A transcript page's own digest before the call (takeaways, risks, summary): kept with the
-- document for readers, never among the turns, so its boilerplate stays out of the series.
ALTER TABLE documents ADD COLUMN summary VARCHAR;

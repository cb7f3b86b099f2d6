-- Where a document's published_at comes from, so that dates the crawler had to guess can be found:
--   feed      the feed item's date
--   document  a date the page or the transcript gives itself (its metadata, header, file name, or
--             what the call says: "as of today, November 20, 2024")
--   file      none given: the file's modification time
--   fetched   none given: the day it was fetched
-- NULL: stored before hypewatch recorded it, or imported from a lake that does not say.
--   SELECT source, dated_by, count(*) FROM documents GROUP BY ALL
ALTER TABLE documents ADD COLUMN dated_by VARCHAR;

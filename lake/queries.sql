-- The Parquet lake: what `hypewatch export` reads and `hypewatch import` writes.
-- A document's day is the UTC day of published_at, as in the series views; NULL = undated.

-- name: day_fingerprints
-- Per day, what export compares with its last run: a day whose documents were added, fetched
-- again, scored again or changed status gets another fingerprint.
SELECT CAST(timezone('UTC', published_at) AS DATE) AS day,
       count(*) AS n_documents,
       bit_xor(hash(doc_id, status, fetched_at, scored_by, scored_at)) AS fingerprint
FROM documents
WHERE $all OR CAST(timezone('UTC', published_at) AS DATE) IN (SELECT unnest($days))
   OR ($undated AND published_at IS NULL)
GROUP BY ALL;

-- name: export_documents
SELECT d.*, CAST(timezone('UTC', d.published_at) AS DATE) AS day
FROM documents d
WHERE CAST(timezone('UTC', d.published_at) AS DATE) IN (SELECT unnest($days))
   OR ($undated AND d.published_at IS NULL)
ORDER BY day, d.doc_id;

-- name: export_turns
SELECT t.*, CAST(timezone('UTC', d.published_at) AS DATE) AS day
FROM turns t JOIN documents d USING (doc_id)
WHERE CAST(timezone('UTC', d.published_at) AS DATE) IN (SELECT unnest($days))
   OR ($undated AND d.published_at IS NULL)
ORDER BY day, t.doc_id, t.turn_no;

-- name: export_sentences
SELECT s.*, CAST(timezone('UTC', d.published_at) AS DATE) AS day
FROM sentences s JOIN documents d USING (doc_id)
WHERE CAST(timezone('UTC', d.published_at) AS DATE) IN (SELECT unnest($days))
   OR ($undated AND d.published_at IS NULL)
ORDER BY day, s.doc_id, s.sent_no;

-- name: export_doc_scores
SELECT c.*, CAST(timezone('UTC', d.published_at) AS DATE) AS day
FROM doc_scores c JOIN documents d USING (doc_id)
WHERE CAST(timezone('UTC', d.published_at) AS DATE) IN (SELECT unnest($days))
   OR ($undated AND d.published_at IS NULL)
ORDER BY day, c.doc_id;

-- name: stage_documents
-- One slice of the lake (some day partitions) goes into temp tables first, a row per key however
-- often its files hold it (a document scored twice into one folder).
CREATE TEMP TABLE lake_documents AS
SELECT DISTINCT ON (doc_id) * FROM read_parquet($files, union_by_name = true, hive_partitioning = false) ORDER BY doc_id, scored_at DESC;

-- name: stage_documents_dated_by
-- A lake written before documents said where their date came from.
ALTER TABLE lake_documents ADD COLUMN IF NOT EXISTS dated_by VARCHAR;

-- name: stage_turns
CREATE TEMP TABLE lake_turns AS
SELECT DISTINCT ON (doc_id, turn_no) * FROM read_parquet($files, union_by_name = true, hive_partitioning = false) ORDER BY doc_id, turn_no;

-- name: stage_no_turns
CREATE TEMP TABLE lake_turns AS SELECT * FROM turns LIMIT 0;

-- name: stage_sentences
-- `batch` and `ids`: the names doc_scores_of_batch (storage/queries.sql) reads.
CREATE TEMP TABLE batch AS
SELECT DISTINCT ON (doc_id, sent_no) doc_id, sent_no, turn_no, text, language, label, p_hype, p_skeptic,
       p_neutral, fatigue, p_fatigue, model
FROM read_parquet($files, union_by_name = true, hive_partitioning = false) ORDER BY doc_id, sent_no;

-- name: stage_no_sentences
CREATE TEMP TABLE batch AS SELECT * FROM sentences LIMIT 0;

-- name: stage_ids
-- The documents the slice brings scores for.
CREATE TEMP TABLE ids AS SELECT doc_id, scored_by, scored_at FROM lake_documents WHERE scored_by IS NOT NULL;

-- name: drop_stage
DROP TABLE lake_documents; DROP TABLE lake_turns; DROP TABLE batch; DROP TABLE ids;

-- name: import_new_documents
-- Documents the database does not have; one it has keeps its row (the crawl's is the richer).
-- Parquet from elsewhere may leave out what the crawler always knows: filled in here.
INSERT INTO documents BY NAME
SELECT l.doc_id,
       coalesce(l.source, $source) AS source,
       coalesce(l.kind, CASE WHEN l.doc_id IN (SELECT doc_id FROM lake_turns) THEN 'transcripts' ELSE 'news' END) AS kind,
       coalesce(l.url, 'urn:hypewatch:' || l.doc_id) AS url,
       l.title, l.published_at, coalesce(l.fetched_at, $now) AS fetched_at, l.language, l.tickers, l.text,
       l.author, coalesce(l.status, 'ok') AS status, l.duplicate_of, l.stub_reason, l.company,
       l.fiscal_period, l.summary, l.dated_by,
       -- a call's own ticker: not in every lake; where the call names one ticker, it is that one
       CASE WHEN len(l.tickers) = 1 THEN l.tickers[1] END AS ticker
FROM lake_documents l
ANTI JOIN documents d USING (doc_id);

-- name: import_turns
-- Turns of documents that have none in the database yet.
INSERT INTO turns BY NAME
SELECT l.doc_id, l.turn_no, l.speaker, coalesce(l.role, 'other') AS role,
       coalesce(l.section, 'prepared') AS section, l.text
FROM lake_turns l
WHERE l.doc_id NOT IN (SELECT doc_id FROM turns);

-- name: import_delete_sentences
DELETE FROM sentences WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: import_sentences
INSERT INTO sentences BY NAME SELECT b.* FROM batch b SEMI JOIN ids USING (doc_id);

-- name: import_delete_doc_scores
DELETE FROM doc_scores WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: import_mark_scored
-- Their sentences come without topics: the next score stage tags them (tagged_by null).
UPDATE documents d SET scored_by = ids.scored_by, scored_at = coalesce(ids.scored_at, $now), tagged_by = NULL
FROM ids WHERE d.doc_id = ids.doc_id;

-- name: import_counts
-- Before the slice goes in: its documents, those new to the database, those with scores, their sentences.
SELECT (SELECT count(*) FROM lake_documents),
       (SELECT count(*) FROM lake_documents ANTI JOIN documents USING (doc_id)),
       (SELECT count(*) FROM ids),
       (SELECT count(*) FROM batch SEMI JOIN ids USING (doc_id));


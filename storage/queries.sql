-- name: http_cache
SELECT url, etag, last_modified, content_hash, fetched_at, status FROM http_cache;

-- name: delete_http_cache
DELETE FROM http_cache WHERE url IN (SELECT url FROM batch);

-- name: insert_http_cache
INSERT INTO http_cache BY NAME SELECT * FROM batch;

-- name: crawl_retries
SELECT url, source, attempts, next_attempt_at, last_error, status, CAST(item AS VARCHAR) FROM crawl_retries
ORDER BY source, url;

-- name: delete_crawl_retries
DELETE FROM crawl_retries r
WHERE EXISTS (SELECT 1 FROM batch b WHERE b.source = r.source AND b.url = r.url);

-- name: insert_crawl_retries
INSERT INTO crawl_retries BY NAME SELECT * FROM batch;

-- name: source_health
SELECT source, first_run_at, last_run_at, last_new_at, last_ok_at, failing_since, last_error
FROM source_health ORDER BY source;

-- name: update_source_health
-- One crawl's outcome per source ($batch: source, crawled_at, stored, failed_run, last_error). A failed
-- crawl starts a failing streak or goes on with one; any other crawl ends it.
UPDATE source_health h
SET last_run_at = b.crawled_at,
    last_new_at = CASE WHEN b.stored > 0 THEN b.crawled_at ELSE h.last_new_at END,
    last_ok_at = CASE WHEN b.failed_run THEN h.last_ok_at ELSE b.crawled_at END,
    failing_since = CASE WHEN b.failed_run THEN coalesce(h.failing_since, b.crawled_at) END,
    last_error = coalesce(b.last_error, h.last_error)
FROM batch b
WHERE h.source = b.source AND b.crawled_at >= h.last_run_at;

-- name: insert_source_health
INSERT INTO source_health (source, first_run_at, last_run_at, last_new_at, last_ok_at, failing_since, last_error)
SELECT source, crawled_at, crawled_at, CASE WHEN stored > 0 THEN crawled_at END,
       CASE WHEN NOT failed_run THEN crawled_at END, CASE WHEN failed_run THEN crawled_at END, last_error
FROM batch b
WHERE NOT EXISTS (SELECT 1 FROM source_health h WHERE h.source = b.source);

-- name: known_urls
SELECT url, doc_id FROM document_urls;

-- name: known_hashes
SELECT content_hash, doc_id, simhash, published_at FROM documents
WHERE status = 'ok' AND content_hash IS NOT NULL;

-- name: delete_documents
DELETE FROM documents WHERE doc_id IN (SELECT doc_id FROM batch);

-- name: insert_documents
INSERT INTO documents BY NAME SELECT * FROM batch;

-- name: delete_turns
DELETE FROM turns WHERE doc_id IN (SELECT DISTINCT doc_id FROM batch);

-- name: insert_turns
INSERT INTO turns BY NAME SELECT * FROM batch;

-- name: insert_document_urls
INSERT INTO document_urls BY NAME
SELECT b.* FROM batch b
ANTI JOIN document_urls u ON u.doc_id = b.doc_id AND u.url = b.url;

-- name: documents_to_score
-- Stored but not scored by this model (new, changed, or a run killed mid-scoring).
SELECT doc_id, source, kind, url, title, published_at, fetched_at, language, tickers, text,
       company, fiscal_period, ticker
FROM documents
WHERE status = 'ok' AND (scored_by IS NULL OR scored_by NOT IN (SELECT unnest($models)))
ORDER BY fetched_at, doc_id
LIMIT $limit;

-- name: turns_of
SELECT doc_id, turn_no, speaker, role, section, text FROM turns
WHERE doc_id IN (SELECT unnest($doc_ids)) ORDER BY doc_id, turn_no;

-- name: cached_scores
SELECT text_hash, label, p_hype, p_skeptic, p_neutral, fatigue, p_fatigue FROM score_cache
WHERE model = $model AND text_hash IN (SELECT unnest($hashes));

-- name: insert_score_cache
INSERT INTO score_cache BY NAME
SELECT DISTINCT ON (b.text_hash) b.* FROM batch b
ANTI JOIN score_cache c ON c.text_hash = b.text_hash AND c.model = b.model;

-- name: delete_sentences
-- `ids` holds the doc_ids whose sentences `batch` replaces.
DELETE FROM sentences WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: insert_sentences
INSERT INTO sentences BY NAME SELECT * FROM batch;

-- name: delete_doc_scores
DELETE FROM doc_scores WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: doc_scores_of_batch
-- A doc_scores row per doc_id in `ids`, from its sentences in `batch`: no rescan of the sentences
-- table. The one definition of the document measures, for the database and the Parquet lake.
-- Expected counts are the sums of the probabilities over the scored sentences (migration 007);
-- hype_index is the macro of migration 008 (storage.db.measure_macros for a connection without them).
SELECT ids.doc_id,
       count(b.label)                                AS n_sentences,
       count(*) FILTER (WHERE b.label = 'hype')      AS n_hype,
       count(*) FILTER (WHERE b.label = 'skeptic')   AS n_skeptic,
       count(*) FILTER (WHERE b.label = 'neutral')   AS n_neutral,
       count(*) FILTER (WHERE b.fatigue)             AS fatigue_mentions,
       hype_index(count(*) FILTER (WHERE b.label = 'hype'), count(*) FILTER (WHERE b.label = 'skeptic')) AS hype_index,
       coalesce(sum(b.p_hype) FILTER (WHERE b.label IS NOT NULL), 0)    AS expected_hype,
       coalesce(sum(b.p_skeptic) FILTER (WHERE b.label IS NOT NULL), 0) AS expected_skeptic,
       coalesce(sum(b.p_fatigue) FILTER (WHERE b.label IS NOT NULL), 0) AS expected_fatigue
FROM ids LEFT JOIN batch b USING (doc_id)
GROUP BY ids.doc_id;

-- name: mark_scored
UPDATE documents SET scored_by = $model, scored_at = $now, tagged_by = $tagged_by
WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: documents_to_tag
-- Scored, but their sentences' topics are missing (scored before topics existed) or were given
-- by other topic definitions.
SELECT doc_id FROM documents
WHERE status = 'ok' AND scored_by IS NOT NULL AND tagged_by IS DISTINCT FROM $fingerprint
ORDER BY fetched_at, doc_id
LIMIT $limit;

-- name: sentences_of
SELECT doc_id, sent_no, turn_no, text, language FROM sentences
WHERE doc_id IN (SELECT unnest($doc_ids)) ORDER BY doc_id, sent_no;

-- name: update_sentence_tags
UPDATE sentences SET topics = b.topics, ai_mentions = b.ai_mentions
FROM batch b WHERE sentences.doc_id = b.doc_id AND sentences.sent_no = b.sent_no;

-- name: mark_tagged
UPDATE documents SET tagged_by = $fingerprint WHERE doc_id IN (SELECT doc_id FROM ids);

-- name: topic_fingerprints
SELECT DISTINCT fingerprint FROM topic_definitions;

-- name: delete_topic_definitions
DELETE FROM topic_definitions;

-- name: insert_topic_definitions
INSERT INTO topic_definitions BY NAME SELECT * FROM batch;

-- name: next_run_id
SELECT coalesce(max(run_id), 0) + 1 FROM runs;

-- name: insert_run
INSERT INTO runs (run_id, started_at, status, pid) VALUES ($run_id, $started_at, 'running', $pid);

-- name: finish_run
UPDATE runs SET finished_at = $finished_at, status = $status, counts = $counts,
                warnings = $warnings, error = $error
WHERE run_id = $run_id;

-- name: abandon_runs
-- A run killed midway leaves its row 'running'; the next run closes it.
UPDATE runs SET status = 'killed', error = coalesce(error, 'the run stopped before it finished')
WHERE status = 'running';

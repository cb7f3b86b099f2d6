-- Queries of the alerts package, loaded by name with storage.sql.load_queries.
-- A scope is passed as $scope_kind (all | kind | source | ticker) and $scope_value, and, where a
-- query reads sentences, $topic (null: every sentence).

-- name: scope_series
SELECT day, sum(n_docs), sum(n_sentences), sum(n_hype), sum(n_skeptic), sum(fatigue_mentions)
FROM daily_sentiment
WHERE day BETWEEN $start AND $end
  AND ($scope_kind = 'all'
       OR ($scope_kind = 'kind' AND kind = $scope_value)
       OR ($scope_kind = 'source' AND source = $scope_value))
GROUP BY day
ORDER BY day;

-- name: ticker_series
-- ($scope_kind is always 'ticker' here; it is named so both series queries take the same parameters.)
SELECT day, n_docs, n_sentences, n_hype, n_skeptic, fatigue_mentions
FROM ticker_daily
WHERE day BETWEEN $start AND $end AND ticker = $scope_value AND $scope_kind = 'ticker'
ORDER BY day;

-- name: topic_series
-- A topic scope: the topic's sentences of the scope's documents, and as documents those with one.
SELECT day, count(DISTINCT doc_id), count(*), count(*) FILTER (WHERE label = 'hype'),
       count(*) FILTER (WHERE label = 'skeptic'), count(*) FILTER (WHERE fatigue)
FROM sentence_topics
WHERE topic = $topic AND day BETWEEN $start AND $end
  AND ($scope_kind = 'all'
       OR ($scope_kind = 'kind' AND kind = $scope_value)
       OR ($scope_kind = 'source' AND source = $scope_value)
       OR ($scope_kind = 'ticker' AND list_contains(tickers, $scope_value)))
GROUP BY day
ORDER BY day;

-- name: capex_returns_series
-- Sentences about spending ($capex) and about returns ($returns) per day of a scope.
SELECT CAST(timezone('UTC', d.published_at) AS DATE) AS day,
       count(*) FILTER (WHERE list_contains(x.topics, $capex)),
       count(*) FILTER (WHERE list_contains(x.topics, $returns))
FROM sentences x
JOIN documents d USING (doc_id)
WHERE d.status = 'ok' AND x.label IS NOT NULL
  AND CAST(timezone('UTC', d.published_at) AS DATE) BETWEEN $start AND $end
  AND ($topic IS NULL OR list_contains(x.topics, $topic))
  AND ($scope_kind = 'all'
       OR ($scope_kind = 'kind' AND d.kind = $scope_value)
       OR ($scope_kind = 'source' AND d.source = $scope_value)
       OR ($scope_kind = 'ticker' AND list_contains(d.tickers, $scope_value)))
GROUP BY day
ORDER BY day;

-- name: last_alert_days
-- Every alert day per rule and scope, to apply the cooldown.
SELECT rule, scope, day FROM alerts ORDER BY day;

-- name: insert_alert
INSERT INTO alerts (alert_id, rule, scope, metric, day, value, baseline, zscore, status, created_at, detail)
SELECT $alert_id, $rule, $scope, $metric, $day, $value, $baseline, $zscore, 'pending', $created_at, $detail
WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE alert_id = $alert_id);

-- name: pending_alerts
SELECT alert_id, rule, scope, metric, day, value, baseline, zscore, status, CAST(detail AS VARCHAR)
FROM alerts WHERE status = 'pending'
ORDER BY day, rule, scope;

-- name: mark_sent
UPDATE alerts SET status = 'sent', sent_at = $sent_at, error = NULL
WHERE alert_id IN (SELECT unnest($alert_ids)) AND status = 'pending';

-- name: mark_error
UPDATE alerts SET error = $error
WHERE alert_id IN (SELECT unnest($alert_ids)) AND status = 'pending';

-- name: top_sentences
-- The strongest sentences of one kind (hype | skeptic | fatigue) in a scope and span of days:
-- the best one of each document, so one loud article does not fill the list, and each text once,
-- so a boilerplate line repeated across stories shows once.
WITH candidates AS (
    SELECT x.text,
           CASE $category WHEN 'hype' THEN x.p_hype WHEN 'skeptic' THEN x.p_skeptic ELSE x.p_fatigue END
               AS probability,
           d.doc_id, d.source, d.title, d.url,
           CAST(timezone('UTC', d.published_at) AS DATE) AS day
    FROM sentences x
    JOIN documents d USING (doc_id)
    WHERE d.status = 'ok'
      AND CAST(timezone('UTC', d.published_at) AS DATE) BETWEEN $start AND $end
      AND CASE $category WHEN 'hype' THEN x.label = 'hype'
                         WHEN 'skeptic' THEN x.label = 'skeptic'
                         ELSE coalesce(x.fatigue, false) END
      AND ($topic IS NULL OR list_contains(x.topics, $topic))
      AND ($scope_kind = 'all'
           OR ($scope_kind = 'kind' AND d.kind = $scope_value)
           OR ($scope_kind = 'source' AND d.source = $scope_value)
           OR ($scope_kind = 'ticker' AND list_contains(d.tickers, $scope_value)))
),
best_per_doc AS (
    SELECT * FROM candidates
    QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY probability DESC, text) = 1
)
SELECT text, probability, source, title, url, day
FROM best_per_doc
QUALIFY row_number() OVER (PARTITION BY text ORDER BY probability DESC, url) = 1
ORDER BY probability DESC, url
LIMIT $limit;

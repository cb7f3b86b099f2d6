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

-- name: plan_deliveries
-- Each alert still on its way gets a delivery row for a channel that takes its rule and has none
-- yet ($all_rules, or a.rule in $rules). Alerts delivered before a channel was added stay as they were.
INSERT INTO deliveries (alert_id, channel, status, attempts, created_at)
SELECT a.alert_id, $channel, 'pending', 0, $now
FROM alerts a
WHERE a.status = 'pending'
  AND ($all_rules OR a.rule IN (SELECT unnest($rules)))
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.alert_id AND d.channel = $channel);

-- name: abandon_removed_channels
-- A channel taken out of alerts.channels will not send its pending deliveries: they fail, saying so,
-- so their alerts do not wait for ever.
UPDATE deliveries
SET status = 'failed', next_attempt_at = NULL,
    error = 'channel ' || channel || ' is no longer in alerts.channels' || coalesce(' (last error: ' || error || ')', '')
WHERE status = 'pending' AND channel NOT IN (SELECT unnest($channels));

-- name: due_deliveries
-- A channel's pending deliveries whose backoff is over, with their alerts.
SELECT a.alert_id, a.rule, a.scope, a.metric, a.day, a.value, a.baseline, a.zscore, a.status,
       CAST(a.detail AS VARCHAR), d.attempts
FROM deliveries d JOIN alerts a USING (alert_id)
WHERE d.channel = $channel AND d.status = 'pending'
  AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $now)
ORDER BY a.day, a.rule, a.scope;

-- name: mark_sent
UPDATE deliveries SET status = 'sent', sent_at = $sent_at, error = NULL, attempts = attempts + 1,
                      next_attempt_at = NULL
WHERE channel = $channel AND alert_id IN (SELECT unnest($alert_ids)) AND status = 'pending';

-- name: mark_error
-- One failed try: the next one after a gap that doubles each time ($first_gap_s, at most
-- $max_gap_s), and `failed` for good at the $max_attempts-th. (SET reads the old attempts.)
UPDATE deliveries
SET attempts = attempts + 1,
    error = $error,
    status = CASE WHEN attempts + 1 >= $max_attempts THEN 'failed' ELSE 'pending' END,
    next_attempt_at = CASE WHEN attempts + 1 >= $max_attempts THEN NULL
                           ELSE $now + to_seconds(CAST(least($first_gap_s * pow(2, least(attempts, 30)), $max_gap_s) AS BIGINT))
                      END
WHERE channel = $channel AND alert_id IN (SELECT unnest($alert_ids)) AND status = 'pending';

-- name: refresh_alert_status
-- alerts.status sums up its deliveries: pending while any is, failed when one gave up, else sent
-- (sent_at: when the last one got through); error names each channel that has not delivered.
UPDATE alerts SET status = s.status, sent_at = s.sent_at, error = s.error
FROM (
    SELECT alert_id,
           CASE WHEN bool_or(status = 'pending') THEN 'pending'
                WHEN bool_or(status = 'failed') THEN 'failed'
                ELSE 'sent' END AS status,
           CASE WHEN bool_and(status = 'sent') THEN max(sent_at) END AS sent_at,
           string_agg(channel || ': ' || error, '; ' ORDER BY channel)
               FILTER (WHERE status <> 'sent' AND error IS NOT NULL) AS error
    FROM deliveries
    GROUP BY alert_id
) s
WHERE alerts.alert_id = s.alert_id
  AND (alerts.status IS DISTINCT FROM s.status OR alerts.sent_at IS DISTINCT FROM s.sent_at
       OR alerts.error IS DISTINCT FROM s.error);

-- name: stale_alert_days
-- The days of earlier source-stale alerts per source, for their cooldown.
SELECT scope, day FROM alerts WHERE rule = $rule ORDER BY day;

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

-- Everything the HTML report reads. Every query takes the period as $start and $end (DATE, inclusive).

-- name: series
-- One row per series and calendar day of the period, days without documents included (as zeros),
-- with the day's own figures and a trailing 7-day window of them. The window reaches 6 days back
-- before the period, so the first days of the chart are as smooth as the rest.
-- Series: 'all', 'news', 'transcripts' and 'ticker:XYZ' for each ticker in $tickers.
-- *_low / *_high: 95% Wilson intervals (migration 007); expected_*: sums of probabilities.
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM generate_series(CAST($start AS DATE) - 6, CAST($end AS DATE), INTERVAL 1 DAY) AS t(d)
),
per_day AS (
    SELECT day, 'all' AS series, sum(n_docs) AS n_docs, sum(n_sentences) AS n_sentences,
           sum(n_hype) AS n_hype, sum(n_skeptic) AS n_skeptic, sum(fatigue_mentions) AS fatigue_mentions,
           sum(expected_hype) AS expected_hype, sum(expected_skeptic) AS expected_skeptic
    FROM daily_sentiment GROUP BY day
    UNION ALL
    SELECT day, kind, sum(n_docs), sum(n_sentences), sum(n_hype), sum(n_skeptic), sum(fatigue_mentions),
           sum(expected_hype), sum(expected_skeptic)
    FROM daily_sentiment GROUP BY day, kind
    UNION ALL
    SELECT day, 'ticker:' || ticker, n_docs, n_sentences, n_hype, n_skeptic, fatigue_mentions,
           expected_hype, expected_skeptic
    FROM ticker_daily WHERE ticker IN (SELECT unnest($tickers))
),
names AS (
    SELECT unnest(['all', 'news', 'transcripts']) AS series
    UNION ALL
    SELECT 'ticker:' || unnest($tickers)
),
filled AS (
    SELECT n.series, days.day,
           coalesce(p.n_docs, 0) AS n_docs, coalesce(p.n_sentences, 0) AS n_sentences,
           coalesce(p.n_hype, 0) AS n_hype, coalesce(p.n_skeptic, 0) AS n_skeptic,
           coalesce(p.fatigue_mentions, 0) AS fatigue_mentions,
           coalesce(p.expected_hype, 0) AS expected_hype, coalesce(p.expected_skeptic, 0) AS expected_skeptic
    FROM names n CROSS JOIN days LEFT JOIN per_day p ON p.series = n.series AND p.day = days.day
),
windowed AS (
    SELECT *,
           sum(n_sentences) OVER w AS w_sentences,
           sum(n_hype) OVER w AS w_hype,
           sum(n_skeptic) OVER w AS w_skeptic,
           sum(fatigue_mentions) OVER w AS w_fatigue,
           sum(expected_hype) OVER w AS w_expected_hype,
           sum(expected_skeptic) OVER w AS w_expected_skeptic
    FROM filled
    WINDOW w AS (PARTITION BY series ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
)
SELECT series, day, n_docs, n_sentences, n_hype, n_skeptic, fatigue_mentions,
       hype_index(n_hype, n_skeptic)   AS hype_index,
       hype_index_low(n_hype, n_skeptic)         AS hype_index_low,
       hype_index_high(n_hype, n_skeptic)        AS hype_index_high,
       wilson_low(n_hype, n_sentences)                        AS hype_share_low,
       wilson_high(n_hype, n_sentences)                       AS hype_share_high,
       wilson_low(n_skeptic, n_sentences)                     AS skeptic_share_low,
       wilson_high(n_skeptic, n_sentences)                    AS skeptic_share_high,
       hype_index(w_hype, w_skeptic)   AS hype_index_7d,
       hype_index_low(w_hype, w_skeptic)         AS hype_index_7d_low,
       hype_index_high(w_hype, w_skeptic)        AS hype_index_7d_high,
       share(w_hype, w_sentences)                        AS hype_share_7d,
       wilson_low(w_hype, w_sentences)                        AS hype_share_7d_low,
       wilson_high(w_hype, w_sentences)                       AS hype_share_7d_high,
       share(w_skeptic, w_sentences)                     AS skeptic_share_7d,
       wilson_low(w_skeptic, w_sentences)                     AS skeptic_share_7d_low,
       wilson_high(w_skeptic, w_sentences)                    AS skeptic_share_7d_high,
       per_1k(w_fatigue, w_sentences)            AS fatigue_per_1k_7d,
       1000.0 * wilson_low(w_fatigue, w_sentences)            AS fatigue_per_1k_7d_low,
       1000.0 * wilson_high(w_fatigue, w_sentences)           AS fatigue_per_1k_7d_high,
       share(w_expected_hype, w_sentences)               AS expected_hype_share_7d,
       share(w_expected_skeptic, w_sentences)            AS expected_skeptic_share_7d
FROM windowed
WHERE day >= $start
ORDER BY series, day;

-- name: top_tickers
-- The most mentioned tickers of the period, when the caller names none.
SELECT ticker FROM ticker_daily
WHERE day BETWEEN $start AND $end
GROUP BY ticker
ORDER BY sum(n_docs) DESC, ticker
LIMIT $limit;

-- name: tickers_with_data
SELECT DISTINCT ticker FROM ticker_daily
WHERE day BETWEEN $start AND $end AND ticker IN (SELECT unnest($tickers)) AND n_sentences > 0;

-- name: latest_document_day
SELECT max(CAST(timezone('UTC', published_at) AS DATE)) FROM documents WHERE status = 'ok';

-- name: top_sentences
-- The period's strongest hype, skeptic and fatigue sentences. A sentence repeated across
-- documents (boilerplate, syndicated quotes) is shown once, from its strongest occurrence.
WITH period AS (
    SELECT s.text, s.label, s.p_hype, s.p_skeptic, s.fatigue, s.p_fatigue,
           d.source, d.kind, d.url, d.title, d.tickers,
           CAST(timezone('UTC', d.published_at) AS DATE) AS day,
           t.speaker, t.role
    FROM sentences s
    JOIN documents d USING (doc_id)
    LEFT JOIN turns t USING (doc_id, turn_no)
    WHERE d.status = 'ok'
      AND CAST(timezone('UTC', d.published_at) AS DATE) BETWEEN $start AND $end
),
picked AS (
    SELECT 'hype' AS list, p_hype AS strength, * FROM period WHERE label = 'hype'
    UNION ALL
    SELECT 'skeptic', p_skeptic, * FROM period WHERE label = 'skeptic'
    UNION ALL
    SELECT 'fatigue', p_fatigue, * FROM period WHERE fatigue
),
unique_texts AS (
    SELECT * FROM picked
    QUALIFY row_number() OVER (PARTITION BY list, lower(text) ORDER BY strength DESC, day DESC) = 1
)
SELECT list, strength, text, source, kind, url, title, tickers, day, speaker, role
FROM unique_texts
QUALIFY row_number() OVER (PARTITION BY list ORDER BY strength DESC, day DESC, text) <= $limit
ORDER BY list, strength DESC, day DESC, text;

-- name: calls
-- Per earnings call: the tone of management against analysts, and of prepared remarks against Q&A.
SELECT c.doc_id,
       any_value(c.company)       AS company,
       any_value(c.tickers)       AS tickers,
       any_value(c.fiscal_period) AS fiscal_period,
       any_value(c.call_date)     AS call_date,
       any_value(d.url)           AS url,
       any_value(d.title)         AS title,
       hype_index(sum(c.n_hype) FILTER (WHERE c.role = 'executive'), sum(c.n_skeptic) FILTER (WHERE c.role = 'executive')) AS management,
       hype_index(sum(c.n_hype) FILTER (WHERE c.role = 'analyst'), sum(c.n_skeptic) FILTER (WHERE c.role = 'analyst')) AS analysts,
       hype_index(sum(c.n_hype) FILTER (WHERE c.section = 'prepared'), sum(c.n_skeptic) FILTER (WHERE c.section = 'prepared')) AS prepared,
       hype_index(sum(c.n_hype) FILTER (WHERE c.section = 'qa'), sum(c.n_skeptic) FILTER (WHERE c.section = 'qa')) AS qa,
       sum(c.n_sentences)         AS n_sentences,
       sum(c.fatigue_mentions)    AS fatigue_mentions,
       any_value(w.hype_index)      AS hype_index,
       any_value(w.hype_index_low)  AS hype_index_low,
       any_value(w.hype_index_high) AS hype_index_high
FROM call_tone c
JOIN documents d USING (doc_id)
JOIN call_sentiment w USING (doc_id)
WHERE c.call_date BETWEEN $start AND $end
GROUP BY c.doc_id
ORDER BY call_date DESC, company, c.doc_id
LIMIT $limit;

-- name: alerts
-- The period's alerts, and any not delivered (still waiting, or given up) whatever their day. `clears`:
-- whether the window's interval clears the baseline's (null for alerts stored before intervals were).
SELECT rule, scope, metric, day, value, baseline, zscore, status, error,
       CAST(json_extract(detail, '$.clears') AS BOOLEAN) AS clears
FROM alerts
WHERE day BETWEEN $start AND $end OR status IN ('pending', 'failed')
ORDER BY day DESC, rule, scope;

-- name: undelivered
-- Deliveries that did not get through: failed for good, or pending after a failed try.
SELECT d.alert_id, a.rule, a.scope, a.day, d.channel, d.status, d.attempts, d.error, d.next_attempt_at
FROM deliveries d JOIN alerts a USING (alert_id)
WHERE d.status = 'failed' OR (d.status = 'pending' AND d.error IS NOT NULL)
ORDER BY d.status, a.day DESC, d.channel, d.alert_id
LIMIT $limit;

-- name: runs
SELECT run_id, started_at, finished_at, status, counts, warnings, error
FROM runs
ORDER BY run_id DESC
LIMIT $limit;

-- name: topic_names
-- The topics in use, in the config's order (a topic no longer defined but still stored comes last).
SELECT name, description, position FROM topic_definitions
UNION ALL
SELECT DISTINCT topic, NULL, NULL FROM topic_daily WHERE topic NOT IN (SELECT name FROM topic_definitions)
ORDER BY 3 NULLS LAST, 1;

-- name: topic_weeks
-- Per topic and week (weeks start on Monday) of the period: its sentences and their tone.
SELECT topic, CAST(date_trunc('week', day) AS DATE) AS week,
       sum(n_sentences) AS n_sentences, sum(n_hype) AS n_hype, sum(n_skeptic) AS n_skeptic
FROM topic_daily
WHERE day BETWEEN $start AND $end
GROUP BY ALL
ORDER BY topic, week;

-- name: topic_mix
-- The last $calls_per_company calls of each company in the period: per topic, the share of the
-- call's scored sentences about it and their tone.
WITH calls AS (
    SELECT doc_id, coalesce(ticker, company) AS company_key, fiscal_period,
           CAST(timezone('UTC', published_at) AS DATE) AS call_date
    FROM documents
    WHERE kind = 'transcripts' AND status = 'ok'
      AND CAST(timezone('UTC', published_at) AS DATE) BETWEEN $start AND $end
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY company_key ORDER BY call_date DESC, doc_id DESC) AS recency,
           max(call_date) OVER (PARTITION BY company_key) AS company_latest
    FROM calls
),
sizes AS (
    SELECT doc_id, count(*) AS n_sentences FROM sentences
    WHERE label IS NOT NULL AND doc_id IN (SELECT doc_id FROM ranked WHERE recency <= $calls_per_company)
    GROUP BY doc_id
)
SELECT r.doc_id, r.company_key, r.fiscal_period, r.call_date, z.n_sentences, t.topic,
       count(t.sent_no)                              AS n_topic,
       count(*) FILTER (WHERE t.label = 'hype')      AS n_hype,
       count(*) FILTER (WHERE t.label = 'skeptic')   AS n_skeptic
FROM ranked r
JOIN sizes z USING (doc_id)
LEFT JOIN sentence_topics t USING (doc_id)
WHERE r.recency <= $calls_per_company
GROUP BY r.doc_id, r.company_key, r.fiscal_period, r.call_date, r.company_latest, z.n_sentences, t.topic
ORDER BY r.company_latest DESC, r.company_key, r.call_date DESC, t.topic;

-- name: calls_qoq
-- Each company's latest call in the period against its previous call: the hype index of
-- management's prepared remarks, of management in the Q&A and of the analysts, and each call's
-- capex-versus-returns mention gap.
WITH in_period AS (
    SELECT * FROM call_tone_qoq WHERE call_date BETWEEN $start AND $end
),
-- The latest is the call no other call of the period follows, in the view's order of calls (by
-- fiscal period where a company's calls all have one), not the latest date: old calls crawled in
-- one run share a date.
latest AS (
    SELECT * FROM in_period
    WHERE doc_id NOT IN (SELECT prev_doc_id FROM in_period WHERE prev_doc_id IS NOT NULL)
),
per_call AS (
    SELECT company_key, any_value(doc_id) AS doc_id, any_value(fiscal_period) AS fiscal_period,
           any_value(call_date) AS call_date, any_value(prev_fiscal_period) AS prev_fiscal_period,
           any_value(prev_call_date) AS prev_call_date,
           any_value(hype_index) FILTER (WHERE role = 'executive' AND section = 'prepared')      AS prepared,
           any_value(prev_hype_index) FILTER (WHERE role = 'executive' AND section = 'prepared') AS prev_prepared,
           any_value(hype_index) FILTER (WHERE role = 'executive' AND section = 'qa')            AS management_qa,
           any_value(prev_hype_index) FILTER (WHERE role = 'executive' AND section = 'qa')       AS prev_management_qa,
           any_value(hype_index) FILTER (WHERE role = 'analyst')                                 AS analysts,
           any_value(prev_hype_index) FILTER (WHERE role = 'analyst')                            AS prev_analysts
    FROM latest
    GROUP BY company_key
),
gaps AS (
    SELECT ticker, fiscal_period, mention_gap FROM capex_vs_returns
)
SELECT p.company_key, p.fiscal_period, p.call_date, p.prev_fiscal_period, p.prev_call_date,
       p.prepared, p.prev_prepared, p.management_qa, p.prev_management_qa, p.analysts, p.prev_analysts,
       g.mention_gap, pg.mention_gap AS prev_mention_gap
FROM per_call p
LEFT JOIN gaps g ON g.ticker = p.company_key
     AND g.fiscal_period = coalesce(p.fiscal_period, 'CY' || year(p.call_date) || ' Q' || quarter(p.call_date))
LEFT JOIN gaps pg ON pg.ticker = p.company_key
     AND pg.fiscal_period = coalesce(p.prev_fiscal_period, 'CY' || year(p.prev_call_date) || ' Q' || quarter(p.prev_call_date))
ORDER BY p.call_date DESC, p.company_key
LIMIT $limit;

-- The series with their uncertainty, and expected counts beside label counts.
--
-- Intervals: 95% Wilson score intervals, treating a day's sentences as independent draws (they are
-- not quite: sentences of one story lean together, so the true uncertainty is somewhat wider;
-- alerts widen their intervals by the day-to-day dispersion they measure, see alerts/stats.py).
-- hype_index = 2q - 1 where q = hype / (hype + skeptic), so its interval is the Wilson interval of
-- q given the number of stance sentences, mapped the same way. fatigue_per_1k is 1,000 x the share
-- of sentences flagged. The macros wilson_low / wilson_high are there for your own roll-ups too:
--   SELECT date_trunc('week', day), wilson_low(sum(n_hype), sum(n_sentences)) FROM daily_sentiment GROUP BY 1
--
-- Expected counts: the sums of the model's probabilities (p_hype, p_skeptic, p_fatigue) over the
-- scored sentences, the count a calibrated model expects; label counts count argmax decisions.

-- z = 1.959963984540054, the 97.5% normal quantile (alerts/stats.py: Z); k and n as DOUBLE, so a
-- big day's n * n cannot overflow an integer.
CREATE MACRO wilson_bound(k, n, side) AS
    CASE WHEN n > 0 THEN least(1.0, greatest(0.0,
        (k / n + 1.959963984540054 ^ 2 / (2 * n)
         + side * 1.959963984540054 * sqrt(greatest(k / n * (1 - k / n), 0) / n + 1.959963984540054 ^ 2 / (4 * n * n)))
        / (1 + 1.959963984540054 ^ 2 / n))) END;

CREATE MACRO wilson_low(k, n) AS wilson_bound(CAST(k AS DOUBLE), CAST(n AS DOUBLE), -1);

CREATE MACRO wilson_high(k, n) AS wilson_bound(CAST(k AS DOUBLE), CAST(n AS DOUBLE), 1);

ALTER TABLE doc_scores ADD COLUMN expected_hype DOUBLE;
ALTER TABLE doc_scores ADD COLUMN expected_skeptic DOUBLE;
ALTER TABLE doc_scores ADD COLUMN expected_fatigue DOUBLE;

UPDATE doc_scores
SET expected_hype = coalesce(e.expected_hype, 0),
    expected_skeptic = coalesce(e.expected_skeptic, 0),
    expected_fatigue = coalesce(e.expected_fatigue, 0)
FROM (
    SELECT ids.doc_id, sum(x.p_hype) AS expected_hype, sum(x.p_skeptic) AS expected_skeptic,
           sum(x.p_fatigue) AS expected_fatigue
    FROM (SELECT DISTINCT doc_id FROM doc_scores) ids
    LEFT JOIN sentences x ON x.doc_id = ids.doc_id AND x.label IS NOT NULL
    GROUP BY ids.doc_id
) e
WHERE doc_scores.doc_id = e.doc_id;

-- Every column of 002's views stays, in its place; the new ones follow. Each row's figures come
-- from its sums, computed once.
CREATE OR REPLACE VIEW daily_sentiment AS
WITH sums AS (
SELECT
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS day,
    d.kind,
    d.source,
    CAST(count(*) AS BIGINT)                                           AS n_docs,
    CAST(sum(s.n_sentences) AS BIGINT)                                  AS n_sentences,
    CAST(sum(s.n_hype) AS BIGINT)                                       AS n_hype,
    CAST(sum(s.n_skeptic) AS BIGINT)                                    AS n_skeptic,
    CAST(sum(s.fatigue_mentions) AS BIGINT)                             AS fatigue_mentions,
    sum(s.expected_hype)                                               AS expected_hype,
    sum(s.expected_skeptic)                                            AS expected_skeptic,
    sum(s.expected_fatigue)                                            AS expected_fatigue
FROM documents d
JOIN doc_scores s USING (doc_id)
WHERE d.status = 'ok' AND d.published_at IS NOT NULL
GROUP BY ALL
)
SELECT day, kind, source, n_docs, n_sentences, n_hype, n_skeptic,
    n_hype / nullif(n_sentences, 0)                                    AS hype_share,
    n_skeptic / nullif(n_sentences, 0)                                 AS skeptic_share,
    (n_hype - n_skeptic) / nullif(n_hype + n_skeptic, 0)               AS hype_index,
    fatigue_mentions,
    1000.0 * fatigue_mentions / nullif(n_sentences, 0)                 AS fatigue_per_1k,
    wilson_low(n_hype, n_sentences)                                    AS hype_share_low,
    wilson_high(n_hype, n_sentences)                                   AS hype_share_high,
    wilson_low(n_skeptic, n_sentences)                                 AS skeptic_share_low,
    wilson_high(n_skeptic, n_sentences)                                AS skeptic_share_high,
    2 * wilson_low(n_hype, n_hype + n_skeptic) - 1                     AS hype_index_low,
    2 * wilson_high(n_hype, n_hype + n_skeptic) - 1                    AS hype_index_high,
    1000.0 * wilson_low(fatigue_mentions, n_sentences)                 AS fatigue_per_1k_low,
    1000.0 * wilson_high(fatigue_mentions, n_sentences)                AS fatigue_per_1k_high,
    expected_hype,
    expected_skeptic,
    expected_fatigue,
    expected_hype / nullif(n_sentences, 0)                             AS expected_hype_share,
    expected_skeptic / nullif(n_sentences, 0)                          AS expected_skeptic_share,
    (expected_hype - expected_skeptic) / nullif(expected_hype + expected_skeptic, 0) AS expected_hype_index,
    1000.0 * expected_fatigue / nullif(n_sentences, 0)                 AS expected_fatigue_per_1k
FROM sums;

CREATE OR REPLACE VIEW ticker_daily AS
WITH sums AS (
SELECT
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS day,
    t.ticker,
    CAST(count(*) AS BIGINT)                                           AS n_docs,
    CAST(sum(s.n_sentences) AS BIGINT)                                  AS n_sentences,
    CAST(sum(s.n_hype) AS BIGINT)                                       AS n_hype,
    CAST(sum(s.n_skeptic) AS BIGINT)                                    AS n_skeptic,
    CAST(sum(s.fatigue_mentions) AS BIGINT)                             AS fatigue_mentions,
    sum(s.expected_hype)                                               AS expected_hype,
    sum(s.expected_skeptic)                                            AS expected_skeptic,
    sum(s.expected_fatigue)                                            AS expected_fatigue
FROM documents d
JOIN doc_scores s USING (doc_id)
CROSS JOIN unnest(d.tickers) AS t(ticker)
WHERE d.status = 'ok' AND d.published_at IS NOT NULL
GROUP BY ALL
)
SELECT day, ticker, n_docs, n_sentences, n_hype, n_skeptic,
    n_hype / nullif(n_sentences, 0)                                    AS hype_share,
    n_skeptic / nullif(n_sentences, 0)                                 AS skeptic_share,
    (n_hype - n_skeptic) / nullif(n_hype + n_skeptic, 0)               AS hype_index,
    fatigue_mentions,
    1000.0 * fatigue_mentions / nullif(n_sentences, 0)                 AS fatigue_per_1k,
    wilson_low(n_hype, n_sentences)                                    AS hype_share_low,
    wilson_high(n_hype, n_sentences)                                   AS hype_share_high,
    wilson_low(n_skeptic, n_sentences)                                 AS skeptic_share_low,
    wilson_high(n_skeptic, n_sentences)                                AS skeptic_share_high,
    2 * wilson_low(n_hype, n_hype + n_skeptic) - 1                     AS hype_index_low,
    2 * wilson_high(n_hype, n_hype + n_skeptic) - 1                    AS hype_index_high,
    1000.0 * wilson_low(fatigue_mentions, n_sentences)                 AS fatigue_per_1k_low,
    1000.0 * wilson_high(fatigue_mentions, n_sentences)                AS fatigue_per_1k_high,
    expected_hype,
    expected_skeptic,
    expected_fatigue,
    expected_hype / nullif(n_sentences, 0)                             AS expected_hype_share,
    expected_skeptic / nullif(n_sentences, 0)                          AS expected_skeptic_share,
    (expected_hype - expected_skeptic) / nullif(expected_hype + expected_skeptic, 0) AS expected_hype_index,
    1000.0 * expected_fatigue / nullif(n_sentences, 0)                 AS expected_fatigue_per_1k
FROM sums;

CREATE OR REPLACE VIEW call_tone AS
SELECT
    d.doc_id,
    d.company,
    d.tickers,
    d.fiscal_period,
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS call_date,
    t.role,
    t.section,
    count(*)                                                           AS n_sentences,
    count(*) FILTER (WHERE x.label = 'hype')                           AS n_hype,
    count(*) FILTER (WHERE x.label = 'skeptic')                        AS n_skeptic,
    (count(*) FILTER (WHERE x.label = 'hype') - count(*) FILTER (WHERE x.label = 'skeptic'))
        / nullif(count(*) FILTER (WHERE x.label IN ('hype', 'skeptic')), 0) AS hype_index,
    count(*) FILTER (WHERE x.fatigue)                                  AS fatigue_mentions,
    count(*) FILTER (WHERE x.label = 'hype') / count(*)                AS hype_share,
    wilson_low(count(*) FILTER (WHERE x.label = 'hype'), count(*))     AS hype_share_low,
    wilson_high(count(*) FILTER (WHERE x.label = 'hype'), count(*))    AS hype_share_high,
    2 * wilson_low(count(*) FILTER (WHERE x.label = 'hype'),
                   count(*) FILTER (WHERE x.label IN ('hype', 'skeptic'))) - 1  AS hype_index_low,
    2 * wilson_high(count(*) FILTER (WHERE x.label = 'hype'),
                    count(*) FILTER (WHERE x.label IN ('hype', 'skeptic'))) - 1 AS hype_index_high,
    sum(x.p_hype)                                                      AS expected_hype,
    sum(x.p_skeptic)                                                   AS expected_skeptic,
    sum(x.p_hype) / count(*)                                           AS expected_hype_share,
    (sum(x.p_hype) - sum(x.p_skeptic)) / nullif(sum(x.p_hype) + sum(x.p_skeptic), 0) AS expected_hype_index
FROM sentences x
JOIN turns t USING (doc_id, turn_no)
JOIN documents d USING (doc_id)
WHERE d.kind = 'transcripts' AND d.status = 'ok' AND x.label IS NOT NULL
GROUP BY ALL;

-- One row per earnings call: the whole call's figures with their intervals.
CREATE VIEW call_sentiment AS
SELECT
    d.doc_id,
    d.company,
    d.tickers,
    d.fiscal_period,
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS call_date,
    s.n_sentences,
    s.n_hype,
    s.n_skeptic,
    s.n_hype / nullif(s.n_sentences, 0)                                AS hype_share,
    wilson_low(s.n_hype, s.n_sentences)                                AS hype_share_low,
    wilson_high(s.n_hype, s.n_sentences)                               AS hype_share_high,
    s.n_skeptic / nullif(s.n_sentences, 0)                             AS skeptic_share,
    wilson_low(s.n_skeptic, s.n_sentences)                             AS skeptic_share_low,
    wilson_high(s.n_skeptic, s.n_sentences)                            AS skeptic_share_high,
    s.hype_index,
    2 * wilson_low(s.n_hype, s.n_hype + s.n_skeptic) - 1               AS hype_index_low,
    2 * wilson_high(s.n_hype, s.n_hype + s.n_skeptic) - 1              AS hype_index_high,
    s.fatigue_mentions,
    s.expected_hype,
    s.expected_skeptic,
    s.expected_fatigue,
    s.expected_hype / nullif(s.n_sentences, 0)                         AS expected_hype_share,
    s.expected_skeptic / nullif(s.n_sentences, 0)                      AS expected_skeptic_share,
    (s.expected_hype - s.expected_skeptic) / nullif(s.expected_hype + s.expected_skeptic, 0) AS expected_hype_index
FROM documents d
JOIN doc_scores s USING (doc_id)
WHERE d.kind = 'transcripts' AND d.status = 'ok';

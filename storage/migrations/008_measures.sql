-- The series measures, defined once: DuckDB macros that every view here, the alert queries
-- (alerts/queries.sql), the report (report/queries.sql) and the stored document figures
-- (storage/queries.sql) use. They are there for your own roll-ups too:
--   SELECT date_trunc('week', day) AS week, hype_index(sum(n_hype), sum(n_skeptic)) FROM daily_sentiment GROUP BY 1
-- Python mirrors hype_index and share in hypewatch/measures.py (tests/test_measures.py checks they agree).
-- The views below are those of 006 and 007, column for column, written with the macros.

-- (hype - skeptic) / (hype + skeptic) in [-1, 1]; NULL without a stance sentence.
CREATE OR REPLACE MACRO hype_index(hype, skeptic) AS (hype - skeptic) / nullif(hype + skeptic, 0);

-- hype_index = 2q - 1 with q = hype / (hype + skeptic): its 95% interval is q's Wilson interval, mapped.
CREATE OR REPLACE MACRO hype_index_low(hype, skeptic) AS 2 * wilson_low(hype, hype + skeptic) - 1;

CREATE OR REPLACE MACRO hype_index_high(hype, skeptic) AS 2 * wilson_high(hype, hype + skeptic) - 1;

-- part / whole; NULL when whole is 0.
CREATE OR REPLACE MACRO share(part, whole) AS part / nullif(whole, 0);

-- 1,000 x part / whole (fatigue_per_1k); NULL when whole is 0.
CREATE OR REPLACE MACRO per_1k(part, whole) AS 1000.0 * part / nullif(whole, 0);

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
    share(n_hype, n_sentences)                                    AS hype_share,
    share(n_skeptic, n_sentences)                                 AS skeptic_share,
    hype_index(n_hype, n_skeptic)               AS hype_index,
    fatigue_mentions,
    per_1k(fatigue_mentions, n_sentences)                 AS fatigue_per_1k,
    wilson_low(n_hype, n_sentences)                                    AS hype_share_low,
    wilson_high(n_hype, n_sentences)                                   AS hype_share_high,
    wilson_low(n_skeptic, n_sentences)                                 AS skeptic_share_low,
    wilson_high(n_skeptic, n_sentences)                                AS skeptic_share_high,
    hype_index_low(n_hype, n_skeptic)                     AS hype_index_low,
    hype_index_high(n_hype, n_skeptic)                    AS hype_index_high,
    1000.0 * wilson_low(fatigue_mentions, n_sentences)                 AS fatigue_per_1k_low,
    1000.0 * wilson_high(fatigue_mentions, n_sentences)                AS fatigue_per_1k_high,
    expected_hype,
    expected_skeptic,
    expected_fatigue,
    share(expected_hype, n_sentences)                             AS expected_hype_share,
    share(expected_skeptic, n_sentences)                          AS expected_skeptic_share,
    hype_index(expected_hype, expected_skeptic) AS expected_hype_index,
    per_1k(expected_fatigue, n_sentences)                 AS expected_fatigue_per_1k
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
    share(n_hype, n_sentences)                                    AS hype_share,
    share(n_skeptic, n_sentences)                                 AS skeptic_share,
    hype_index(n_hype, n_skeptic)               AS hype_index,
    fatigue_mentions,
    per_1k(fatigue_mentions, n_sentences)                 AS fatigue_per_1k,
    wilson_low(n_hype, n_sentences)                                    AS hype_share_low,
    wilson_high(n_hype, n_sentences)                                   AS hype_share_high,
    wilson_low(n_skeptic, n_sentences)                                 AS skeptic_share_low,
    wilson_high(n_skeptic, n_sentences)                                AS skeptic_share_high,
    hype_index_low(n_hype, n_skeptic)                     AS hype_index_low,
    hype_index_high(n_hype, n_skeptic)                    AS hype_index_high,
    1000.0 * wilson_low(fatigue_mentions, n_sentences)                 AS fatigue_per_1k_low,
    1000.0 * wilson_high(fatigue_mentions, n_sentences)                AS fatigue_per_1k_high,
    expected_hype,
    expected_skeptic,
    expected_fatigue,
    share(expected_hype, n_sentences)                             AS expected_hype_share,
    share(expected_skeptic, n_sentences)                          AS expected_skeptic_share,
    hype_index(expected_hype, expected_skeptic) AS expected_hype_index,
    per_1k(expected_fatigue, n_sentences)                 AS expected_fatigue_per_1k
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
    hype_index(count(*) FILTER (WHERE x.label = 'hype'), count(*) FILTER (WHERE x.label = 'skeptic')) AS hype_index,
    count(*) FILTER (WHERE x.fatigue)                                  AS fatigue_mentions,
    share(count(*) FILTER (WHERE x.label = 'hype'), count(*))                AS hype_share,
    wilson_low(count(*) FILTER (WHERE x.label = 'hype'), count(*))     AS hype_share_low,
    wilson_high(count(*) FILTER (WHERE x.label = 'hype'), count(*))    AS hype_share_high,
    hype_index_low(count(*) FILTER (WHERE x.label = 'hype'), count(*) FILTER (WHERE x.label = 'skeptic'))  AS hype_index_low,
    hype_index_high(count(*) FILTER (WHERE x.label = 'hype'), count(*) FILTER (WHERE x.label = 'skeptic')) AS hype_index_high,
    sum(x.p_hype)                                                      AS expected_hype,
    sum(x.p_skeptic)                                                   AS expected_skeptic,
    share(sum(x.p_hype), count(*))                                           AS expected_hype_share,
    hype_index(sum(x.p_hype), sum(x.p_skeptic)) AS expected_hype_index
FROM sentences x
JOIN turns t USING (doc_id, turn_no)
JOIN documents d USING (doc_id)
WHERE d.kind = 'transcripts' AND d.status = 'ok' AND x.label IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE VIEW call_sentiment AS
SELECT
    d.doc_id,
    d.company,
    d.tickers,
    d.fiscal_period,
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS call_date,
    s.n_sentences,
    s.n_hype,
    s.n_skeptic,
    share(s.n_hype, s.n_sentences)                                AS hype_share,
    wilson_low(s.n_hype, s.n_sentences)                                AS hype_share_low,
    wilson_high(s.n_hype, s.n_sentences)                               AS hype_share_high,
    share(s.n_skeptic, s.n_sentences)                             AS skeptic_share,
    wilson_low(s.n_skeptic, s.n_sentences)                             AS skeptic_share_low,
    wilson_high(s.n_skeptic, s.n_sentences)                            AS skeptic_share_high,
    s.hype_index,
    hype_index_low(s.n_hype, s.n_skeptic)               AS hype_index_low,
    hype_index_high(s.n_hype, s.n_skeptic)              AS hype_index_high,
    s.fatigue_mentions,
    s.expected_hype,
    s.expected_skeptic,
    s.expected_fatigue,
    share(s.expected_hype, s.n_sentences)                         AS expected_hype_share,
    share(s.expected_skeptic, s.n_sentences)                      AS expected_skeptic_share,
    hype_index(s.expected_hype, s.expected_skeptic) AS expected_hype_index
FROM documents d
JOIN doc_scores s USING (doc_id)
WHERE d.kind = 'transcripts' AND d.status = 'ok';

CREATE OR REPLACE VIEW topic_daily AS
WITH per_topic AS (
    SELECT day, topic, kind,
           CAST(count(DISTINCT doc_id) AS BIGINT)                       AS n_docs,
           CAST(count(*) AS BIGINT)                                     AS n_sentences,
           CAST(count(*) FILTER (WHERE label = 'hype') AS BIGINT)       AS n_hype,
           CAST(count(*) FILTER (WHERE label = 'skeptic') AS BIGINT)    AS n_skeptic,
           CAST(count(*) FILTER (WHERE fatigue) AS BIGINT)              AS fatigue_mentions
    FROM sentence_topics
    WHERE day IS NOT NULL
    GROUP BY day, topic, kind
),
everything AS (
    SELECT CAST(timezone('UTC', d.published_at) AS DATE) AS day, d.kind, sum(s.n_sentences) AS n_all
    FROM documents d JOIN doc_scores s USING (doc_id)
    WHERE d.status = 'ok' AND d.published_at IS NOT NULL
    GROUP BY ALL
)
SELECT p.day, p.topic, p.kind, p.n_docs, p.n_sentences, p.n_hype, p.n_skeptic,
       share(p.n_hype, p.n_sentences)                                         AS hype_share,
       share(p.n_skeptic, p.n_sentences)                                      AS skeptic_share,
       hype_index(p.n_hype, p.n_skeptic)     AS hype_index,
       p.fatigue_mentions,
       share(p.n_sentences, e.n_all)                               AS topic_share
FROM per_topic p LEFT JOIN everything e USING (day, kind);

CREATE OR REPLACE VIEW call_topics AS
WITH role_sentences AS (
    SELECT x.doc_id, t.role, count(*) AS n_role
    FROM sentences x JOIN turns t USING (doc_id, turn_no) JOIN documents d USING (doc_id)
    WHERE d.kind = 'transcripts' AND d.status = 'ok' AND x.label IS NOT NULL
    GROUP BY ALL
)
SELECT s.doc_id, s.ticker, s.company, s.fiscal_period, s.day AS call_date, s.role, s.topic,
       count(*)                                                         AS n_sentences,
       count(*) FILTER (WHERE s.label = 'hype')                         AS n_hype,
       count(*) FILTER (WHERE s.label = 'skeptic')                      AS n_skeptic,
       hype_index(count(*) FILTER (WHERE s.label = 'hype'), count(*) FILTER (WHERE s.label = 'skeptic')) AS hype_index,
       count(*) / any_value(r.n_role)                                   AS share_of_role
FROM sentence_topics s JOIN role_sentences r USING (doc_id, role)
WHERE s.kind = 'transcripts'
GROUP BY s.doc_id, s.ticker, s.company, s.fiscal_period, s.day, s.role, s.topic;

CREATE OR REPLACE VIEW call_tone_qoq AS
WITH calls AS (
    SELECT doc_id, coalesce(ticker, company) AS company_key, ticker, company, fiscal_period,
           CAST(timezone('UTC', published_at) AS DATE) AS call_date
    FROM documents
    WHERE kind = 'transcripts' AND status = 'ok' AND coalesce(ticker, company) IS NOT NULL
      AND doc_id IN (SELECT doc_id FROM call_tone)
),
ordered AS (
    SELECT *,
           lag(doc_id) OVER w        AS prev_doc_id,
           lag(fiscal_period) OVER w AS prev_fiscal_period,
           lag(call_date) OVER w     AS prev_call_date
    FROM calls
    WINDOW w AS (PARTITION BY company_key ORDER BY call_date, doc_id)
)
SELECT o.company_key, o.ticker, o.company, o.doc_id, o.fiscal_period, o.call_date,
       o.prev_doc_id, o.prev_fiscal_period, o.prev_call_date,
       c.role, c.section,
       c.n_sentences, p.n_sentences                                     AS prev_n_sentences,
       c.hype_index, p.hype_index                                       AS prev_hype_index,
       c.hype_index - p.hype_index                                      AS hype_index_change,
       share(c.n_hype, c.n_sentences)                                         AS hype_share,
       share(p.n_hype, p.n_sentences)                                         AS prev_hype_share,
       share(c.n_hype, c.n_sentences) - share(p.n_hype, p.n_sentences)              AS hype_share_change,
       share(c.n_skeptic, c.n_sentences)                                      AS skeptic_share,
       share(p.n_skeptic, p.n_sentences)                                      AS prev_skeptic_share,
       share(c.n_skeptic, c.n_sentences) - share(p.n_skeptic, p.n_sentences)        AS skeptic_share_change
FROM ordered o
JOIN call_tone c ON c.doc_id = o.doc_id
LEFT JOIN call_tone p ON p.doc_id = o.prev_doc_id AND p.role = c.role AND p.section = c.section;

CREATE OR REPLACE VIEW capex_vs_returns AS
WITH calls AS (
    SELECT doc_id, coalesce(ticker, company) AS ticker, company,
           CAST(timezone('UTC', published_at) AS DATE) AS call_date,
           coalesce(fiscal_period, 'CY' || year(timezone('UTC', published_at))
                    || ' Q' || quarter(timezone('UTC', published_at)))  AS fiscal_period
    FROM documents
    WHERE kind = 'transcripts' AND status = 'ok'
),
per_call AS (
    SELECT doc_id,
           count(*)                                                                      AS n_sentences,
           count(*) FILTER (WHERE list_contains(topics, 'capex'))                        AS n_capex,
           count(*) FILTER (WHERE list_contains(topics, 'capex') AND label = 'hype')     AS capex_hype,
           count(*) FILTER (WHERE list_contains(topics, 'capex') AND label = 'skeptic')  AS capex_skeptic,
           count(*) FILTER (WHERE list_contains(topics, 'returns'))                      AS n_returns,
           count(*) FILTER (WHERE list_contains(topics, 'returns') AND label = 'hype')   AS returns_hype,
           count(*) FILTER (WHERE list_contains(topics, 'returns') AND label = 'skeptic') AS returns_skeptic
    FROM sentences
    WHERE label IS NOT NULL AND topics IS NOT NULL
    GROUP BY doc_id
),
quarters AS (
    SELECT c.ticker, c.fiscal_period, any_value(c.company) AS company, min(c.call_date) AS call_date,
           count(*) AS n_calls, sum(n_sentences) AS n_sentences,
           sum(n_capex) AS capex_sentences, sum(capex_hype) AS capex_hype, sum(capex_skeptic) AS capex_skeptic,
           sum(n_returns) AS returns_sentences, sum(returns_hype) AS returns_hype,
           sum(returns_skeptic) AS returns_skeptic
    FROM calls c JOIN per_call USING (doc_id)
    GROUP BY c.ticker, c.fiscal_period
)
SELECT ticker, company, fiscal_period, call_date, n_calls, n_sentences,
       capex_sentences,
       share(capex_sentences, n_sentences)                                                    AS capex_share,
       hype_index(capex_hype, capex_skeptic)             AS capex_hype_index,
       returns_sentences,
       share(returns_sentences, n_sentences)                                                  AS returns_share,
       hype_index(returns_hype, returns_skeptic)     AS returns_hype_index,
       (capex_sentences - returns_sentences) / nullif(capex_sentences + returns_sentences, 0) AS mention_gap,
       hype_index(capex_hype, capex_skeptic)
           - hype_index(returns_hype, returns_skeptic) AS tone_gap
FROM quarters;

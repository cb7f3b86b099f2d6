-- What the tone is about: topics and AI mentions per sentence, and the views built on them.
-- Sentences stored before this migration have topics NULL; the next run's score stage tags them
-- (documents.tagged_by is NULL, unlike the tagger's fingerprint) without scoring them again.

ALTER TABLE sentences ADD COLUMN topics VARCHAR[];          -- null: not tagged (yet, or not English)
ALTER TABLE sentences ADD COLUMN ai_mentions INTEGER;       -- how often the sentence names AI
ALTER TABLE documents ADD COLUMN tagged_by VARCHAR;         -- the topic fingerprint its sentences carry
ALTER TABLE documents ADD COLUMN ticker VARCHAR;            -- a call's own ticker (tickers: every one it names)

-- Calls stored before: their own ticker is known where they name exactly one.
UPDATE documents SET ticker = tickers[1] WHERE kind = 'transcripts' AND len(tickers) = 1;

CREATE TABLE topic_definitions (                            -- the topics the sentences are tagged with
    name        VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    description VARCHAR,
    phrases     VARCHAR[],
    exclude     VARCHAR[],
    fingerprint VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per scored sentence and topic, with what the views group by.
CREATE VIEW sentence_topics AS
SELECT
    x.doc_id, x.sent_no, x.turn_no, u.topic, x.text, x.label, x.p_hype, x.p_skeptic, x.fatigue, x.ai_mentions,
    d.kind, d.source, d.tickers, d.ticker, d.company, d.fiscal_period,
    CAST(timezone('UTC', d.published_at) AS DATE)                    AS day,
    t.role, t.section
FROM sentences x
CROSS JOIN unnest(x.topics) AS u(topic)
JOIN documents d USING (doc_id)
LEFT JOIN turns t ON t.doc_id = x.doc_id AND t.turn_no = x.turn_no
WHERE d.status = 'ok' AND x.label IS NOT NULL;

-- Day x topic x kind. hype_share and skeptic_share are shares of the topic's sentences;
-- topic_share is the topic's share of all the day's scored sentences of that kind.
CREATE VIEW topic_daily AS
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
       p.n_hype / p.n_sentences                                         AS hype_share,
       p.n_skeptic / p.n_sentences                                      AS skeptic_share,
       (p.n_hype - p.n_skeptic) / nullif(p.n_hype + p.n_skeptic, 0)     AS hype_index,
       p.fatigue_mentions,
       p.n_sentences / nullif(e.n_all, 0)                               AS topic_share
FROM per_topic p LEFT JOIN everything e USING (day, kind);

-- Earnings call x speaker role x topic: how much of what each side said was about the topic, in which tone.
CREATE VIEW call_topics AS
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
       (count(*) FILTER (WHERE s.label = 'hype') - count(*) FILTER (WHERE s.label = 'skeptic'))
           / nullif(count(*) FILTER (WHERE s.label IN ('hype', 'skeptic')), 0) AS hype_index,
       count(*) / any_value(r.n_role)                                   AS share_of_role
FROM sentence_topics s JOIN role_sentences r USING (doc_id, role)
WHERE s.kind = 'transcripts'
GROUP BY s.doc_id, s.ticker, s.company, s.fiscal_period, s.day, s.role, s.topic;

-- Per company (its ticker, else its name): each call's tone per role and section against the
-- same role and section of its previous call, and the change.
CREATE VIEW call_tone_qoq AS
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
       c.n_hype / c.n_sentences                                         AS hype_share,
       p.n_hype / p.n_sentences                                         AS prev_hype_share,
       c.n_hype / c.n_sentences - p.n_hype / p.n_sentences              AS hype_share_change,
       c.n_skeptic / c.n_sentences                                      AS skeptic_share,
       p.n_skeptic / p.n_sentences                                      AS prev_skeptic_share,
       c.n_skeptic / c.n_sentences - p.n_skeptic / p.n_sentences        AS skeptic_share_change
FROM ordered o
JOIN call_tone c ON c.doc_id = o.doc_id
LEFT JOIN call_tone p ON p.doc_id = o.prev_doc_id AND p.role = c.role AND p.section = c.section;

-- Per company and fiscal quarter (a call without one: its calendar quarter, 'CY2026 Q3'): how
-- much, and in which tone, its calls talk about spending
-- (capex) against what the spending earns (returns). mention_gap = (capex - returns) /
-- (capex + returns) sentences, in [-1, 1]: +1 is all spending talk and no returns talk.
CREATE VIEW capex_vs_returns AS
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
       capex_sentences / n_sentences                                                    AS capex_share,
       (capex_hype - capex_skeptic) / nullif(capex_hype + capex_skeptic, 0)             AS capex_hype_index,
       returns_sentences,
       returns_sentences / n_sentences                                                  AS returns_share,
       (returns_hype - returns_skeptic) / nullif(returns_hype + returns_skeptic, 0)     AS returns_hype_index,
       (capex_sentences - returns_sentences) / nullif(capex_sentences + returns_sentences, 0) AS mention_gap,
       (capex_hype - capex_skeptic) / nullif(capex_hype + capex_skeptic, 0)
           - (returns_hype - returns_skeptic) / nullif(returns_hype + returns_skeptic, 0) AS tone_gap
FROM quarters;

-- AI mentions per document (article or call), the way FactSet counts "AI" on earnings calls.
CREATE VIEW doc_ai_mentions AS
SELECT d.doc_id,
       any_value(d.kind)                                                AS kind,
       any_value(d.source)                                              AS source,
       any_value(d.ticker)                                              AS ticker,
       any_value(d.tickers)                                             AS tickers,
       any_value(d.company)                                             AS company,
       any_value(d.fiscal_period)                                       AS fiscal_period,
       any_value(CAST(timezone('UTC', d.published_at) AS DATE))         AS day,
       count(*)                                                         AS n_sentences,
       CAST(sum(x.ai_mentions) AS BIGINT)                               AS ai_mentions,
       count(*) FILTER (WHERE x.ai_mentions > 0)                        AS ai_sentences,
       CAST(coalesce(sum(x.ai_mentions) FILTER (WHERE t.role = 'executive'), 0) AS BIGINT) AS executive_mentions,
       CAST(coalesce(sum(x.ai_mentions) FILTER (WHERE t.role = 'analyst'), 0) AS BIGINT)   AS analyst_mentions
FROM documents d
JOIN sentences x USING (doc_id)
LEFT JOIN turns t ON t.doc_id = x.doc_id AND t.turn_no = x.turn_no
WHERE d.status = 'ok' AND x.ai_mentions IS NOT NULL
GROUP BY d.doc_id;

-- Per company and fiscal quarter: its calls, how many of them mention AI, and how often.
CREATE VIEW ai_mentions_quarterly AS
SELECT coalesce(ticker, company)                                        AS ticker,
       coalesce(fiscal_period, 'CY' || year(day) || ' Q' || quarter(day)) AS fiscal_period,
       min(day)                                                         AS call_date,
       count(*)                                                         AS n_calls,
       count(*) FILTER (WHERE ai_mentions > 0)                          AS calls_mentioning_ai,
       count(*) FILTER (WHERE ai_mentions > 0) / count(*)               AS share_mentioning_ai,
       CAST(sum(ai_mentions) AS BIGINT)                                 AS ai_mentions,
       sum(ai_mentions) / count(*)                                      AS mentions_per_call
FROM doc_ai_mentions
WHERE kind = 'transcripts'
GROUP BY ALL;

-- Per ticker and kind: AI mentions in the 90 days up to the newest document against the 90
-- days before (momentum = last / previous - 1). A call counts for its own ticker, an article for
-- every ticker it names.
CREATE VIEW ai_mention_momentum AS
WITH latest AS (
    SELECT max(CAST(timezone('UTC', published_at) AS DATE)) AS as_of FROM documents WHERE status = 'ok'
),
per_ticker AS (
    SELECT m.kind, u.ticker, m.day, m.ai_mentions
    FROM doc_ai_mentions m
    CROSS JOIN unnest(CASE WHEN m.kind = 'transcripts' AND m.ticker IS NOT NULL THEN [m.ticker]
                           ELSE m.tickers END) AS u(ticker)
)
SELECT p.ticker, p.kind, any_value(l.as_of)                              AS as_of,
       CAST(coalesce(sum(p.ai_mentions) FILTER (WHERE p.day > l.as_of - 90), 0) AS BIGINT) AS mentions_90d,
       CAST(coalesce(sum(p.ai_mentions) FILTER (WHERE p.day <= l.as_of - 90 AND p.day > l.as_of - 180), 0) AS BIGINT)
                                                                        AS mentions_prev_90d,
       count(*) FILTER (WHERE p.day > l.as_of - 90 AND p.ai_mentions > 0) AS docs_mentioning_90d,
       count(*) FILTER (WHERE p.day <= l.as_of - 90 AND p.day > l.as_of - 180 AND p.ai_mentions > 0)
                                                                        AS docs_mentioning_prev_90d,
       sum(p.ai_mentions) FILTER (WHERE p.day > l.as_of - 90)
           / nullif(sum(p.ai_mentions) FILTER (WHERE p.day <= l.as_of - 90 AND p.day > l.as_of - 180), 0) - 1
                                                                        AS momentum
FROM per_ticker p CROSS JOIN latest l
WHERE p.day > l.as_of - 180
GROUP BY p.ticker, p.kind;

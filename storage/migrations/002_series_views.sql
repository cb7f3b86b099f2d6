-- Daily series. A syndicated copy (status 'duplicate') and stubs never count; days are UTC.

CREATE VIEW daily_sentiment AS
SELECT
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS day,
    d.kind,
    d.source,
    CAST(count(*) AS BIGINT)                                           AS n_docs,
    CAST(sum(s.n_sentences) AS BIGINT)                                  AS n_sentences,
    CAST(sum(s.n_hype) AS BIGINT)                                       AS n_hype,
    CAST(sum(s.n_skeptic) AS BIGINT)                                    AS n_skeptic,
    sum(s.n_hype) / nullif(sum(s.n_sentences), 0)                      AS hype_share,
    sum(s.n_skeptic) / nullif(sum(s.n_sentences), 0)                   AS skeptic_share,
    (sum(s.n_hype) - sum(s.n_skeptic)) / nullif(sum(s.n_hype) + sum(s.n_skeptic), 0) AS hype_index,
    CAST(sum(s.fatigue_mentions) AS BIGINT)                             AS fatigue_mentions,
    1000.0 * sum(s.fatigue_mentions) / nullif(sum(s.n_sentences), 0)   AS fatigue_per_1k
FROM documents d
JOIN doc_scores s USING (doc_id)
WHERE d.status = 'ok' AND d.published_at IS NOT NULL
GROUP BY ALL;

CREATE VIEW ticker_daily AS
SELECT
    CAST(timezone('UTC', d.published_at) AS DATE)                      AS day,
    t.ticker,
    CAST(count(*) AS BIGINT)                                           AS n_docs,
    CAST(sum(s.n_sentences) AS BIGINT)                                  AS n_sentences,
    CAST(sum(s.n_hype) AS BIGINT)                                       AS n_hype,
    CAST(sum(s.n_skeptic) AS BIGINT)                                    AS n_skeptic,
    sum(s.n_hype) / nullif(sum(s.n_sentences), 0)                      AS hype_share,
    sum(s.n_skeptic) / nullif(sum(s.n_sentences), 0)                   AS skeptic_share,
    (sum(s.n_hype) - sum(s.n_skeptic)) / nullif(sum(s.n_hype) + sum(s.n_skeptic), 0) AS hype_index,
    CAST(sum(s.fatigue_mentions) AS BIGINT)                             AS fatigue_mentions,
    1000.0 * sum(s.fatigue_mentions) / nullif(sum(s.n_sentences), 0)   AS fatigue_per_1k
FROM documents d
JOIN doc_scores s USING (doc_id)
CROSS JOIN unnest(d.tickers) AS t(ticker)
WHERE d.status = 'ok' AND d.published_at IS NOT NULL
GROUP BY ALL;

-- Tone per earnings call, speaker role and section: management vs analysts, prepared vs Q&A.
CREATE VIEW call_tone AS
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
    count(*) FILTER (WHERE x.fatigue)                                  AS fatigue_mentions
FROM sentences x
JOIN turns t USING (doc_id, turn_no)
JOIN documents d USING (doc_id)
WHERE d.kind = 'transcripts' AND d.status = 'ok' AND x.label IS NOT NULL
GROUP BY ALL;

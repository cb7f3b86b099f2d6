-- Where a document's published_at comes from, so that dates the crawler had to guess can be found:
--   feed      the feed item's date
--   document  a date the page or the transcript gives itself (its metadata, header, file name, or
--             what the call says: "as of today, November 20, 2024")
--   file      none given: the file's modification time
--   fetched   none given: the day it was fetched
-- NULL: stored before hypewatch recorded it, or imported from a lake that does not say.
--   SELECT source, dated_by, count(*) FROM documents GROUP BY ALL
ALTER TABLE documents ADD COLUMN dated_by VARCHAR;

-- A company's calls in the order they were held. Their dates say it where the calls give them; but
-- calls whose texts and file names name no date are dated by their files or the day they were
-- fetched, and a folder of old calls crawled in one run shares one date (Oracle's Q2 2024 was set
-- against its Q1 2024 the wrong way round). So where any call of a company has a guessed date and
-- every one has a fiscal period, they go by fiscal period; otherwise by date (a company keeps one
-- fiscal calendar, but publishers write its periods' years differently, so dates that are the
-- calls' own win).

-- "Q3 2025" -> 2025 * 4 + 3, a number that sorts periods in order; NULL for anything else.
CREATE MACRO period_order(fiscal_period) AS
    try_cast(regexp_extract(fiscal_period, '^Q([1-4]) (\d{4})$', 2) AS INTEGER) * 4
    + try_cast(regexp_extract(fiscal_period, '^Q([1-4]) (\d{4})$', 1) AS INTEGER);

CREATE OR REPLACE VIEW call_tone_qoq AS
WITH calls AS (
    SELECT doc_id, coalesce(ticker, company) AS company_key, ticker, company, fiscal_period,
           CAST(timezone('UTC', published_at) AS DATE) AS call_date,
           period_order(fiscal_period) AS period_no, dated_by
    FROM documents
    WHERE kind = 'transcripts' AND status = 'ok' AND coalesce(ticker, company) IS NOT NULL
      AND doc_id IN (SELECT doc_id FROM call_tone)
),
keyed AS (
    SELECT *,
           CASE WHEN bool_and(period_no IS NOT NULL) OVER company
                 AND bool_or(coalesce(dated_by IN ('file', 'fetched'), false)) OVER company
                THEN period_no END AS held_order
    FROM calls
    WINDOW company AS (PARTITION BY company_key)
),
ordered AS (
    SELECT *,
           lag(doc_id) OVER w        AS prev_doc_id,
           lag(fiscal_period) OVER w AS prev_fiscal_period,
           lag(call_date) OVER w     AS prev_call_date
    FROM keyed
    WINDOW w AS (PARTITION BY company_key ORDER BY held_order, call_date, period_no, doc_id)
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

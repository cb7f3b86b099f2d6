-- The tables users query (see DESIGN.md) and the crawler's memory.
-- No PRIMARY KEY constraints: DuckDB's ART indexes slow bulk inserts and block updates of
-- list columns; the storage layer keeps keys unique by deleting before it inserts.

CREATE TABLE documents (
    doc_id        VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,           -- news | transcripts
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    published_at  TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    language      VARCHAR,
    tickers       VARCHAR[],
    text          VARCHAR,
    author        VARCHAR,
    content_hash  VARCHAR,
    simhash       UBIGINT,
    status        VARCHAR NOT NULL DEFAULT 'ok',  -- ok | stub | duplicate | foreign
    duplicate_of  VARCHAR,                        -- doc_id of the first copy of a syndicated story
    stub_reason   VARCHAR,
    company       VARCHAR,
    fiscal_period VARCHAR,
    scored_by     VARCHAR,                        -- model id that scored it; null = not yet scored
    scored_at     TIMESTAMPTZ
);

CREATE TABLE document_urls (                      -- every URL a story was seen under
    doc_id   VARCHAR NOT NULL,
    url      VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE turns (
    doc_id   VARCHAR NOT NULL,
    turn_no  INTEGER NOT NULL,
    speaker  VARCHAR,
    role     VARCHAR NOT NULL,                    -- executive | analyst | operator | other
    section  VARCHAR NOT NULL,                    -- prepared | qa
    text     VARCHAR
);

CREATE TABLE sentences (
    doc_id    VARCHAR NOT NULL,
    sent_no   INTEGER NOT NULL,
    turn_no   INTEGER,
    text      VARCHAR NOT NULL,
    language  VARCHAR,
    label     VARCHAR,                            -- hype | skeptic | neutral; null = not scored
    p_hype    REAL,
    p_skeptic REAL,
    p_neutral REAL,
    fatigue   BOOLEAN,
    p_fatigue REAL,
    model     VARCHAR
);

CREATE TABLE doc_scores (
    doc_id           VARCHAR NOT NULL,
    n_sentences      INTEGER NOT NULL,
    n_hype           INTEGER NOT NULL,
    n_skeptic        INTEGER NOT NULL,
    n_neutral        INTEGER NOT NULL,
    fatigue_mentions INTEGER NOT NULL,
    hype_index       DOUBLE
);

CREATE TABLE score_cache (                        -- boilerplate repeats across calls: score it once
    text_hash VARCHAR NOT NULL,
    model     VARCHAR NOT NULL,
    label     VARCHAR NOT NULL,
    p_hype    REAL, p_skeptic REAL, p_neutral REAL,
    fatigue   BOOLEAN, p_fatigue REAL
);

CREATE TABLE http_cache (
    url           VARCHAR NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    content_hash  VARCHAR,
    status        INTEGER,
    fetched_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE alerts (
    alert_id   VARCHAR NOT NULL,                  -- rule|scope|day: one alert per rule, scope and day
    rule       VARCHAR NOT NULL,
    scope      VARCHAR NOT NULL,
    metric     VARCHAR NOT NULL,
    day        DATE NOT NULL,
    value      DOUBLE,
    baseline   DOUBLE,
    zscore     DOUBLE,
    status     VARCHAR NOT NULL DEFAULT 'pending', -- pending | sent | failed
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    detail     JSON,
    error      VARCHAR
);

CREATE TABLE runs (
    run_id      INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,                 -- running | ok | warnings | failed
    pid         INTEGER,
    counts      JSON,                             -- per stage: {"crawl": {...}, "score": {...}, ...}
    warnings    VARCHAR[],
    error       VARCHAR
);

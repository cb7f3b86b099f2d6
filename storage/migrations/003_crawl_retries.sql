-- Pages that failed for a passing reason (a 503, a timeout): tried again on later runs whatever
-- the feed's cache says, with growing gaps, until they work or are given up.
CREATE TABLE crawl_retries (
    url             VARCHAR NOT NULL,             -- as listed; with source, the key
    source          VARCHAR NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      VARCHAR,
    status          VARCHAR NOT NULL,             -- pending | given_up
    item            JSON,                         -- the feed item that listed the page
    updated_at      TIMESTAMPTZ NOT NULL
);

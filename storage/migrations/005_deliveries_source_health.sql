-- Alerts go to several channels (the email digest, Slack, Teams, webhooks, ...), each exactly once:
-- one row per alert and channel. alerts.status sums them up: pending while any delivery is,
-- failed when one gave up, sent when all got through.
CREATE TABLE deliveries (
    alert_id        VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,             -- 'email' (the digest) or a name from alerts.channels
    status          VARCHAR NOT NULL,             -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,   -- runs that tried it
    next_attempt_at TIMESTAMPTZ,                  -- while pending: not tried again before this
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    error           VARCHAR                       -- why the last try failed (secrets never in it)
);

-- Alerts stored before channels existed were for the email digest alone.
INSERT INTO deliveries (alert_id, channel, status, attempts, next_attempt_at, created_at, sent_at, error)
SELECT alert_id, 'email', CASE WHEN status = 'sent' THEN 'sent' ELSE 'pending' END,
       CASE WHEN status = 'sent' OR error IS NOT NULL THEN 1 ELSE 0 END,
       NULL, created_at, sent_at, error
FROM alerts;

-- What each source gave on its crawls, so a source that goes quiet (or fails every run) is an
-- alert and not mistaken for a calm market.
CREATE TABLE source_health (
    source        VARCHAR NOT NULL,
    first_run_at  TIMESTAMPTZ NOT NULL,           -- the first crawl that read it
    last_run_at   TIMESTAMPTZ NOT NULL,
    last_new_at   TIMESTAMPTZ,                    -- the last crawl that stored something from it
    last_ok_at    TIMESTAMPTZ,                    -- the last crawl on which it did not fail
    failing_since TIMESTAMPTZ,                    -- the first of the failed crawls since then; null if the last one worked
    last_error    VARCHAR
);

-- A database from before this table: what the documents say each source last gave.
INSERT INTO source_health (source, first_run_at, last_run_at, last_new_at, last_ok_at, failing_since, last_error)
SELECT source, min(fetched_at), max(fetched_at), max(fetched_at), max(fetched_at), NULL, NULL
FROM documents GROUP BY source;

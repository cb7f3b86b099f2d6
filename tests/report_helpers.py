"""A small, deterministic hypewatch database for the report tests: ~40 days of news and earnings calls."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from hypewatch.nlp.topics import TopicTagger, default_ai_terms, default_topics
from hypewatch.records import Document, Score, ScoredSentence, Sentence, Turn, make_doc_id
from hypewatch.scoring import tag_pending
from hypewatch.storage import Store

TODAY = date(2025, 3, 31)
DAYS = 40
EVIL_TITLE = "<script>alert(1)</script>"
TICKERS = ["NVDA", "AMD", "MSFT", "AVGO"]
COMPANIES = {"NVDA": "NVIDIA", "AMD": "Advanced Micro Devices", "MSFT": "Microsoft", "AVGO": "Broadcom"}

HYPE = [
    "{c} says demand for AI accelerators is insatiable and sold out through next year.",
    "Analysts call {c} the defining winner of the AI supercycle.",
    "{c} expects AI data-center revenue to double again as every enterprise races to deploy.",
    "The AI build-out at {c} is the biggest platform shift in a generation, executives said.",
]
SKEPTIC = [
    "Investors question whether the AI spending at {c} will ever earn a return.",
    "Critics warn that {c} is riding an AI bubble with valuations far ahead of earnings.",
    "Customers of {c} are pausing GPU orders as AI pilots fail to reach production.",
]
NEUTRAL = [
    "{c} reported quarterly revenue in line with its guidance.",
    "The {c} shares closed slightly higher on Tuesday.",
    "{c} will present at an industry conference next month.",
    "A spokesperson for {c} declined to comment on the report.",
]
FATIGUE = [
    "Another week, another AI announcement from {c} that nobody asked for.",
    "Even {c} fans admit the AI story is getting tiresome for investors.",
]


def _score(label: str, rng: random.Random, fatigue: bool = False) -> Score:
    strong = rng.uniform(0.55, 0.98)
    rest = (1 - strong) / 2
    probs = {name: (strong if name == label else rest) for name in ("hype", "skeptic", "neutral")}
    return Score(
        label=label,
        p_hype=probs["hype"],
        p_skeptic=probs["skeptic"],
        p_neutral=probs["neutral"],
        fatigue=fatigue,
        p_fatigue=rng.uniform(0.6, 0.97) if fatigue else rng.uniform(0, 0.2),
    )


def _sentence(rng: random.Random, company: str, hype_bias: float) -> tuple[str, Score]:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(FATIGUE).format(c=company), _score("skeptic", rng, fatigue=True)
    if roll < 0.04 + hype_bias:
        return rng.choice(HYPE).format(c=company), _score("hype", rng)
    if roll < 0.04 + hype_bias + 0.18:
        return rng.choice(SKEPTIC).format(c=company), _score("skeptic", rng)
    return rng.choice(NEUTRAL).format(c=company), _score("neutral", rng)


def build_demo_database(path: Path, *, today: date = TODAY, days: int = DAYS) -> Store:
    """News every day (with a skeptic turn in the last week), four earnings calls, runs and alerts."""
    rng = random.Random(7)
    store = Store(path)
    docs: list[Document] = []
    scored: list[ScoredSentence] = []
    start = today - timedelta(days=days - 1)
    for offset in range(days):
        day = start + timedelta(days=offset)
        hype_bias = 0.35 if offset < days - 7 else 0.12  # the mood turns in the last week
        for n in range(rng.randint(2, 5)):
            ticker = rng.choice(TICKERS)
            url = f"https://news.example.com/{day}/{n}"
            title = EVIL_TITLE if (offset, n) == (days - 3, 0) else f"{COMPANIES[ticker]} and the AI trade, {day:%b %d}"
            doc = Document(
                doc_id=make_doc_id(url),
                source="example-news",
                kind="news",
                url=url,
                title=title,
                published_at=datetime.combine(day, time(9 + n), timezone.utc),
                fetched_at=datetime.combine(day, time(22), timezone.utc),
                language="en",
                tickers=[ticker],
                text="",
            )
            docs.append(doc)
            for sent_no in range(rng.randint(6, 12)):
                text, score = _sentence(rng, COMPANIES[ticker], hype_bias)
                if doc.title == EVIL_TITLE and sent_no == 0:
                    text, score = f"{EVIL_TITLE} is how the AI bubble ends, a strategist wrote.", _score("skeptic", rng)
                    score.p_skeptic = 0.999
                scored.append(ScoredSentence(Sentence(doc.doc_id, sent_no, text), score, "en"))

    for i, ticker in enumerate(TICKERS):
        day = start + timedelta(days=8 + 8 * i)
        url = f"https://ir.example.com/{ticker}/q4-2024"
        roles = [
            ("executive", "prepared"),
            ("executive", "prepared"),
            ("analyst", "qa"),
            ("executive", "qa"),
            ("analyst", "qa"),
            ("executive", "qa"),
        ]
        turns = [Turn(speaker="Operator", role="operator", section="prepared", text="Welcome to the call.")]
        turns += [
            Turn(speaker=("CEO" if role == "executive" else f"Analyst {k}"), role=role, section=section, text="...")
            for k, (role, section) in enumerate(roles)
        ]
        doc = Document(
            doc_id=make_doc_id(url),
            source="ir-transcripts",
            kind="transcripts",
            url=url,
            title=f"{COMPANIES[ticker]} Q4 2024 earnings call",
            published_at=datetime.combine(day, time(21), timezone.utc),
            fetched_at=datetime.combine(day, time(23), timezone.utc),
            language="en",
            tickers=[ticker],
            text="",
            company=COMPANIES[ticker],
            fiscal_period="Q4 2024",
            turns=turns,
        )
        docs.append(doc)
        sent_no = 0
        for turn_no, turn in enumerate(turns):
            bias = {"executive": 0.55, "analyst": 0.1}.get(turn.role, 0.0) - 0.1 * i
            for _ in range(5 if turn.role != "operator" else 1):
                text, score = _sentence(rng, COMPANIES[ticker], max(bias, 0.05))
                scored.append(ScoredSentence(Sentence(doc.doc_id, sent_no, text, turn_no), score, "en"))
                sent_no += 1

    store.add_documents(docs)
    store.save_scores([d.doc_id for d in docs], scored, "test-model")
    tagger = TopicTagger(default_topics(), default_ai_terms())  # topics, as the score stage gives them
    store.save_topic_definitions(tagger.topics, tagger.fingerprint)
    tag_pending(store, tagger)

    for n in range(3):
        started = datetime.now(timezone.utc) - timedelta(minutes=10 * (3 - n))
        run_id = store.start_run(pid=1000 + n, started_at=started)
        store.finish_run(
            run_id,
            status="warnings" if n == 1 else "ok",
            counts={"crawl": {"fetched": 40 + n, "new": 12}, "score": {"sentences": 300 + n}},
            warnings=["feed https://slow.example.com timed out"] if n == 1 else [],
            error=None,
        )
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO alerts (alert_id, rule, scope, metric, day, value, baseline, zscore, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    f"tone-shift|all|{today - timedelta(days=3)}",
                    "tone-shift",
                    "all",
                    "hype_index",
                    today - timedelta(days=3),
                    -0.2,
                    0.4,
                    -3.1,
                    "sent",
                    datetime.now(timezone.utc),
                ],
                [
                    f"skeptic-surge|ticker:NVDA|{today - timedelta(days=2)}",
                    "skeptic-surge",
                    "ticker:NVDA",
                    "skeptic_share",
                    today - timedelta(days=2),
                    0.3,
                    0.15,
                    2.6,
                    "pending",
                    datetime.now(timezone.utc),
                ],
            ],
        )
        # Both alerts went out by email; the chat channel took the first and keeps failing on the second.
        now = datetime.now(timezone.utc)
        conn.executemany(
            "INSERT INTO deliveries (alert_id, channel, status, attempts, next_attempt_at, created_at, sent_at, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [f"tone-shift|all|{today - timedelta(days=3)}", "email", "sent", 1, None, now, now, None],
                [f"tone-shift|all|{today - timedelta(days=3)}", "desk", "sent", 1, None, now, now, None],
                [f"skeptic-surge|ticker:NVDA|{today - timedelta(days=2)}", "email", "sent", 1, None, now, now, None],
                [
                    f"skeptic-surge|ticker:NVDA|{today - timedelta(days=2)}",
                    "desk",
                    "pending",
                    2,
                    now + timedelta(minutes=30),
                    now,
                    None,
                    "channel desk (Slack): the service did not accept the message",
                ],
            ],
        )
    return store

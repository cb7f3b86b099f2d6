"""Topics in the database: the views over them, alert rules by topic, the report's panels, and
old databases getting topics without their sentences being scored again."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import duckdb
import pytest

from hypewatch.alerts import detect
from hypewatch.config import Rule
from hypewatch.nlp.topics import TopicTagger, default_ai_terms, default_topics
from hypewatch.records import Document, Score, ScoredSentence, Sentence, Turn, make_doc_id
from hypewatch.report import write_report
from hypewatch.scoring import tag_pending
from hypewatch.storage import Store
from hypewatch.storage.db import migrate

TAGGER = TopicTagger(default_topics(), default_ai_terms())


def score(label: str) -> Score:
    p = {"hype": (0.8, 0.1, 0.1), "skeptic": (0.1, 0.8, 0.1), "neutral": (0.1, 0.1, 0.8)}[label]
    return Score(label, *p, fatigue=False, p_fatigue=0.01)


def call(quarter: str, day: date, turns: list[tuple[str, str, list[tuple[str, str]]]]) -> tuple[Document, list]:
    """A call of Northwind (NWSI) with (role, section, [(sentence, label)]) turns."""
    url = f"file:///calls/nwsi-{quarter.replace(' ', '-')}.txt"
    doc = Document(
        doc_id=make_doc_id(url),
        source="calls",
        kind="transcripts",
        url=url,
        title=None,
        published_at=datetime.combine(day, time(21), timezone.utc),
        fetched_at=datetime.now(timezone.utc),
        language="en",
        tickers=["NVDA", "NWSI"],
        text="...",
        company="Northwind Silicon",
        fiscal_period=quarter,
        ticker="NWSI",
        turns=[Turn("someone", role, section, " ".join(t for t, _ in lines)) for role, section, lines in turns],
    )
    sentences, sent_no = [], 0
    for turn_no, (_, _, lines) in enumerate(turns):
        for text, label in lines:
            sentences.append(ScoredSentence(Sentence(doc.doc_id, sent_no, text, turn_no), score(label), "en"))
            sent_no += 1
    return doc, sentences


def news(day: date, tickers: list[str], lines: list[tuple[str, str]], n: int = 0) -> tuple[Document, list]:
    url = f"https://wire.example/{day}/{'-'.join(tickers)}/{n}"
    doc = Document(
        doc_id=make_doc_id(url),
        source="wire",
        kind="news",
        url=url,
        title="Story",
        published_at=datetime.combine(day, time(12), timezone.utc),
        fetched_at=datetime.now(timezone.utc),
        language="en",
        tickers=tickers,
        text="...",
    )
    return doc, [
        ScoredSentence(Sentence(doc.doc_id, i, text), score(label), "en") for i, (text, label) in enumerate(lines)
    ]


def save(store: Store, items: list[tuple[Document, list]]) -> Store:
    """Store and score as a run does, then give the sentences topics the way old databases get them."""
    store.add_documents([d for d, _ in items])
    store.save_scores([d.doc_id for d, _ in items], [s for _, ss in items for s in ss], "test-model")
    assert tag_pending(store, TAGGER) == len(items)
    return store


Q1, Q2 = date(2026, 6, 1), date(2026, 9, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    return save(
        Store(tmp_path_factory.mktemp("views") / "hw.duckdb"),
        [
            call(
                "Q1 2027",
                Q1,
                [
                    (
                        "executive",
                        "prepared",
                        [("Capex rose to $2 billion this quarter.", "hype"), ("Our AI revenue doubled.", "hype")],
                    ),
                    ("analyst", "qa", [("Is the AI spending a bubble?", "skeptic")]),
                    ("executive", "qa", [("Demand is strong.", "hype")]),
                ],
            ),
            call(
                "Q2 2027",
                Q2,
                [
                    (
                        "executive",
                        "prepared",
                        [("We raised capex again.", "hype"), ("Capital expenditures will double.", "neutral")],
                    ),
                    ("analyst", "qa", [("When does the payback come?", "skeptic")]),
                    ("executive", "qa", [("Orders paused.", "skeptic")]),
                ],
            ),
            news(
                Q2, ["NVDA", "NWSI"], [("Meta AI usage doubled.", "hype"), ("The central bank held rates.", "neutral")]
            ),
        ],
    )


def rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as conn:
        return conn.execute(sql).fetchall()


def test_sentences_carry_their_topics_and_ai_mentions(store):
    assert rows(store, "SELECT text, topics, ai_mentions FROM sentences WHERE text LIKE '%AI%' ORDER BY text") == [
        ("Is the AI spending a bubble?", ["capex", "valuation"], 1),
        ("Meta AI usage doubled.", ["demand"], 1),
        ("Our AI revenue doubled.", ["returns"], 1),
    ]
    assert rows(store, "SELECT topics FROM sentences WHERE text LIKE 'The central bank%'") == [([],)]


def test_capex_vs_returns_weighs_spending_talk_against_returns_talk(store):
    assert rows(
        store,
        "SELECT ticker, fiscal_period, n_sentences, capex_sentences, capex_hype_index, returns_sentences, "
        "returns_hype_index, round(mention_gap, 3), tone_gap FROM capex_vs_returns ORDER BY call_date",
    ) == [
        ("NWSI", "Q1 2027", 4, 2, 0.0, 1, 1.0, 0.333, -1.0),
        ("NWSI", "Q2 2027", 4, 2, 1.0, 1, -1.0, 0.333, 2.0),
    ]


def test_call_tone_qoq_sets_each_call_against_the_previous_one(store):
    assert rows(
        store,
        "SELECT fiscal_period, prev_fiscal_period, role, section, hype_index, prev_hype_index, "
        "hype_index_change FROM call_tone_qoq WHERE fiscal_period = 'Q2 2027' ORDER BY role, section",
    ) == [
        ("Q2 2027", "Q1 2027", "analyst", "qa", -1.0, -1.0, 0.0),
        ("Q2 2027", "Q1 2027", "executive", "prepared", 1.0, 1.0, 0.0),
        ("Q2 2027", "Q1 2027", "executive", "qa", -1.0, 1.0, -2.0),
    ]
    assert rows(store, "SELECT DISTINCT prev_doc_id FROM call_tone_qoq WHERE fiscal_period = 'Q1 2027'") == [(None,)]


def test_calls_are_set_against_the_previous_one_held(tmp_path):
    """By date where the calls give their own; by fiscal period where a company's dates are guessed
    (a folder of old calls, dated by their files, or all stored the same day: by document id, Q1 2027
    would come before Q4 2026). The report's latest call is the last one held, not the last id."""
    day = date(2026, 12, 5)
    lines = [("executive", "prepared", [("AI demand is strong.", "hype")])]

    def company(ticker: str, calls: list[tuple[str, str | None, int, str | None]]) -> list[tuple[Document, list]]:
        """(url quarter, fiscal period, days after `day`, dated_by) -> calls of one company."""
        made = []
        for quarter, period, shift, dated_by in calls:
            doc, sentences = call(f"{quarter} {ticker}", day, lines)
            moved = doc.published_at + timedelta(days=shift)
            made.append(
                (replace(doc, ticker=ticker, fiscal_period=period, published_at=moved, dated_by=dated_by), sentences)
            )
        return made

    store = save(
        Store(tmp_path / "hw.duckdb"),
        # one day for all (an old store: where the dates came from unknown): periods break the tie
        company(
            "NWSI", [("Q1 2027", "Q1 2027", 0, None), ("Q3 2026", "Q3 2026", 0, None), ("Q4 2026", "Q4 2026", 0, None)]
        )
        # dated by their files, copied in another order than held: by period
        + company("FILD", [("Q1 2027", "Q1 2027", 3, "file"), ("Q2 2027", "Q2 2027", 1, "file")])
        # their own dates, whatever the publishers called the periods: by date
        + company("OWND", [("Q1 2027", "Q1 2027", 3, "document"), ("Q2 2027", "Q2 2027", 1, "document")])
        # a period unknown: by date
        + company("MIXD", [("Q2 2027", "Q3 2027", 0, "file"), ("Q3 2027", None, 1, "file")]),
    )

    def pairs(ticker: str) -> list[tuple]:
        sql = (
            f"SELECT DISTINCT fiscal_period, prev_fiscal_period FROM call_tone_qoq WHERE ticker = '{ticker}' ORDER BY 1"
        )
        return rows(store, sql)

    assert pairs("NWSI") == [("Q1 2027", "Q4 2026"), ("Q3 2026", None), ("Q4 2026", "Q3 2026")]
    assert pairs("FILD") == [("Q1 2027", None), ("Q2 2027", "Q1 2027")]
    assert pairs("OWND") == [("Q1 2027", "Q2 2027"), ("Q2 2027", None)]
    assert pairs("MIXD") == [("Q3 2027", None), (None, "Q3 2027")]
    html = write_report(store, tmp_path / "report.html", days=30, tickers=None, today=day + timedelta(days=4))
    qoq = html.read_text(encoding="utf-8").split('id="qoq"', 1)[1].split("</table>", 1)[0]
    nwsi = qoq.split("NWSI", 1)[1].split("</tr>", 1)[0]
    assert "Q1 2027" in nwsi and "Q4 2026" in nwsi and "Q3 2026" not in nwsi


def test_call_topics_and_topic_daily(store):
    assert rows(
        store,
        "SELECT role, topic, n_sentences, hype_index, round(share_of_role, 3) FROM call_topics "
        "WHERE fiscal_period = 'Q2 2027' ORDER BY role, topic",
    ) == [
        ("analyst", "returns", 1, -1.0, 1.0),
        ("executive", "capex", 2, 1.0, 0.667),
        ("executive", "demand", 1, -1.0, 0.333),
    ]
    assert rows(
        store,
        f"SELECT kind, topic, n_docs, n_sentences, hype_index, topic_share FROM topic_daily "
        f"WHERE day = DATE '{Q2}' ORDER BY kind, topic",
    ) == [
        ("news", "demand", 1, 1, 1.0, 0.5),
        ("transcripts", "capex", 1, 2, 1.0, 0.5),
        ("transcripts", "demand", 1, 1, -1.0, 0.25),
        ("transcripts", "returns", 1, 1, -1.0, 0.25),
    ]


def test_ai_mentions_per_document_quarter_and_90_days(store):
    assert rows(
        store,
        "SELECT kind, fiscal_period, ai_mentions, executive_mentions, analyst_mentions "
        "FROM doc_ai_mentions ORDER BY day, kind",
    ) == [("transcripts", "Q1 2027", 2, 1, 1), ("news", None, 1, 0, 0), ("transcripts", "Q2 2027", 0, 0, 0)]
    assert rows(
        store,
        "SELECT ticker, fiscal_period, n_calls, calls_mentioning_ai, share_mentioning_ai, ai_mentions "
        "FROM ai_mentions_quarterly ORDER BY call_date",
    ) == [("NWSI", "Q1 2027", 1, 1, 1.0, 2), ("NWSI", "Q2 2027", 1, 0, 0.0, 0)]
    # as of the newest document (Q2): the Q1 call falls in the 90 days before the last 90
    assert rows(
        store,
        "SELECT ticker, kind, as_of, mentions_90d, mentions_prev_90d, momentum "
        "FROM ai_mention_momentum ORDER BY ticker, kind",
    ) == [("NVDA", "news", Q2, 1, 0, None), ("NWSI", "news", Q2, 1, 0, None), ("NWSI", "transcripts", Q2, 0, 2, -1.0)]


def test_the_report_shows_tone_per_topic_the_topic_mix_and_the_quarter_on_quarter_table(store, tmp_path):
    html = write_report(store, tmp_path / "report.html", days=120, tickers=None, today=Q2).read_text(encoding="utf-8")
    assert 'id="topics"' in html and 'data-chart="topics"' in html
    assert '<tr data-topic="capex">' in html
    qoq = html.split('id="qoq"', 1)[1].split("</table>", 1)[0]
    assert "Q2 2027" in qoq and "Q1 2027" in qoq and "−2.00" in qoq  # management in the Q&A turned
    mix = html.split('id="topic-mix"', 1)[1].split("</table>", 1)[0]
    assert mix.count("Northwind") == 0 and mix.count("NWSI") == 2  # the company's last calls, by ticker


# --- alert rules by topic ---------------------------------------------------------------------

FIRST = date(2025, 1, 1)
TODAY = FIRST + timedelta(days=59)


@pytest.fixture(scope="module")
def shifting(tmp_path_factory) -> Store:
    """60 days of news on NVDA and AMD. In NVDA's last week its returns talk turns skeptic while
    its other talk turns more hype (the overall tone holds), and AMD stops talking about returns."""
    items = []
    for i in range(60):
        day = FIRST + timedelta(days=i)
        last_week = i >= 53
        items.append(
            news(
                day,
                ["NVDA"],
                [
                    ("Our AI revenue doubled.", "skeptic" if last_week else "hype"),
                    ("Margins will expand.", "skeptic" if last_week else "hype"),
                    ("Demand is strong.", "hype"),
                    ("Demand is strong again.", "hype" if last_week else "skeptic"),
                    ("We raised capex again.", "hype" if last_week else "skeptic"),
                    ("The weather was fine.", "neutral"),
                ],
            )
        )
        items.append(
            news(
                day,
                ["AMD"],
                [
                    ("We raised capex again.", "hype"),
                    ("Capital expenditures will double.", "hype"),
                    *(
                        [("The weather was fine.", "neutral")] * 2
                        if last_week
                        else [("Our AI revenue doubled.", "hype"), ("Margins will expand.", "hype")]
                    ),
                ],
                n=1,
            )
        )
    return save(Store(tmp_path_factory.mktemp("shifting") / "hw.duckdb"), items)


def raised(store: Store, *rules: Rule) -> list[tuple[str, str]]:
    return sorted((a.scope, a.metric) for a in detect(store, list(rules), today=TODAY))


def test_a_topic_scope_watches_only_that_topics_sentences(shifting):
    rules = [
        Rule(name=f"r{i}", scope=scope)
        for i, scope in enumerate(
            [
                "topic:returns",
                "topic:returns,ticker:NVDA",
                "topic:returns,kind:news",
                "topic:capex,ticker:AMD",
                "ticker:NVDA",
            ]
        )
    ]
    # NVDA's tone as a whole and AMD's capex talk hold; returns talk turns (AMD's falls silent)
    assert raised(shifting, *rules) == [
        ("topic:returns", "hype_index"),
        ("topic:returns,kind:news", "hype_index"),
        ("topic:returns,ticker:NVDA", "hype_index"),
    ]


def test_the_capex_versus_returns_gap_is_a_metric(shifting):
    gap = [
        Rule(name="gap", metric="capex_returns_gap", scope=scope, direction="up")
        for scope in ("ticker:AMD", "ticker:NVDA")
    ]
    assert raised(shifting, *gap) == [("ticker:AMD", "capex_returns_gap")]


# --- databases from before topics ----------------------------------------------------------------


def test_an_old_database_gets_topics_without_scoring_again(tmp_path, tiny_model, write_config):
    from hypewatch.nlp.scorer import Scorer

    path = tmp_path / "old.duckdb"
    migrate(path, upto=4)  # what hypewatch wrote before topics
    model_id = Scorer.identify(str(tiny_model), device="cpu")
    conn = duckdb.connect(str(path))
    conn.execute(
        "INSERT INTO documents (doc_id, source, kind, url, fetched_at, published_at, language, tickers, "
        "text, status, scored_by) VALUES ('d', 'wire', 'news', 'https://x.example/d', now(), now(), 'en', "
        "['NVDA'], 't', 'ok', ?)",
        [model_id],
    )
    conn.executemany(
        "INSERT INTO sentences (doc_id, sent_no, text, language, label, p_hype, p_skeptic, p_neutral, "
        "fatigue, p_fatigue, model) VALUES ('d', ?, ?, 'en', ?, ?, 0.1, 0.1, false, 0.0, ?)",
        [
            [0, "Capex doubled and AI demand is strong.", "hype", 0.77, model_id],
            [1, "Agentic workflows are everywhere.", "neutral", 0.12, model_id],
        ],
    )
    conn.close()
    config = write_config(f"database: {path}\nmodel: {{name: {tiny_model}, device: cpu}}\n")

    def score_stage() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "hypewatch", "--config", str(config), "score"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    first = score_stage()
    assert "documents 0," in first and "retagged 1" in first  # nothing scored, the sentences tagged
    state = rows(Store(path), "SELECT topics, ai_mentions, label, p_hype, model FROM sentences ORDER BY sent_no")
    assert state == [
        (["capex", "demand"], 1, "hype", pytest.approx(0.77), model_id),
        ([], 0, "neutral", pytest.approx(0.12), model_id),
    ]
    assert "retagged 0" in score_stage()  # the same definitions: nothing to do

    config.write_text(config.read_text() + "topics:\n  - {name: agents, phrases: [agentic]}\n")
    assert "retagged 1" in score_stage()  # new definitions: topics again, scores untouched
    assert rows(Store(path), "SELECT topics, p_hype FROM sentences ORDER BY sent_no") == [
        (["capex", "demand"], pytest.approx(0.77)),
        (["agents"], pytest.approx(0.12)),
    ]
    assert [r[0] for r in rows(Store(path), "SELECT name FROM topic_definitions ORDER BY position")][-1] == "agents"


def test_classify_prints_each_sentences_topics(tiny_model, write_config):
    config = write_config(f"model: {{name: {tiny_model}, device: cpu}}\n")
    done = subprocess.run(
        [sys.executable, "-m", "hypewatch", "--config", str(config), "classify"],
        input="Capex doubled while Meta AI usage soared.\nThe weather was fine.\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    import json

    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["topics"] == ["capex", "demand"] and first["ai_mentions"] == 1
    assert list(first)[:3] == ["text", "label", "topics"]
    assert second["topics"] == [] and second["label"] in ("hype", "skeptic", "neutral")


def test_the_alert_digest_quotes_only_the_topics_sentences(shifting):
    from hypewatch.alerts import load_section

    [alert] = detect(shifting, [Rule(name="r", scope="topic:returns,ticker:NVDA")], today=TODAY)
    with shifting.read() as conn:
        section = load_section(conn, alert)
    # NVDA's hype in the window is all demand and capex talk: none of it is about returns
    assert section.evidence["hype"] == []
    quoted = {e.text for e in section.evidence["skeptic"]}  # the strongest sentence of each document
    assert quoted and quoted <= {"Our AI revenue doubled.", "Margins will expand."}


def test_a_parquet_lake_round_trip_keeps_topics_and_earlier_lakes_still_import(store, tmp_path):
    """Exports carry topics (every column of the database); an import leaves them to the next
    score stage, so a lake written before topics existed imports as well."""
    import pyarrow.parquet as pq

    from hypewatch.lake.export import export_lake
    from hypewatch.lake.load import import_lake

    lake = tmp_path / "lake"
    export_lake(store.path, lake)
    for path in (lake / "sentences").rglob("*.parquet"):  # as a lake from before topics
        table = pq.read_table(path)
        pq.write_table(table.drop(["topics", "ai_mentions"]), path)
    other = Store(tmp_path / "other.duckdb")
    import_lake(other, lake)
    assert rows(other, "SELECT count(*) FROM sentences WHERE topics IS NOT NULL") == [(0,)]
    assert tag_pending(other, TAGGER) == 3
    query = "SELECT doc_id, sent_no, topics, ai_mentions FROM sentences ORDER BY ALL"
    assert rows(other, query) == rows(store, query)

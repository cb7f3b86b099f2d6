"""Finding watched companies in text, without the false hits of ordinary words."""

from __future__ import annotations

import pytest

from hypewatch.crawler.companies import DEFAULT_WATCHLIST, find_tickers, ticker_for_company
from hypewatch.crawler.workers import read_transcript


def test_default_watchlist_covers_ai_infrastructure():
    for ticker in (
        "NVDA",
        "AMD",
        "AVGO",
        "TSM",
        "INTC",
        "ARM",
        "MSFT",
        "GOOGL",
        "AMZN",
        "META",
        "ORCL",
        "SMCI",
        "DELL",
        "MU",
        "CRWV",
        "ASML",
        "ANET",
        "VRT",
    ):
        assert DEFAULT_WATCHLIST[ticker], ticker
    assert len(DEFAULT_WATCHLIST) >= 25


@pytest.mark.parametrize(
    "text, tickers",
    [
        ("Nvidia and AMD rallied while Broadcom slipped.", ["AMD", "AVGO", "NVDA"]),
        ("NVIDIA's data center revenue doubled; CoreWeave bought more GPUs.", ["CRWV", "NVDA"]),
        ("Shares of $NVDA and $META rose.", ["META", "NVDA"]),
        ("Vertiv Holdings (NYSE: VRT) raised guidance.", ["VRT"]),
        ("Super Micro Computer (NASDAQ: SMCI) fell.", ["SMCI"]),
        ("Meta Platforms raised its capex forecast.", ["META"]),
        ("Meta said it would spend more on AI.", ["META"]),
        ("Meta's Llama models are open.", ["META"]),
        ("Arm Holdings shares jumped.", ["ARM"]),
        ("Chip designer Arm reported record royalties.", ["ARM"]),
        ("Arm's chips power most phones.", ["ARM"]),
        ("Amazon Web Services and Microsoft Azure compete with Google Cloud.", ["AMZN", "GOOGL", "MSFT"]),
        ("TSMC and ASML both beat estimates.", ["ASML", "TSM"]),
        ("Intel-based laptops and AMD-powered desktops.", ["AMD", "INTC"]),
    ],
)
def test_companies_are_found(text, tickers):
    assert find_tickers(text, DEFAULT_WATCHLIST) == tickers


@pytest.mark.parametrize(
    "text",
    [
        "A meta-analysis of forty studies found no effect.",
        "Meta-analysis shows nothing of the kind.",
        "Always fill in the meta description of a web page.",
        "She kept the lobbyists at arm's length.",
        "He broke his arm playing football; the Arm was in a cast.",
        "Artificial intelligence is changing how intelligence agencies work.",
        "The Amazon rainforest lost more trees this year.",
        "Warren Buffett, the Oracle of Omaha, skipped the meeting.",
        "The AMDs of the world and camera makers.",
        "META TAGS and ARM YOURSELF are headlines, not tickers.",
        "We learned the alphabet at school.",
    ],
)
def test_ordinary_words_are_not_companies(text):
    assert find_tickers(text, DEFAULT_WATCHLIST) == []


def test_a_custom_watchlist_is_used():
    watchlist = {"CRWV": ["CoreWeave"], "NBIS": ["Nebius"]}
    assert find_tickers("Nebius and CoreWeave rent out Nvidia GPUs.", watchlist) == ["CRWV", "NBIS"]


def test_result_is_sorted_and_unique():
    assert find_tickers("Nvidia, NVIDIA, $NVDA and Nvidia Corp.", DEFAULT_WATCHLIST) == ["NVDA"]


@pytest.mark.parametrize(
    "company, ticker",
    [
        ("Micron Technologies", "MU"),  # the operator's variant of "Micron Technology"
        ("Micron Technology, Inc.", "MU"),
        ("LAM Research", "LRCX"),
        ("Oracle Corporation", "ORCL"),
        ("Dell Technologies", "DELL"),
        ("Amazon.com, Inc.", "AMZN"),
        ("Meta Platforms, Inc.", "META"),
        ("Land Research", None),  # speech-to-text's Lam: not a name the watchlist knows
        ("Intelligent Systems", None),  # not Intel
        ("Salesforce", None),  # not watched
    ],
)
def test_a_calls_company_is_a_watched_ticker_however_it_is_spelled(company, ticker):
    assert ticker_for_company(company) == ticker


def test_a_name_two_watched_companies_share_gives_no_ticker():
    assert ticker_for_company("Acme", {"ACME": ["Acme"], "ACMX": ["Acme"]}) is None


def test_a_call_with_no_ticker_takes_its_companys_from_the_watchlist():
    def call(welcome: str) -> bytes:
        return f"Operator: {welcome} I will now turn the call over to Jane Roe.\n\nJane Roe: Thank you.".encode()

    watchlist = {"NWSI": ["Northwind Silicon"]}
    spoken = [
        "Welcome to the Northwind Silicon Q1 2027 Earnings Conference Call.",
        "Welcome to the Northwind Silicon Technologies Second Quarter 2027 Earnings Call.",
    ]
    parsed = [read_transcript(call(w), "call.txt", "file:///call.txt", watchlist) for w in spoken]
    assert [p.transcript.ticker for p in parsed if p.transcript] == ["NWSI", "NWSI"]
    assert all(p.tickers == ["NWSI"] for p in parsed)
    # a ticker the file gives is kept
    named = read_transcript(call(spoken[0]), "ACME_2027_Q1.txt", "file:///ACME_2027_Q1.txt", watchlist)
    assert named.transcript is not None and named.transcript.ticker == "ACME"

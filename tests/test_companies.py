"""Finding watched companies in text, without the false hits of ordinary words."""

from __future__ import annotations

import pytest

from hypewatch.crawler.companies import DEFAULT_WATCHLIST, find_tickers


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

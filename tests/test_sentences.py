from datetime import datetime, timezone

import pytest

from hypewatch.nlp import sentences as sentences_module
from hypewatch.nlp.sentences import document_sentences, split_sentences
from hypewatch.records import Document, Turn


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Apple Inc. said sales in the U.S. rose 12% in Q3. Mr. Cook was pleased.",
            ["Apple Inc. said sales in the U.S. rose 12% in Q3.", "Mr. Cook was pleased."],
        ),
        (
            "Capex reached $1.2 billion, up 3.5% from Q2. Margins held.",
            ["Capex reached $1.2 billion, up 3.5% from Q2.", "Margins held."],
        ),
        ("Sales rose in the U.S. It was a record.", ["Sales rose in the U.S.", "It was a record."]),
        ("U.S. Steel and Acme Co. fell.", ["U.S. Steel and Acme Co. fell."]),
        ("Costs, e.g. power and cooling, rose. Fine.", ["Costs, e.g. power and cooling, rose.", "Fine."]),
        ("We closed Q3. Next comes Q4.", ["We closed Q3.", "Next comes Q4."]),
        ("Revenue was $4.1 bn. vs. $3.2 bn. a year ago.", ["Revenue was $4.1 bn. vs. $3.2 bn. a year ago."]),
        (
            "The call starts at 5 p.m. ET on Tuesday. Join early.",
            ["The call starts at 5 p.m. ET on Tuesday.", "Join early."],
        ),
        ("Are customers pausing orders? We see no slowdown!", ["Are customers pausing orders?", "We see no slowdown!"]),
    ],
)
def test_abbreviations_figures_and_punctuation(text, expected):
    assert split_sentences(text) == expected


def test_each_bullet_line_and_paragraph_is_a_sentence():
    text = (
        "Highlights for the quarter:\n- Revenue up 10%\n* Margin flat\n1. Capex of $2.1 billion\n\nOutlook is unchanged"
    )
    assert split_sentences(text) == [
        "Highlights for the quarter:",
        "Revenue up 10%",
        "Margin flat",
        "Capex of $2.1 billion",
        "Outlook is unchanged",
    ]


def test_hard_wrapped_lines_are_joined_back():
    assert split_sentences("Demand for accelerators grew\nfaster than we expected. Next,\nwe hired.") == [
        "Demand for accelerators grew faster than we expected.",
        "Next, we hired.",
    ]


def test_blank_and_punctuation_only_text_gives_no_sentences():
    assert split_sentences("  \n\n---\n * \n") == []


def _doc(**kw):
    return Document(
        doc_id="d1",
        source="s",
        kind=kw.pop("kind"),
        url="u",
        title=None,
        published_at=None,
        fetched_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
        language="en",
        tickers=[],
        **kw,
    )


def test_news_sentences_are_numbered_without_turns():
    sentences = document_sentences(_doc(kind="news", text="First one. Second one.\n\nThird one."))
    assert [(s.sent_no, s.turn_no, s.text) for s in sentences] == [
        (0, None, "First one."),
        (1, None, "Second one."),
        (2, None, "Third one."),
    ]


def test_transcript_sentences_keep_their_turn_and_run_on_across_turns():
    turns = [
        Turn("Operator", "operator", "prepared", "Welcome. Please go ahead."),
        Turn("Jane Doe", "executive", "prepared", "Thanks. Demand from U.S. customers was strong."),
    ]
    sentences = document_sentences(_doc(kind="transcripts", text="", turns=turns))
    assert [(s.sent_no, s.turn_no, s.text) for s in sentences] == [
        (0, 0, "Welcome."),
        (1, 0, "Please go ahead."),
        (2, 1, "Thanks."),
        (3, 1, "Demand from U.S. customers was strong."),
    ]
    assert {s.doc_id for s in sentences} == {"d1"}


def test_a_whole_call_on_one_line_longer_than_pysbd_reads_at_once_splits_as_its_sentences():
    # Speech-to-text gives a whole call as one line; pysbd alone takes minutes past a few hundred
    # thousand characters (benchmarks/sentences.py), so such a line is read in windows.
    said = [
        "Revenue grew 12% to $1.5 billion, ahead of the U.S. consensus of approx. 10%.",
        "Mr. Smith, our CFO, will take you through the numbers at 5 p.m. ET.",
        "We expect data center demand to stay strong into fiscal 2026.",
        "Thank you, operator.",
        "Could you talk about gross margins, e.g. the mix of Blackwell versus Hopper?",
        "Sure, I'll take that one.",
        "Thank you.",
        "Thank you, and congratulations on the quarter.",  # begins with the sentence before it
    ]
    sentences = said * 500
    block = " ".join(sentences)
    assert len(block) > sentences_module.LONG_BLOCK_CHARS
    assert split_sentences(block) == sentences


def test_a_run_on_line_with_no_sentence_end_comes_back_whole_in_window_sized_pieces():
    block = " ".join(f"and then the demand for compute number {i}" for i in range(8_000))
    pieces = split_sentences(block)
    assert " ".join(pieces) == block
    assert max(len(p) for p in pieces) <= sentences_module.WINDOW_CHARS


@pytest.mark.parametrize("window", range(200, 330, 7))
def test_windows_give_the_sentences_wherever_they_cut(monkeypatch, window):
    # Small windows put a cut at every kind of place: inside a sentence, right after one, and
    # where the same sentence is said twice in a row.
    monkeypatch.setattr(sentences_module, "LONG_BLOCK_CHARS", 0)
    monkeypatch.setattr(sentences_module, "WINDOW_CHARS", window)
    said = ["Okay.", "Okay.", "Thank you, and well done.", "Revenue grew 12% to $1.5 billion.", "Mr. Lee asked."]
    assert split_sentences(" ".join(said * 20)) == said * 20

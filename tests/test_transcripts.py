"""parse_transcript: speakers, roles, sections and metadata across transcript layouts."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from crawler.transcripts import parse_transcript
from transcripts_helpers import FIXTURES, SHARED, transcript_files, words_kept

REAL_FILES = transcript_files(SHARED) if SHARED.exists() else []
SPEECH_FILES = [p for p in REAL_FILES if p.parent.name == "sp500_2024_25_txt"]
needs_shared = pytest.mark.skipif(not REAL_FILES, reason="../shared/data/transcripts is absent")


def parse(path: Path):
    return parse_transcript(path.read_bytes(), path.name)


def roles_of(transcript) -> dict[str, str]:
    return {t.speaker: t.role for t in transcript.turns}


def first_qa(transcript) -> int:
    return next(i for i, t in enumerate(transcript.turns) if t.section == "qa")


# --- no text lost --------------------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_transcript_keeps_its_spoken_words(path):
    transcript = parse(path)
    assert words_kept(path.read_bytes(), path.name, transcript) >= 0.98
    assert transcript.warnings == []


@pytest.mark.parametrize("path", transcript_files(FIXTURES), ids=lambda p: p.name)
def test_every_fixture_keeps_its_spoken_words(path):
    assert words_kept(path.read_bytes(), path.name, parse(path)) >= 0.98


# --- the three layouts of ../shared --------------------------------------------------------------


@needs_shared
def test_nvidia_call_roles_sections_and_metadata():
    t = parse(SHARED / "motleyfool_txt" / "nvidia-nvda-q1-2025-earnings-call-transcript.txt")
    roles = roles_of(t)
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == ("Nvidia", "NVDA", "Q1 2025", date(2024, 5, 22))
    assert roles["Colette Kress"] == roles["Jensen Huang"] == roles["Simona Jankowski"] == "executive"
    assert roles["Stacy Rasgon"] == roles["Joe Moore"] == roles["C.J. Muse"] == "analyst"
    assert roles["Operator"] == "operator"
    # Q&A opens with the operator introducing the first analyst, right after IR hands over.
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Operator" and "Stacy Rasgon" in t.turns[qa].text
    assert t.turns[qa - 1].speaker == "Simona Jankowski" and t.turns[qa + 1].speaker == "Stacy Rasgon"
    assert all(turn.section == "qa" for turn in t.turns[qa:])
    # Names, dashes and titles are labels, never speech; the page's trailer is dropped.
    assert not any(turn.text.startswith("--") or "Call participants" in turn.text for turn in t.turns)
    assert "More NVDA analysis" not in t.turns[-1].text


@needs_shared
def test_seekingalpha_call_uses_its_executive_and_analyst_lists():
    t = parse(SHARED / "seekingalpha_txt" / "CT_FB_2018_q1.txt")
    roles = roles_of(t)
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == ("Facebook, Inc.", "FB", "Q1 2018", date(2018, 4, 25))
    assert roles["Mark Elliot Zuckerberg"] == roles["David M. Wehner"] == "executive"
    assert roles["Brian Nowak"] == roles["Heather Bellini"] == "analyst"
    # "Deborah Crawford - Facebook, Inc." is a speaker line, not speech.
    assert t.turns[1].speaker == "Deborah Crawford" and t.turns[1].text.startswith("Thank you.")
    assert t.turns[first_qa(t)].speaker == "Operator"


@needs_shared
def test_seekingalpha_call_in_windows_1252_with_curly_dashes():
    t = parse(SHARED / "seekingalpha_txt" / "CT_FB_2019_q1.txt")
    assert roles_of(t)["Dave Wehner"] == "executive" and roles_of(t)["Doug Anmuth"] == "analyst"
    assert "Facebook’s" in t.turns[0].text


@needs_shared
def test_json_call_takes_sections_from_keys_and_metadata_from_the_filename():
    path = SHARED / "motleyfool_json" / "ACN_q1_2022.json"
    t = parse(path)
    data = json.loads(path.read_bytes())
    assert (t.ticker, t.fiscal_period) == ("ACN", "Q1 2022")
    assert sum(turn.section == "prepared" for turn in t.turns) == len(data["prepared_remarks"])
    roles = roles_of(t)
    assert roles["KC McClure"] == roles["Julie Sweet"] == "executive"
    assert roles["Tien-tsin Huang"] == "analyst"
    assert all("Duration" not in turn.speaker for turn in t.turns)  # empty trailer entries are dropped


# What each call's layout lets it show. Calls with speaker labels name all three roles. A
# speech-to-text call has roles only where its cues say them: Tesla's calls are run by investor
# relations (no operator), and at Netflix's IR reads out the questions analysts sent in (no
# operator, and no analyst speaks).
IR_MODERATED = ("TSLA_", "NFLX_")
QUESTIONS_READ_OUT = ("NFLX_",)


def expected_roles(path: Path) -> set[str]:
    roles = {"executive", "analyst", "operator"}
    if path.name.startswith(IR_MODERATED):
        roles.discard("operator")
    if path.name.startswith(QUESTIONS_READ_OUT):
        roles.discard("analyst")
    return roles


@needs_shared
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_call_finds_its_roles_and_both_sections(path):
    t = parse(path)
    assert {turn.role for turn in t.turns} - {"other"} == expected_roles(path)
    sections = [turn.section for turn in t.turns]
    assert sections[0] == "prepared" and sections[-1] == "qa"
    assert sections == sorted(sections, key=["prepared", "qa"].index)


# --- layouts not in ../shared --------------------------------------------------------------------


def test_wire_service_upper_case_headers_with_affiliation_lines():
    t = parse(FIXTURES / "wire_upper.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Quantix Systems Corp", "QNTX", "Q3 2024", date(2024, 11, 12)
    )
    assert [turn.speaker for turn in t.turns[:4]] == ["Operator", "Dana Whitfield", "Arjun Mehta", "Lena Ortiz"]
    assert roles_of(t) == {
        "Operator": "operator", "Dana Whitfield": "executive", "Arjun Mehta": "executive",
        "Lena Ortiz": "executive", "Paul Brennan": "analyst", "Mei Tanaka": "analyst",
    }
    assert t.turns[first_qa(t)].text.startswith("Thank you. Our first question")
    # The affiliation line under a name is a label, not speech.
    assert not any("Quantix Systems Corp - CEO" in turn.text for turn in t.turns)
    assert t.turns[2].text.endswith("we are investing to lead it.")


def test_streetevents_rules_counters_and_trailing_disclaimer():
    t = parse(FIXTURES / "streetevents.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Lumina Networks Inc", "LMNA", "Q4 2024", date(2025, 2, 19)
    )
    assert roles_of(t)["Hannah Cole"] == "analyst" and roles_of(t)["Thomas Becker"] == "executive"
    assert t.turns[first_qa(t) + 1].speaker == "Oliver Grant"
    assert not any("[" in turn.speaker or "Thomson Reuters" in turn.text for turn in t.turns)
    assert t.turns[-1].text == "This concludes today's conference call. Thank you for joining."


def test_inline_speakers_without_markers_start_qa_at_the_first_question():
    t = parse(FIXTURES / "inline.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == ("Helio Robotics", "HLRB", "Q2 2025", date(2025, 8, 6))
    roles = roles_of(t)
    assert roles == {
        "Operator": "operator", "Maya Chen": "executive", "Rafael Ortiz": "executive",
        "Nina Patel": "analyst", "Leo Brandt": "analyst",
    }
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Operator" and "Nina Patel" in t.turns[qa].text
    assert t.turns[1].text.startswith("Thank you. Good morning")  # "Maya Chen:" is not part of the text


def test_name_dash_title_speaker_lines():
    t = parse(FIXTURES / "name_title.txt")
    assert (t.company, t.fiscal_period, t.call_date) == ("Vantage Cloud Inc.", "Q2 2024", date(2024, 3, 3))
    roles = roles_of(t)
    assert roles["Jordan Blake"] == roles["Sofia Marquez"] == "executive"
    assert roles["Ethan Cho"] == roles["Unidentified Analyst"] == "analyst"
    sofia = [turn for turn in t.turns if turn.speaker == "Sofia Marquez"]
    assert sofia[0].text.count("\n") == 1  # two paragraphs kept apart


def test_html_page_drops_navigation_and_keeps_the_call():
    t = parse(FIXTURES / "page.html")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == ("Orbital Data", "ORBD", "Q1 2025", date(2025, 5, 8))
    assert t.title.startswith("Orbital Data (ORBD) Q1 2025 Earnings Call Transcript")
    assert roles_of(t)["Daniel Rossi"] == "analyst" and roles_of(t)["Irene Park"] == "executive"
    text = " ".join(turn.text for turn in t.turns)
    assert "Sign In" not in text and "Premium" not in text and "Copyright" not in text
    assert t.turns[-1].text.endswith("Thank you for attending.")


def test_json_with_other_key_names_and_nesting():
    t = parse(FIXTURES / "nested.json")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Corvid Semiconductor", "CRVD", "Q4 2024", date(2024, 10, 30)
    )
    assert [(turn.speaker, turn.role, turn.section) for turn in t.turns] == [
        ("Operator", "operator", "prepared"),
        ("Ian Brooks", "executive", "prepared"),
        ("Operator", "operator", "qa"),
        ("Ruth Kim", "analyst", "qa"),
        ("Ian Brooks", "executive", "qa"),
    ]
    assert t.turns[1].text == "Thank you. Our data center chips sold out again this quarter.\nWe are adding capacity for next year and expect another strong quarter."


def test_upper_case_inline_speakers_with_titles():
    text = (
        "ACME CORP (NYSE: ACME) FIRST QUARTER 2023 EARNINGS CALL\n\n"
        "OPERATOR: Welcome. Our first question comes from Ann Lee with UBS.\n"
        "ANN LEE, UBS: How durable is the AI demand you are seeing?\n"
        "JOHN SMITH, CHIEF EXECUTIVE OFFICER: Very durable, we think.\n"
        "ANN LEE, UBS: Thank you.\n"
    )
    t = parse_transcript(text)
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Operator", "operator"), ("Ann Lee", "analyst"), ("John Smith", "executive"), ("Ann Lee", "analyst"),
    ]
    assert (t.ticker, t.fiscal_period) == ("ACME", "Q1 2023")


# --- what it cannot read -------------------------------------------------------------------------


def test_unrecognised_layout_gives_one_turn_per_paragraph_and_a_warning():
    path = FIXTURES / "unknown_layout.txt"
    t = parse(path)
    assert len(t.turns) == 4
    assert {(turn.speaker, turn.role, turn.section) for turn in t.turns} == {("Unknown", "other", "prepared")}
    assert any("unrecognised layout" in w for w in t.warnings)
    assert words_kept(path.read_bytes(), path.name, t) == 1.0


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\n", b"\xff\xfe\x00garbage\x00", "{not json", "[1, 2, 3]", '{"a": {"b": null}}', "<html></html>"],
)
def test_odd_input_never_raises(data):
    t = parse_transcript(data)
    assert t.warnings  # says why there is little or nothing to show


def test_capitalised_prose_lines_are_not_taken_for_speakers():
    text = (
        "Operator\nWelcome to the call. I will hand over to Jane Roe, our CEO.\n"
        "Jane Roe\nThank you. Let me start with the segments.\nData Center\n"
        "Data center revenue grew strongly this quarter and we expect more.\n"
        "Operator\nOur first question comes from Bo Chan with Mizuho.\n"
        "Bo Chan\nWhat about margins?\nJane Roe\nThey will improve.\n"
    )
    t = parse_transcript(text)
    assert [turn.speaker for turn in t.turns] == ["Operator", "Jane Roe", "Operator", "Bo Chan", "Jane Roe"]
    assert "Data Center" in t.turns[1].text

"""parse_transcript: speakers, roles, sections and metadata across transcript layouts."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from transcripts_helpers import (
    FIXTURES,
    LABELLED_FOLDERS,
    SHARED,
    aligned_pairs,
    as_speech_to_text,
    transcript_files,
    words_kept,
)

from hypewatch.crawler.transcripts import TranscriptError, parse_transcript
from hypewatch.crawler.transcripts.cues import TAKING_QUESTIONS
from hypewatch.crawler.transcripts.text import sentences, without_repeat
from hypewatch.records import Transcript

REAL_FILES = transcript_files(SHARED) if SHARED.exists() else []
GIVEN_TWICE = "the call is given twice in a row: the repeat is left out"
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
    data = path.read_bytes()
    if transcript.warnings == [GIVEN_TWICE]:
        # Two calls of 2024-25 come twice in a row: the words are measured against the first copy.
        data = data[: data.index(data.lstrip()[:80], len(data) - len(data.lstrip()) + 80)]
    else:
        # A publisher's "Operator:" over the CFO's remarks is corrected, and said; nothing else is amiss.
        assert [w for w in transcript.warnings if "read as the company's remarks" not in w] == []
    assert words_kept(data, path.name, transcript) >= 0.98


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


# The operator's welcome, as real calls word it; the company where no header or field names one.
WELCOMES = {
    "Good day and welcome to the Q1 FY 2024 Adobe Earnings Conference call.": "Adobe",
    "Welcome to the Applied Materials Fourth Quarter Fiscal 2024 Earnings Conference Call.": "Applied Materials",
    "Welcome to Salesforce's fiscal 2024 fourth quarter and full year results conference call.": "Salesforce",
    "Welcome to Cisco's Fourth Quarter in Fiscal Year 2024 Financial Results Conference Call.": "Cisco",
    "Good afternoon, and welcome to the Fiscal Year 2024 First Quarter Financial Results Conference Call for Dell "
    "Technologies, Inc.": "Dell Technologies",
    "You are currently on hold for the Dell Technologies Fiscal Year 2025 Second Quarter Results Call.": "Dell Technologies",
    "At this time, I would like to welcome everyone to NVIDIA's third quarter earnings call.": "NVIDIA",
    "Thank you for standing by, and welcome to DXC Technology Q1 fiscal-year '22 earnings conference call.": "DXC Technology",
    "Good morning, everyone, and welcome to SolarWinds' fourth quarter 2021 earnings call.": "SolarWinds",
    "Welcome to the Corning Incorporated Quarter Four 2020 Earnings Call.": "Corning",
    "At this time, I would like to welcome everyone to the Oracle Corporation's second quarter 2024 earnings "
    "conference call.": "Oracle",
    "Good afternoon and thank you for joining ServiceNow's first quarter 2024 earnings conference call.": "ServiceNow",
    "Good afternoon and welcome to the fiscal year 2024 fourth quarter and year end financial results conference "
    "call for Dell Technologies, Inc.": "Dell Technologies",
    "Welcome, everyone. Welcome to today's call.": None,
    "Thank you for joining us today.": None,
    "Welcome to the Morgan Stanley Technology, Media and Telecom Conference.": None,
    "We welcome the opportunity to discuss our results with you.": None,
}


@pytest.mark.parametrize("welcome, company", WELCOMES.items(), ids=list(WELCOMES))
def test_the_company_is_read_from_the_operators_welcome_where_nothing_else_names_it(welcome, company):
    text = f"Operator: {welcome} I will now turn the call over to Jane Roe.\n\nJane Roe: Thank you. Revenue grew."
    t = parse_transcript(text, "call.txt")
    assert t.company == company
    assert parse_transcript(f"ACME CORP - Q1 2026 EARNINGS CALL\n\n{text}", "call.txt").company == "Acme Corp"


@pytest.mark.parametrize(
    "remark, day",
    [
        (
            "All our statements are made as of today, November 20, 2024, based on information available to us.",
            "2024-11-20",
        ),
        ("As a reminder, this conference is being recorded January 31st, 2024.", "2024-01-31"),
        ("Our remarks reflect management's views as of today, Thursday, May 1st, 2025 only.", "2025-05-01"),
        ("This is a replay of the conference call, which occurred on February 12th, 2025.", "2025-02-12"),
        ("Our guidance is based on information as of April 28, 2021, and contains risks.", "2021-04-28"),
        ("Today's date is 14 March 2024.", "2024-03-14"),
        # other days of the opening
        ("Risks are in our most recent Form 10-K, filed February 16, 2024.", None),
        ("See our Form 10-Q for the fiscal quarter ended January 31st, 2024.", None),
        ("Our remarks are as of today, March 14th, and contain risks.", None),  # no year: not guessed
    ],
)
def test_the_call_date_is_the_one_the_call_gives_itself_where_nothing_else_gives_one(remark, day):
    text = (
        "Operator: Welcome to the Acme Q1 2024 earnings call. I will now turn the call over to Jane Roe.\n\n"
        f"Jane Roe: Thank you. {remark} Revenue grew."
    )
    found = parse_transcript(text, "call.txt").call_date
    assert (found.isoformat() if found else None) == day
    # a date the header or the file name gives wins
    assert parse_transcript(text, "acme-2024-06-01.txt").call_date == date(2024, 6, 1)


@needs_shared
def test_json_call_takes_sections_from_keys_and_metadata_from_the_filename():
    path = SHARED / "motleyfool_json" / "ACN_q1_2022.json"
    t = parse(path)
    data = json.loads(path.read_bytes())
    assert (t.company, t.ticker, t.fiscal_period) == ("Accenture", "ACN", "Q1 2022")  # the company: the welcome
    assert sum(turn.section == "prepared" for turn in t.turns) == len(data["prepared_remarks"])
    roles = roles_of(t)
    assert roles["KC McClure"] == roles["Julie Sweet"] == "executive"
    assert roles["Tien-tsin Huang"] == "analyst"
    assert all("Duration" not in turn.speaker for turn in t.turns)  # empty trailer entries are dropped


# What each call's layout lets it show. Calls with speaker labels name all three roles. A
# speech-to-text call has roles only where its cues say them: Tesla's calls are run by investor
# relations (no operator), and at Netflix's IR reads out the questions analysts sent in (no
# operator, and no analyst speaks).
# Calls with no operator: run by investor relations, or (UNF) with no one running a queue at all,
# where the publisher's "Operator:" labels the CFO.
IR_MODERATED = ("TSLA_", "NFLX_", "UNF_")
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
        "Quantix Systems Corp",
        "QNTX",
        "Q3 2024",
        date(2024, 11, 12),
    )
    assert [turn.speaker for turn in t.turns[:4]] == ["Operator", "Dana Whitfield", "Arjun Mehta", "Lena Ortiz"]
    assert roles_of(t) == {
        "Operator": "operator",
        "Dana Whitfield": "executive",
        "Arjun Mehta": "executive",
        "Lena Ortiz": "executive",
        "Paul Brennan": "analyst",
        "Mei Tanaka": "analyst",
    }
    assert t.turns[first_qa(t)].text.startswith("Thank you. Our first question")
    # The affiliation line under a name is a label, not speech.
    assert not any("Quantix Systems Corp - CEO" in turn.text for turn in t.turns)
    assert t.turns[2].text.endswith("we are investing to lead it.")


def test_streetevents_rules_counters_and_trailing_disclaimer():
    t = parse(FIXTURES / "streetevents.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Lumina Networks Inc",
        "LMNA",
        "Q4 2024",
        date(2025, 2, 19),
    )
    assert roles_of(t)["Hannah Cole"] == "analyst" and roles_of(t)["Thomas Becker"] == "executive"
    assert t.turns[first_qa(t) + 1].speaker == "Oliver Grant"
    assert not any("[" in turn.speaker or "Thomson Reuters" in turn.text for turn in t.turns)
    assert t.turns[-1].text == "This concludes today's conference call. Thank you for joining."


def test_callstreet_question_and_answer_letters_and_section_marker():
    t = parse(FIXTURES / "callstreet.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Corvid Semiconductor Inc.",
        "CRVD",
        "Q3 2025",
        date(2025, 10, 23),
    )
    assert roles_of(t) == {
        "Operator": "operator",
        "Jane Doe": "executive",
        "John Smith": "executive",
        "Mary Major": "executive",
        "Vivek Arya": "analyst",
        "Joseph Moore": "analyst",
    }
    # "QUESTION AND ANSWER SECTION" is a marker, not the end of the CFO's remarks.
    assert t.turns[3].text == "Revenue was $4.2 billion, up 38%. Gross margin was 61%."
    assert t.turns[first_qa(t)].text.startswith("Our first question comes from Vivek Arya")


RECORDED_STYLES = {
    "Name (00:00:20):": lambda text: text,
    # Another service's style puts the colon first: "Name: (00:00:20)", on its own line or before the text.
    "Name: (00:00:20)": lambda text: re.sub(r"^(.+?) (\(\d\d:\d\d:\d\d\)):", r"\1: \2", text, flags=re.M),
}


@pytest.mark.parametrize("style", RECORDED_STYLES)
def test_recorded_layout_with_timestamps_after_names(style: str):
    text = RECORDED_STYLES[style]((FIXTURES / "recorded.txt").read_text(encoding="utf-8"))
    t = parse_transcript(text.encode(), "recorded.txt")
    assert [turn.speaker for turn in t.turns] == [
        "Operator",
        "Priya Raman",
        "Tom Weller",
        "Tom Weller",
        "Grace Okafor",
        "Operator",
        "Aryeh Klein",
        "Tom Weller",
        "Operator",
        "Dana Liu",
        "Grace Okafor",
    ]
    assert roles_of(t)["Aryeh Klein"] == roles_of(t)["Dana Liu"] == "analyst"
    assert roles_of(t)["Priya Raman"] == roles_of(t)["Grace Okafor"] == "executive"
    assert t.turns[first_qa(t)].speaker == "Operator" and "Aryeh Klein" in t.turns[first_qa(t)].text
    # The time is no part of the name, nor of what is said ("Dana Liu (00:04:05): How long ...").
    assert t.turns[9].text == "How long can the leasing pace last?"
    assert not any(re.search(r"\d\d:\d\d", turn.text) for turn in t.turns)


def test_bracketed_speaker_labels_and_stage_directions():
    t = parse(FIXTURES / "bracketed.txt")
    assert t.company == "Orbital Storage Corp"  # "ORBITAL STORAGE CORP - Q1 2026 EARNINGS CALL"
    assert roles_of(t) == {
        "Operator": "operator",
        "Ken Adler": "executive",
        "Lucia Ferrante": "executive",
        "Sam Oduya": "executive",
        "Irene Voss": "analyst",
    }
    assert t.turns[2].text.startswith("Thanks, Ken. Demand for flash storage")
    assert t.turns[first_qa(t)].speaker == "Operator" and "Irene Voss" in t.turns[first_qa(t)].text
    # A stage direction in brackets is no speaker, even where every label is in brackets.
    directions = parse_transcript(
        (FIXTURES / "bracketed.txt")
        .read_bytes()
        .replace(b"[Operator] That", b"[Technical Difficulty] and we will ship sooner.\n\n[Operator] That"),
        "bracketed.txt",
    )
    assert set(roles_of(directions)) == set(roles_of(t))


def test_numbered_speakers_of_a_speech_to_text_service_get_roles_from_the_call():
    t = parse(FIXTURES / "numbered.txt")
    # "Speaker 2" is not "Speaker 3": each number is its own speaker.
    assert roles_of(t) == {
        "Speaker 1": "operator",
        "Speaker 2": "executive",
        "Speaker 3": "executive",
        "Speaker 4": "analyst",
        "Speaker 5": "analyst",
        "Speaker 6": "executive",
    }
    assert t.turns[first_qa(t)].speaker == "Speaker 1" and "press star one" in t.turns[first_qa(t)].text


@pytest.mark.parametrize("name", ["markdown.txt", "terminal.txt"])
def test_markup_around_labels_is_dropped(name):
    # Markdown's "**Name** -- Title" and "## Questions & Answers"; a terminal's "Q - Name {BIO 123 <GO>}".
    t = parse(FIXTURES / name)
    roles = roles_of(t)
    assert list(roles.values()).count("analyst") >= 1 and roles["Operator"] == "operator"
    assert {r for n, r in roles.items() if n != "Operator"} == {"executive", "analyst"}
    assert t.turns[first_qa(t)].speaker == "Operator" and t.turns[first_qa(t)].text.startswith("Our first question")
    assert not any(re.search(r"\*\*|#|<GO>|BIO", turn.text + turn.speaker) for turn in t.turns)
    assert t.turns[1].text.startswith("Thank you. With me today")
    assert (t.company, t.ticker) == {
        "markdown.txt": ("Halden Photonics", "HLDN"),
        "terminal.txt": ("Kestrel Networks Inc", "KSTL"),
    }[name]


@pytest.mark.parametrize("name", ["spans.html", "table.html"])
def test_html_speaker_cells_and_spans_are_labels_not_glued_to_the_speech(name):
    # <span>Name</span><span>Title</span><p>...</p>, and a table of speaker and speech cells: each
    # speaker said once is a speaker still, where the page gives every speaker so.
    t = parse(FIXTURES / name)
    assert [turn.speaker for turn in t.turns] == [
        "Operator",
        "Hanna Berg",
        "Luis Ortega",
        "Akiko Sato",
        "Operator",
        "Ben Carver",
        "Luis Ortega",
    ]
    assert roles_of(t)["Ben Carver"] == "analyst" and roles_of(t)["Akiko Sato"] == "executive"
    assert t.turns[1].text == "Thank you. With me today are Luis and Akiko."


def test_an_interview_of_questions_and_answers():
    # A fireside chat as investor-relations sites post it: "Q: ..." / "A: ...", "Question:" / "Answer:".
    t = parse(FIXTURES / "interview.txt")
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Moderator", "operator"),
        ("Q", "analyst"),
        ("A", "executive"),
        ("Q", "analyst"),
        ("A", "executive"),
        ("Question", "analyst"),
        ("Answer", "executive"),
    ]
    assert t.turns[1].text == "Elena, how durable is AI demand in your view?"
    # A conference's host is the bank's analyst, asking.
    chat = parse_transcript(
        "Host: Welcome, Elena. How durable is AI demand?\n\nElena Vasquez: Very durable.\n\n"
        "Host: And pricing?\n\nElena Vasquez: Pricing has held up well.",
        "chat.txt",
    )
    assert [(turn.speaker, turn.role) for turn in chat.turns] == [
        ("Host", "analyst"),
        ("Elena Vasquez", "executive"),
        ("Host", "analyst"),
        ("Elena Vasquez", "executive"),
    ]


def test_inline_speakers_without_markers_start_qa_at_the_first_question():
    t = parse(FIXTURES / "inline.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Helio Robotics",
        "HLRB",
        "Q2 2025",
        date(2025, 8, 6),
    )
    roles = roles_of(t)
    assert roles == {
        "Operator": "operator",
        "Maya Chen": "executive",
        "Rafael Ortiz": "executive",
        "Nina Patel": "analyst",
        "Leo Brandt": "analyst",
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
        "Corvid Semiconductor",
        "CRVD",
        "Q4 2024",
        date(2024, 10, 30),
    )
    assert [(turn.speaker, turn.role, turn.section) for turn in t.turns] == [
        ("Operator", "operator", "prepared"),
        ("Ian Brooks", "executive", "prepared"),
        ("Operator", "operator", "qa"),
        ("Ruth Kim", "analyst", "qa"),
        ("Ian Brooks", "executive", "qa"),
    ]
    assert (
        t.turns[1].text
        == "Thank you. Our data center chips sold out again this quarter.\nWe are adding capacity for next year and expect another strong quarter."
    )


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
        ("Operator", "operator"),
        ("Ann Lee", "analyst"),
        ("John Smith", "executive"),
        ("Ann Lee", "analyst"),
    ]
    assert (t.ticker, t.fiscal_period) == ("ACME", "Q1 2023")


# --- today's layouts (2025-26) -------------------------------------------------------------------


def speakers_roles(transcript) -> list[tuple[str, str, str]]:
    return [(turn.speaker, turn.role, turn.section) for turn in transcript.turns]


def test_todays_json_page_inline_names_with_and_without_space_and_a_named_operator():
    t = parse(FIXTURES / "today_inline.json")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Brightline Robotics",
        "BRTL",
        "Q2 2026",
        date(2026, 2, 12),
    )
    assert speakers_roles(t) == [
        ("Krista", "operator", "prepared"),
        ("Lena Park", "executive", "prepared"),  # said once: still a speaker on a page of "Name:" labels
        ("Hannah Brooks", "executive", "prepared"),
        ("Omar Aziz", "executive", "prepared"),  # "Omar Aziz: Thank you" (with the space)
        ("Krista", "operator", "qa"),
        ("Marco Silva", "analyst", "qa"),
        ("Hannah Brooks", "executive", "qa"),
        ("Marco Silva", "analyst", "qa"),
        ("Omar Aziz", "executive", "qa"),
        ("Krista", "operator", "qa"),
        ("Jo Tanaka", "analyst", "qa"),
        ("Hannah Brooks", "executive", "qa"),
        ("Krista", "operator", "qa"),
    ]
    assert t.turns[0].text.startswith("Good afternoon, and welcome")  # "Krista:" is a label, not speech
    assert t.turns[2].text.count("\n") == 1  # two paragraphs kept apart
    # The header is the publisher's, not speech: the digest is kept apart, promotion and glossary dropped.
    assert t.summary == (
        "Revenue — $412 million, up 18% year over year on warehouse orders.\n"
        "Gross margin fell two points as memory prices rose.\n"
        "Brightline Robotics grew orders for its picking robots faster than planned and expects memory costs "
        "to ease by the summer."
    )
    spoken = "\n".join(turn.text for turn in t.turns)
    for not_speech in ("Takeaways", "TAKEAWAYS", "Atlas Vision", "Need a quote", "Motley Fool", "Stocks Mentioned"):
        assert not_speech not in spoken
    # The scraper's copies of the same page (prepared_remarks, qa_section) add nothing.
    assert sum("Less than a tenth of it" in turn.text for turn in t.turns) == 1
    assert t.warnings == []


def test_todays_json_page_without_metadata_fields_takes_them_from_its_header():
    record = json.loads((FIXTURES / "today_inline.json").read_text(encoding="utf-8"))
    for key in ("company", "ticker", "title", "year", "quarter"):
        del record[key]
    t = parse_transcript(json.dumps(record).encode(), "call.json")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Brightline Robotics",
        "BRTL",
        "Q2 2026",
        date(2026, 2, 12),  # the period as the operator says it
    )


def without_the_marker(record: dict) -> dict:
    return {**record, "transcript": record["transcript"].replace("Full Conference Call Transcript\n", "")}


def only_the_scrapers_split(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "transcript"}


@pytest.mark.parametrize("variant", [without_the_marker, only_the_scrapers_split])
def test_todays_json_page_variants_give_the_same_turns(variant):
    record = json.loads((FIXTURES / "today_inline.json").read_text(encoding="utf-8"))
    expected = parse(FIXTURES / "today_inline.json")
    t = parse_transcript(json.dumps(variant(record)).encode(), "call.json")
    assert speakers_roles(t) == speakers_roles(expected)  # the glossary's "Atlas Vision:" is no speaker
    assert t.summary == expected.summary and t.warnings == []


def test_ir_moderator_without_an_operator_announces_analysts_by_first_name():
    t = parse(FIXTURES / "ir_moderated.txt")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Corvane Systems",
        "CRVN",
        "Q3 2025",
        date(2025, 10, 29),
    )
    assert roles_of(t) == {
        "Maya Lindqvist": "executive",
        "Tom Reyes": "executive",
        "Ines Duarte": "executive",
        "Andrew Park": "analyst",
        "Sofia Brandt": "analyst",  # "Andrew, please feel free to unmute yourself"
    }
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Maya Lindqvist" and "first question comes from Andrew" in t.turns[qa].text
    assert t.turns[qa + 1].speaker == "Andrew Park"


def test_questions_read_out_by_investor_relations_have_no_analyst_speaking():
    t = parse(FIXTURES / "read_out.txt")
    assert (t.company, t.fiscal_period, t.call_date) == ("Halden Energy", "Q4 2025", date(2026, 2, 4))
    assert roles_of(t) == {"Rosa Meyer": "executive", "Victor Lund": "executive"}
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Rosa Meyer" and t.turns[qa].text.startswith("We will now take the questions")
    assert "signed with a single customer?" in t.turns[qa].text  # the question, as IR read it
    assert [turn.section for turn in t.turns[:qa]] == ["prepared", "prepared"]


def test_todays_html_page_with_bold_speakers():
    t = parse(FIXTURES / "today_page.html")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Quorra Networks",
        "QRNW",
        "Q1 2026",
        date(2026, 4, 28),
    )
    assert speakers_roles(t) == [
        ("Operator", "operator", "prepared"),
        ("Elena Vargas", "executive", "prepared"),
        ("Sam Whitaker", "executive", "prepared"),  # bold, once, no space after the colon
        ("Operator", "operator", "qa"),
        ("Lucas Meier", "analyst", "qa"),
        ("Elena Vargas", "executive", "qa"),
        ("Operator", "operator", "qa"),
    ]
    assert t.turns[1].text.endswith("fully booked for the year.")
    assert t.turns[2].text.startswith("Revenue was $96 million.")
    assert "Optical Engine" not in t.summary and "Customer concentration" in t.summary
    assert t.turns[-1].text == "This concludes today's call. You may now disconnect."


def test_speech_to_text_block_is_split_at_hand_over_cues():
    t = parse(FIXTURES / "larkspur-lrsp-q3-2025-speech.txt")
    assert (t.ticker, t.fiscal_period) == ("LRSP", "Q3 2025")
    assert speakers_roles(t) == [
        ("Operator", "operator", "prepared"),  # "My name is Dana, and I will be your conference operator"
        ("Owen Fitch", "executive", "prepared"),  # "Owen Fitch, you may begin."
        ("Clara Jensen", "executive", "prepared"),  # "turn the call over to Clara" + "With me today are Clara Jensen"
        ("Raj Patel", "executive", "prepared"),
        ("Unknown", "executive", "prepared"),  # "Thank you, Raj.": someone else speaks; no cue names them
        ("Operator", "operator", "qa"),  # "Operator, would you please poll for questions?"
        ("Nadia Brooks", "analyst", "qa"),  # "Your first question comes from the line of Nadia Brooks ..."
        ("Unknown", "executive", "qa"),  # "Thanks, Nadia."
        ("Operator", "operator", "qa"),
        ("Peter Lang", "analyst", "qa"),
        ("Unknown", "executive", "qa"),  # the answer starts after the last question sentence
        ("Peter Lang", "analyst", "qa"),  # "As a follow-up, ..."
        ("Unknown", "executive", "qa"),
        ("Operator", "operator", "qa"),
    ]
    assert t.turns[1].text.startswith("Thank you. Good afternoon, everyone.")
    assert t.turns[9].text.endswith("already committed?") and t.turns[10].text.startswith("Sure.")
    assert t.warnings == []


def said(transcript) -> list[str]:
    return [turn.text for turn in transcript.turns]


def test_a_call_given_twice_in_a_row_is_read_once():
    call = (FIXTURES / "larkspur-lrsp-q3-2025-speech.txt").read_text(encoding="utf-8")
    once = parse_transcript(call, "call.txt")
    # The second copy from another speech-to-text pass: a word heard differently, the end cut short.
    second = call.replace("Good afternoon, everyone.", "Good afternoon everyone.")[: len(call) * 3 // 4]
    twice = parse_transcript(call + "\n" + second, "call.txt")
    assert said(twice) == said(once)
    assert twice.warnings == [GIVEN_TWICE]
    assert once.warnings == []


def test_a_recurring_opening_line_over_new_text_is_not_a_repeat():
    call = (FIXTURES / "larkspur-lrsp-q3-2025-speech.txt").read_text(encoding="utf-8")
    opening = call.lstrip()[:120]
    other = (FIXTURES / "streetevents.txt").read_text(encoding="utf-8")
    text = call + "\n" + opening + " " + other  # a page header printed again over the next part
    assert without_repeat(text) is None
    assert without_repeat(call + "\n" + call[:200]) is None  # too little comes again to be a copy
    assert without_repeat(call + "\n" + call) == call.rstrip()


@needs_shared
def test_real_call_given_twice_counts_each_sentence_once():
    path = SHARED / "sp500_2024_25_txt" / "CSCO_2024_Q2.txt"
    welcome = "Welcome to Cisco's second quarter fiscal year 2024 financial results conference call."
    assert path.read_text(encoding="utf-8").count(welcome) == 2
    t = parse(path)
    assert " ".join(said(t)).count(welcome) == 1
    assert t.turns[-1].text.endswith("Thank you.")
    assert t.warnings == [GIVEN_TWICE]


def test_speech_to_text_cues_seen_in_real_calls():
    text = (
        "Thank you for standing by. At this time, all participants are in a listen-only mode. I would now like to "
        "turn the conference over to Mia Berg, head of investor relations. Please go ahead. Thank you. With me today "
        "are Sam Ortiz, our chief executive officer, and Keith Dolan, our chief financial officer. Sam? Thanks, Mia. "
        "We expanded our Rx Pass to Medicare members this quarter. Demand for our inference chips stayed strong. "
        "Operator, please open the lines. And our next question comes to the line of Brian Chin from Stifel. "
        "Your line is open. Hi, thanks for taking my question. Keith, how should we think about margins next year? "
        "Thanks, Brian. We expect them to hold. Let's go to Keith Weiss from Morgan Stanley. Keith, please go ahead "
        "and unmute. Hey, thanks. Sam, is the demand real or are customers stocking up? Thanks, Keith. It is real. "
        "This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q1-2026.txt")
    assert speakers_roles(t) == [
        ("Operator", "operator", "prepared"),
        ("Mia Berg", "executive", "prepared"),
        (
            "Unknown",
            "executive",
            "prepared",
        ),  # "Thanks, Mia.": no cue names Sam ("Rx Pass to Medicare" hands nothing over)
        ("Operator", "operator", "qa"),
        ("Brian Chin", "analyst", "qa"),  # "comes to the line of Brian Chin from Stifel"
        ("Unknown", "executive", "qa"),
        ("Operator", "operator", "qa"),  # "Let's go to Keith Weiss from Morgan Stanley."
        ("Keith Weiss", "analyst", "qa"),
        ("Unknown", "executive", "qa"),  # "Thanks, Keith." is the answer to Keith Weiss, not Keith Dolan's turn
        ("Operator", "operator", "qa"),
    ]


def test_a_block_of_prose_without_cues_is_not_split_into_invented_turns():
    text = (
        "The plan has three parts and the first one is already finished. We are glad about that. "
        "The second part depends on the budget. The third part moves with it. The board decides in March. "
        "Everyone agreed to meet again next month to review the numbers."
    )
    t = parse_transcript(text)
    assert [turn.speaker for turn in t.turns] == ["Unknown"]
    assert any("unrecognised layout" in w for w in t.warnings)


@needs_shared
def test_todays_json_call_keeps_the_page_header_out_of_the_turns():
    t = parse(SHARED / "motleyfool_2026_json" / "APOG_2026_Q3_633270.json")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == ("Apogee", "APOG", "Q3 2026", date(2026, 1, 7))
    assert t.summary.startswith("Apogee Enterprises") and "UW Solutions" in t.summary
    roles = roles_of(t)
    assert roles["Don Nolan"] == roles["Mark Ogdahl"] == "executive" and roles["Operator"] == "operator"
    assert roles["Brent Thielman"] == roles["Jon Braatz"] == roles["Julio Romero"] == "analyst"
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Operator" and "Brent Thielman" in t.turns[qa].text
    spoken = "\n".join(turn.text for turn in t.turns)
    assert "Motley Fool" not in spoken and "SUMMARY" not in spoken and "NASDAQ:APOG" not in spoken
    assert t.turns[-1].text.endswith("you may now disconnect.")


@needs_shared
def test_todays_call_without_announced_questions_finds_analysts_by_who_asks():
    # The CFO is labelled "Operator" by the publisher and nobody announces the analysts.
    t = parse(SHARED / "motleyfool_2026_json" / "UNF_2026_Q1_0687d0.json")
    roles = roles_of(t)
    assert roles["Steven Sintros"] == "executive"
    assert roles["Ronan Kennedy"] == roles["Tim Mulrooney"] == roles["Josh Chan"] == roles["Alex Hess"] == "analyst"
    assert t.turns[first_qa(t)].speaker == "Ronan Kennedy"  # after "we would now be happy to answer your questions"
    # The CFO's remarks under the publisher's "Operator:" are the company's: nobody runs this call's queue.
    cfo = [turn for turn in t.turns if turn.text.startswith("Thanks, Steve. Consolidated revenues")]
    assert [(turn.speaker, turn.role) for turn in cfo] == [("Unknown", "executive")]
    assert not any(turn.role == "operator" for turn in t.turns)
    assert any("read as the company's remarks" in w for w in t.warnings)


def test_long_remarks_labelled_operator_are_the_companys_and_the_operators_routine_stays():
    remarks = " ".join(["Revenue rose 4% to $600 million on new accounts, and our margins held at 11%."] * 9)
    text = (
        "Operator: Good morning, and welcome to the Acme call. All participants are in a listen-only mode. "
        "I would now like to turn the call over to Steve Smith, chief executive officer.\n\n"
        "Steve Smith: Thank you, and good morning. Our quarter went as planned. I'll turn it over to Shane.\n\n"
        f"Operator: Thanks, Steve. {remarks}\n\n"
        "Operator: We will now begin the question-and-answer session. Our first question comes from Ann Lee "
        "with Big Bank. Please go ahead.\n\n"
        "Ann Lee: How are margins?\n\n"
        "Steve Smith: Margins held.\n\n"
    )
    t = parse_transcript(text, "acme-acme-q1-2026.txt")
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Operator", "operator"),
        ("Steve Smith", "executive"),
        ("Unknown", "executive"),  # 130 words of results, none of the operator's routine
        ("Operator", "operator"),
        ("Ann Lee", "analyst"),
        ("Steve Smith", "executive"),
    ]


@needs_shared
def test_todays_call_takes_the_period_from_the_call_when_the_json_has_none():
    t = parse(SHARED / "motleyfool_2026_json" / "CSBR_None_QNone_3bc211.json")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Champions Oncology",
        "CSBR",
        "Q1 2026",
        date(2025, 9, 15),
    )
    # "The next question comes from Matthew Hewitt": "Tollef Kohrman on for Matt" speaks next.
    assert roles_of(t)["Tollef Kohrman"] == "analyst" and roles_of(t)["Unknown Analyst"] == "analyst"


@needs_shared
def test_an_analyst_the_operator_names_differently_is_still_the_analyst():
    t = parse(SHARED / "motleyfool_2026_json" / "MITK_2025_Q4_ac999a.json")
    announced = next(i for i, turn in enumerate(t.turns) if "Jake Roberts" in turn.text)
    assert t.turns[announced + 1].speaker == "Jacob Roberge" and t.turns[announced + 1].role == "analyst"


TODAYS_FILES = [p for p in REAL_FILES if p.parent.name == "motleyfool_2026_json"]
_HEADINGS = {"DATE", "CALL PARTICIPANTS", "TAKEAWAYS", "RISKS", "SUMMARY", "INDUSTRY GLOSSARY"}


def as_html_page(record: dict, speakers: set[str]) -> str:
    """The page a JSON record of today's layout was scraped from: headings, and speakers in bold."""
    out = [f"<html><head><title>{html.escape(record['title'])}</title></head><body><nav>Home</nav><article>"]
    for block in filter(None, (b.strip() for b in record["transcript"].split("\n\n"))):
        label, colon, rest = block.partition(":")
        if block.upper() in _HEADINGS or block == "Full Conference Call Transcript":
            out.append(f"<h2>{html.escape(block)}</h2>")
        elif colon and label in speakers:
            out.append(f"<p><strong>{html.escape(label)}:</strong>{html.escape(rest)}</p>")
        else:
            out.append(f"<p>{html.escape(block)}</p>")
    return "\n".join(out) + "</article><footer>Copyright</footer></body></html>"


@needs_shared
@pytest.mark.parametrize("path", TODAYS_FILES, ids=lambda p: p.name)
def test_todays_calls_as_html_pages_with_bold_speakers_read_the_same(path):
    from_json = parse(path)
    page = as_html_page(json.loads(path.read_bytes()), {turn.speaker for turn in from_json.turns})
    from_html = parse_transcript(page.encode(), path.stem + ".html")
    assert from_html.turns == from_json.turns
    assert (from_html.company, from_html.ticker, from_html.fiscal_period, from_html.call_date) == (
        from_json.company,
        from_json.ticker,
        from_json.fiscal_period,
        from_json.call_date,
    )
    assert from_html.warnings == from_json.warnings


# --- speech-to-text calls (no speaker names) -----------------------------------------------------


@needs_shared
def test_speech_to_text_nvidia_call_names_who_the_cues_name():
    t = parse(SHARED / "sp500_2024_25_txt" / "NVDA_2025_Q1.txt")
    assert (t.ticker, t.fiscal_period) == ("NVDA", "Q1 2025")
    assert speakers_roles(t)[:4] == [
        ("Operator", "operator", "prepared"),
        ("Simona Jankowski", "executive", "prepared"),
        ("Colette Kress", "executive", "prepared"),  # "over to Colette" + "Colette Kress, ... CFO"
        ("Jensen Huang", "executive", "prepared"),
    ]
    roles = roles_of(t)
    assert roles["Stacy Raskon"] == roles["Joe Moore"] == roles["CJ Muse"] == "analyst"
    qa = first_qa(t)
    assert t.turns[qa].speaker == "Operator" and "Stacy Raskon" in t.turns[qa].text
    assert t.turns[qa + 2].role == "executive"  # the answer, split off after the question


@needs_shared
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_speech_to_text_call_agrees_with_the_labelled_edition_of_the_same_call(quarter):
    """NVIDIA's fiscal-2025 calls are in ../shared twice: as speech-to-text and with speaker labels.
    Aligned word by word, the roles and sections found in the first agree with the second."""
    labelled = parse(SHARED / "motleyfool_txt" / f"nvidia-nvda-q{quarter}-2025-earnings-call-transcript.txt")
    speech = parse(SHARED / "sp500_2024_25_txt" / f"NVDA_2025_Q{quarter}.txt")
    roles, sections = aligned_agreement(labelled, speech)
    assert roles >= 0.97 and sections >= 0.99


def aligned_agreement(reference, candidate) -> tuple[float, float]:
    pairs = aligned_pairs(reference, candidate)
    assert len(pairs) > 0.8 * sum(len(re.findall(r"\w+", turn.text)) for turn in candidate.turns)  # the same call
    return (
        sum(x[0] == y[0] for x, y in pairs) / len(pairs),
        sum(x[1] == y[1] for x, y in pairs) / len(pairs),
    )


LABELLED_FILES = [p for p in REAL_FILES if p.parent.name in LABELLED_FOLDERS]


@pytest.mark.skipif(not LABELLED_FILES, reason="../shared/data/transcripts is absent")
def test_labelled_calls_run_together_without_names_keep_their_roles():
    """Every labelled call in ../shared, its words run together with the names taken out (as
    speech-to-text gives a call): the roles found agree with the labels on most words. Where a
    question ends and its answer starts is the hard part: askers run on past their question mark,
    or never say one, and come back after the answer."""
    agree = total = 0
    for path in LABELLED_FILES:
        labelled = parse(path)
        speech = parse_transcript(as_speech_to_text(labelled), path.stem + ".txt")
        pairs = aligned_pairs(labelled, speech)
        agree += sum(x[0] == y[0] for x, y in pairs)
        total += len(pairs)
    assert total > 300_000 and agree / total >= 0.96


# How real operators hand the call to the company, in labelled calls of ../shared.
HAND_OVERS = [
    "[Operator Instructions] John Sweeney, vice president of investor relations, you may begin your conference.",
    "I would now like to turn the call over to your host Garo Toomajanian, Investor Relations.",
    "I would now like to turn the conference over to your host, Vice President of Investor Relations, Sujal Shah. "
    "Please go ahead.",
    "I would now like to hand the conference over to your first speaker for today, the Vice President, Investor "
    "Relations, Mr. Paul Ziots. Thank you. Please go ahead, sir.",
    "I would now like to turn the conference over to your speaker today Matt Garvie, Senior Manager of Investor "
    "Relations. Please go ahead, sir.",
    "Thank you. And Mr. Stewart Stecker, you may begin your conference.",
    # the pattern's reach over commas lands on the title first; then a name
    "I would now like to turn the conference over to your host, Brett Iverson, Vice President of Investor Relations.",
    "And it is now my pleasure to introduce to you Matthew Ramsey, VP of Investor Relations. Thank you, sir. "
    "Please go ahead.",
    "I would now like to send the conference over to Ram Ganesh, Vice President, Investor Relations. Please go ahead.",
    # speech-to-text's "Toshiya Hari"
    "Thank you. So, Shiahari, you may begin your conference.",
]


@pytest.mark.parametrize("hand_over", HAND_OVERS)
def test_speech_to_text_operator_hands_the_call_to_the_company(hand_over):
    text = (
        "Good afternoon, and welcome to the Acme third quarter earnings call. At this time, all participants are in "
        f"a listen-only mode. {hand_over} Thank you, and good afternoon, everyone. Revenue grew 12% this quarter. "
        "We will now open the call for questions. Operator? Our first question comes from Joe Moore with Morgan "
        "Stanley. Please go ahead. How durable is demand? Yeah, Joe, it is durable. That ends our "
        "question-and-answer session. I'd like to turn the floor back to management for any closing remarks. "
        "Thank you all for joining us."
    )
    t = parse_transcript(text, "acme-acme-q3-2025.txt")
    roles = [turn.role for turn in t.turns]
    assert roles == ["operator", "executive", "operator", "analyst", "executive", "operator", "executive"]
    assert t.turns[1].text.startswith("Thank you, and good afternoon")  # the company's words, not the operator's
    assert t.turns[-1].text == "Thank you all for joining us."  # "back to management": the company closes


def test_speech_to_text_announcement_cut_short_and_your_question_please_stay_the_operators():
    text = (
        "Thank you for standing by. I will now turn the call over to Satya Kumar, investor relations. Thank you. "
        "Revenue grew 12% this quarter. We will now open for questions. Operator? "
        "And our first question for today comes from the line of CJ Muse. from Cantor Fitzgerald. Your question, "
        "please. Yeah, good afternoon. How durable is demand? CJ, I'll take this one. It is durable. "
        "This concludes today's program. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q1-2026.txt")
    operator, asker, answer = t.turns[2:5]
    assert operator.role == "operator" and operator.text.endswith("from Cantor Fitzgerald. Your question, please.")
    assert (asker.speaker, asker.role) == ("CJ Muse", "analyst") and asker.text.startswith("Yeah, good afternoon.")
    assert answer.role == "executive" and answer.text.startswith("CJ, I'll take this one.")


def test_speech_to_text_question_runs_on_to_the_answers_opening():
    text = (
        "Thank you for standing by. At this time, all participants are in a listen-only mode. I would now like to "
        "turn the conference over to Mia Berg, head of investor relations. Please go ahead. Thank you. With me "
        "today are Tim Archer, our chief executive officer, and Doug Bettinger, our chief financial officer. "
        "Revenue grew 20% on demand for our etch tools. Operator, please open the lines. "
        "Our first question comes from CJ Muse with Cantor Fitzgerald. Please go ahead. "
        "Yeah, good afternoon. Thank you for taking the question. Are you seeing spending broaden beyond one or two "
        "customers? And as you think about the growth there, I would love to understand the mix of tools and "
        "upgrades, with the industry so focused on upgrades. Yeah, CJ, this is Tim. Spending is broadening. "
        "Upgrades are a growing share of the business. Got it, that's helpful. And then on margins, should we "
        "expect them to hold into the second half? Sure. We expect them to hold. "
        "The next question is from Joe Moore with Morgan Stanley. Please go ahead. "
        "Thanks. Doug, I'd love to hear about the China mix and where it settles this year. "
        "Yes, Joe, this is Doug. China was 30% of revenue and we expect it to settle in the mid-20s. "
        "The next question is from Vivek Arya with Bank of America. Please go ahead. "
        "Thanks for taking my question. Is China at the bottom? for the year. And then, second, I would like to "
        "hear how the services business grows from here. Thank you. We think China is at the bottom. Services "
        "grow with the installed base. "
        "This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q1-2026.txt")
    assert speakers_roles(t)[3:] == [
        ("CJ Muse", "analyst", "qa"),  # past the question mark: the reason for asking has none
        ("Tim Archer", "executive", "qa"),  # "Yeah, CJ, this is Tim.": the answer opens
        ("CJ Muse", "analyst", "qa"),  # "Got it, that's helpful." and a question: the asker is back
        ("Unknown", "executive", "qa"),
        ("Operator", "operator", "qa"),
        ("Joe Moore", "analyst", "qa"),  # asks with no question mark at all
        ("Doug Bettinger", "executive", "qa"),  # "Yes, Joe, this is Doug."
        ("Operator", "operator", "qa"),
        ("Vivek Arya", "analyst", "qa"),  # "? for the year.", "And then, second, ...", "Thank you."
        ("Unknown", "executive", "qa"),
        ("Operator", "operator", "qa"),
    ]
    assert t.turns[-3].text.endswith("grows from here. Thank you.")
    assert t.turns[3].text.endswith("so focused on upgrades.")
    assert t.turns[5].text.startswith("Got it, that's helpful.")


def test_speech_to_text_floor_given_to_an_asker_whose_name_was_garbled():
    # Real announcements as speech-to-text gave them: "Amit Daryanani" heard as "I'm at Dariani", a
    # name dropped after "Michelle, next question.", the first caller before any "questions" cue.
    text = (
        "Welcome to the Acme results call. I would now like to introduce Sami Badri, head of investor "
        "relations. Sir, you may begin. Thank you. Revenue grew 12% this quarter. Before we start, I would like "
        "to remind analysts to ask one question. Operator, can we move to the first analyst in the queue? "
        "Thank you. Our first caller is Meta Marshall with Morgan Stanley. You may go ahead. "
        "Great, thanks. Can you talk about budgets? Meta, thank you. Budgets are growing. Thanks, Meta. "
        "Operator, next question. Thank you. I'm at Dariani with Evercore. You may go ahead, sir. Good "
        "afternoon. I'll ask both my questions up front. How is demand? I'll just ask my second question "
        "together. How are margins? Yeah, Amit, thank you. Demand is strong and margins hold. All right. "
        "Thank you, Amit. Michelle, next question. with Deutsche Bank. You may go ahead. Hey, guys, thank you "
        "for taking the question. Is pricing stable? Yes, pricing is stable. "
        "This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q4-2024.txt")
    assert qa_roles(t) == [
        ("Operator", "operator"),  # "Our first caller is ...", before any cue that the Q&A is open
        ("Meta Marshall", "analyst"),
        ("Unknown", "executive"),
        ("Operator", "operator"),
        ("Amit", "analyst"),  # given the floor, the name garbled: named by the answer
        ("Unknown", "executive"),  # "I'll just ask my second question together." was still the asker's
        ("Operator", "operator"),  # called on, gives the floor at once
        ("Unknown", "analyst"),
        ("Unknown", "executive"),
        ("Operator", "operator"),
    ]
    assert t.turns[-5].text.startswith("Yeah, Amit, thank you.") and t.turns[-5].text.endswith(
        "Thank you, Amit. Michelle, next question. with Deutsche Bank."
    )
    assert t.turns[-4].text == "You may go ahead."


def test_speech_to_text_answer_thanking_an_unnamed_asker_names_the_asker_not_the_answer():
    text = (
        "Welcome. I would now like to introduce Sami Badri, head of investor relations. Sir, you may begin. "
        "Thank you. Revenue grew 12% this quarter. We will now open the call for questions. Operator, next "
        "question. Thank you. I'm at Dariani with Evercore. You may go ahead. Thanks for taking my question. How is "
        "demand? Thank you. Thank you, Amit. Appreciate the question. Demand is strong. Thank you, Amit. "
        "Operator, next question. This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q3-2024.txt")
    asker, answer = t.turns[-3:-1]
    assert (asker.speaker, asker.role) == ("Amit", "analyst")
    assert (answer.speaker, answer.role) == ("Unknown", "executive")
    assert answer.text.startswith("Thank you, Amit. Appreciate the question.")


# A speech-to-text call around a Q&A: the operator's opening, IR's remarks, the operator's closing.
def speech_call(qa: str) -> str:
    return (
        "Welcome to the Acme results call. I would now like to turn the call over to Sami Badri, head of "
        "investor relations. Sir, you may begin. Thank you. Revenue grew 12% this quarter. We will now open the "
        f"call for questions. {qa} This concludes today's call. You may now disconnect."
    )


def qa_roles(t: Transcript) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.role) for turn in t.turns if turn.section == "qa"]


def exchange(asker: str) -> list[tuple[str, str]]:
    """The operator announcing an asker, the question, an unnamed executive's answer."""
    return [("Operator", "operator"), (asker, "analyst"), ("Unknown", "executive")]


# Heard in real calls: the asker who greets before asking, explains between two questions, follows
# up after the answer in words no cue list had, or signs off before the next question is announced.
ASKER_BACK = {
    "greetings both ways first": (
        "Our first question is from Joseph Nerges with Segren Investments. Joseph, your line is live. "
        "Good morning, guys. How are you today? Good morning, Joe. Good morning, Joe. "
        "First, I want to thank you for the time at the annual meeting. Will the new product ship this year? "
        "Yes, it will ship in the summer.",
        [*exchange("Joseph Nerges"), ("Joseph Nerges", "analyst"), ("Unknown", "executive")],
    ),
    "the line checked first": (
        "Our next question comes from the line of Jon Braatz with KCCA. Your line is now open. Hello? Hi, Jon. "
        "Don, I just want to go back to the strategic direction of the company and how much emphasis you place "
        "on M&A. Where do you see M&A going forward? Well, look, our pipeline for M&A is robust.",
        [*exchange("Jon Braatz"), ("Jon Braatz", "analyst"), ("Unknown", "executive")],
    ),
    "one other quick question": (
        "Our next question comes from Brett Davidson with Investletter. Your line is live. Good morning. "
        "Have any of the sales come through the new channel? Yeah, Brett, those have all been direct so far. "
        "And one other quick question. Is there anything that prevents overseas sales? No.",
        [*exchange("Brett Davidson"), ("Brett Davidson", "analyst"), ("Unknown", "executive")],
    ),
    "thanks with the answerer's name, then the follow-up": (
        "Our next question comes from Meta Marshall with Morgan Stanley. Your line is open. How should we think "
        "about margins? Yeah, Meta, we expect them to hold through the year. Okay. Thank you, Mark. And then can you "
        "just talk "
        "about cash flow expectations in 2025? Cash flow should grow with earnings.",
        [*exchange("Meta Marshall"), ("Meta Marshall", "analyst"), ("Unknown", "executive")],
    ),
    "thanks to the one who answered, then the follow-up": (
        "Our next question comes from Vivek Arya with Bank of America. Please go ahead. How is demand for "
        "accelerators? Yeah, Vivek, this is Lisa Su. Demand is strong. Thank you, Lisa. And for my follow-up, "
        "how should we think about the embedded business? Yeah, embedded recovers in the second half.",
        [*exchange("Vivek Arya")[:2], ("Lisa Su", "executive"), ("Vivek Arya", "analyst"), ("Unknown", "executive")],
    ),
    "pressing on after the answer": (
        "Our next question comes from Mike Price, a private investor. Your line is live. Have you looked for a "
        "partner to bring the product to market? Yeah, Mike, no one has approached us so far. Okay. But with "
        "the larger customers, where you say it is harder to get in the door, would a partner not help? "
        "Absolutely, and we are talking to the distributors about it.",
        [*exchange("Mike Price"), ("Mike Price", "analyst"), ("Unknown", "executive")],
    ),
    "got you, just one other thing": (
        "Our next question comes from Jake Roberge with William Blair. Your line is open. How are the bank "
        "pilots going? Yeah, Jake, the pilots are going well. Got you. Just one other thing. Are there any "
        "seasonal effects in the first quarter? Sure, the first quarter is seasonally light.",
        [*exchange("Jake Roberge"), ("Jake Roberge", "analyst"), ("Unknown", "executive")],
    ),
    "an asker no one named is back": (
        "One moment for our first question. And our first question. comes from the line of Stacey Raskin from "
        "Bernstein Research. Your question, "
        "please. Hi, guys. Thanks for taking my questions. What are you seeing for China mix next year? Thanks "
        "for the question, Stacy. China mix stays near 30%. Got it. Thanks. And for my follow-up then, can you "
        "talk about gross margins? Yeah, thanks for the question. Margins improve through the year.",
        [*exchange("Unknown"), ("Unknown", "analyst"), ("Unknown", "executive")],
    ),
    "a sign-off before the next question": (
        "Our next question comes from Ananda Baruah with Loop Capital. Please go ahead. How is demand? Demand "
        "is strong in every region, and we will lay out the details on our fourth quarter call. Okay, great. "
        "Thanks for all the details, and congrats on the strong execution. Our next question comes from Amit "
        "Daryanani with Evercore. Please go ahead. How is supply? Supply is fine.",
        [*exchange("Ananda Baruah"), ("Ananda Baruah", "analyst"), *exchange("Amit Daryanani")],
    ),
}


@pytest.mark.parametrize("qa, roles", ASKER_BACK.values(), ids=ASKER_BACK.keys())
def test_speech_to_text_the_asker_keeps_or_takes_back_the_floor(qa, roles):
    assert qa_roles(parse_transcript(speech_call(qa), "acme-acme-q3-2025.txt")) == [*roles, ("Operator", "operator")]


QUESTION_GOES_ON = {
    "a longer setup, then the question put again": (
        "Our next question comes from Jim Suva with Citigroup Investments. Please go ahead. Thank you. A lot of "
        "the commentary so far was focused on components. Can you talk more about ECS? We're hearing about a lot "
        "of corporate enterprise demand, yet it seemed like this quarter was a little bit softer than people "
        "expected. Can you talk about ECS a little bit? Sure. We're seeing a move to more complex data center "
        "projects. Those take longer to close. So that's the structural change.",
        "Sure. We're seeing",
    ),
    "a second part after the question": (
        "Our next question comes from the line of Wamsi Mohan with Bank of America. Please go ahead. How are you "
        "thinking about growth in the end markets? And I just wanted to ask a clarification around the ASP "
        "comment that was made earlier on the call. Some of the outperformance is supply, some of it is price, "
        "some of it is mix. Anything you can do to help parse those would be helpful. Yes. So let me get into the "
        "market there, Wamsi. Demand is constructive across the end markets we serve.",
        "Yes. So let me get into the market there, Wamsi.",
    ),
}


@pytest.mark.parametrize("qa, answer_opening", QUESTION_GOES_ON.values(), ids=QUESTION_GOES_ON.keys())
def test_speech_to_text_a_question_goes_on_past_its_setup_to_the_answer(qa, answer_opening):
    t = parse_transcript(speech_call(qa), "acme-acme-q3-2025.txt")
    assert [role for _, role in qa_roles(t)] == ["operator", "analyst", "executive", "operator"]
    assert t.turns[-2].text.startswith(answer_opening)


def test_speech_to_text_askers_called_by_names_speech_to_text_lost():
    """The first question announced as "from Keith's wife, Morgan Stanley" (Keith Weiss), another as
    "Next is ." (no name at all): each asker still takes the floor with their greeting or thanks."""
    text = (
        "Welcome. I would now like to introduce your speaker, Mike Spencer, head of investor relations. Sir, you "
        "may begin. Thank you. Joining me today is Marc Benioff, our CEO. Revenue grew 12% this quarter. And "
        "I'll turn it over to you, Mike. Great. Thank you, operator. We'll take the first question, please. "
        "Thank you. That question comes from Keith's wife, Morgan Stanley. Excellent. Thank you guys for taking "
        "the question. Congratulations on a really solid quarter. It's been great working with you. You've done "
        "an amazing job. Two-part question. One on the growth equation. Can you help us understand how to build "
        "it up? Yeah, thanks for the question, Keith. Growth comes from three places. Operator, what's the next "
        "question, please? Absolutely. Next is . Hi. Yes. Thanks very much, and I'll echo the congrats on a nice "
        "quarter. How quickly can customers get up and running with agents? Well, it's a great question. They "
        "are live in days. This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q2-2025.txt")
    assert [(turn.role, turn.text.split(".")[0]) for turn in t.turns if turn.section == "qa"] == [
        ("analyst", "Thank you guys for taking the question"),
        ("executive", "Yeah, thanks for the question, Keith"),
        ("operator", "Absolutely"),
        ("analyst", "Hi"),
        ("executive", "Well, it's a great question"),
        ("operator", "This concludes today's call"),
    ]
    mike = next(turn for turn in t.turns if turn.text.startswith("Great. Thank you, operator."))
    assert (mike.speaker, mike.role) == ("Mike Spencer", "executive")


def test_speech_to_text_short_first_names_are_the_people_the_call_names():
    """ "Thanks, Joe." after Joseph Nerges asked is the company thanking him, not a speaker named Joe;
    "back over to Donald" is Don Nolan."""
    text = (
        "Welcome. I would now like to turn the call over to Don Nolan, chief executive officer. Thank you. "
        "Revenue grew 12% this quarter. We will now open the call for questions. Our first question is from "
        "Joseph Nerges with Segren Investments. Your line is live. How is demand? Demand is strong. Thanks Joe. "
        "There are no further questions. I will now turn the call back over to Donald for closing remarks. "
        "Thank you all for joining us. This concludes today's call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q3-2025.txt")
    assert "Joe" not in {turn.speaker for turn in t.turns}
    assert [(turn.speaker, turn.role) for turn in t.turns[-2:]] == [
        ("Don Nolan", "executive"),
        ("Operator", "operator"),
    ]


def test_speech_to_text_announcements_heard_in_one_breath_or_misheard():
    # Real announcements: the name, the firm and the floor in one sentence (Cisco), and "the line of"
    # heard as "the line in" (Micron).
    text = speech_call(
        "Thank you. Carl Ackerman with BNP Paribas, you may go ahead. Yes, thank you. Could you speak to order "
        "visibility? Thank you. Visibility is back to normal. One moment for our next question. And our next "
        "question comes from the line in Harlan, sir, from JP Morgan. Good afternoon. Thanks for taking my "
        "question. Is supply tight? Supply is tight through the year."
    )
    t = parse_transcript(text, "acme-acme-q2-2024.txt")
    assert qa_roles(t) == [*exchange("Carl Ackerman"), *exchange("Harlan"), ("Operator", "operator")]
    assert t.turns[-6].text == "Yes, thank you. Could you speak to order visibility? Thank you."


def test_speech_to_text_answer_recalling_a_question_is_not_one_read_out():
    # Real answers that the read-out cue ("Dan asks, ...") took for the moderator's turn.
    text = speech_call(
        "Our first question comes from Chris Caso with Wolfe Research. Your line is open. Thanks. How good is "
        "your visibility? Sure. Thanks for the question, Chris. Visibility is good. We've asked for longer "
        "perspectives from all of our customers. David asked the question earlier on. I asked her what the best "
        "restaurants were. She gave me a list. That concludes our answer. Michelle, we can move to the next "
        "question. Thank you. Ben writes us with Melius Research. You may go ahead. Hey, guys. How is demand? "
        "Demand is strong."
    )
    t = parse_transcript(text, "acme-acme-q1-2025.txt")
    assert qa_roles(t) == [*exchange("Chris Caso"), *exchange("Unknown"), ("Operator", "operator")]
    assert t.turns[-5].text.endswith("That concludes our answer. Michelle, we can move to the next question.")
    assert t.turns[-4].text == "Thank you. Ben writes us with Melius Research. You may go ahead."


def test_speech_to_text_company_turned_to_in_the_q_and_a_and_the_operator_closing():
    text = (
        "Good afternoon. I would now like to turn the call over to Jordan Sadler, head of investor relations. "
        "Thank you. Revenue grew 12% this quarter. We will now open the call for questions. Operator? "
        "Our first question comes from Joe Moore with Morgan Stanley. Please go ahead. How durable is demand? "
        "Yeah, Joe, it is durable. That concludes the Q&A portion of today's call. I'd now like to turn the call "
        "back over to Andy Power for his closing remarks. Andy, please go ahead. Thank you, Operator. We had a "
        "remarkable year. Thank you. The conference is now concluded. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q4-2024.txt")
    closing, operator = t.turns[-2:]
    assert (closing.speaker, closing.role) == ("Andy Power", "executive")
    assert closing.text == "Thank you, Operator. We had a remarkable year. Thank you."
    assert operator.role == "operator" and operator.text.startswith("The conference is now concluded.")


def test_speech_to_text_moderator_asking_an_executive_for_closing_words():
    text = (
        "Ladies and gentlemen, thank you for standing by. I would now like to turn the call over to Mauricio "
        "Lopez-Hodoyan, vice president of investor relations. Please go ahead. Thank you. With me today is "
        "Cristiano Amon, president and CEO. Revenue grew this quarter. We will now open for questions. Operator? "
        "Our first question comes from Joe Moore with Morgan Stanley. Please go ahead. How durable is demand? "
        "Yeah, Joe, it is durable. That concludes today's question and answer session. Mr. Amon, do you have "
        "anything further to add before adjourning the call? Yes. Just a few comments. We are pleased. "
        "Ladies and gentlemen, this concludes today's conference call. You may now disconnect."
    )
    t = parse_transcript(text, "acme-acme-q4-2024.txt")
    assert [(turn.speaker, turn.role) for turn in t.turns[-3:]] == [
        ("Operator", "operator"),
        ("Cristiano Amon", "executive"),
        ("Operator", "operator"),
    ]
    assert t.turns[-2].text == "Yes. Just a few comments. We are pleased."


def test_speech_to_text_product_news_is_not_a_question_announced():
    text = (
        "Good afternoon. I would now like to turn the call over to John Pitzer, head of investor relations. "
        "Thank you. With me is Pat Gelsinger, our CEO. Next up is Arrow Lake, which launched this month and "
        "brings AI to the desktop. Panther Lake follows next year. We will now open for questions. Operator? "
        "Our first question comes from Joe Moore with Morgan Stanley. Please go ahead. How is demand? "
        "Yeah, Joe, it is strong. This concludes today's call."
    )
    t = parse_transcript(text, "acme-acme-q3-2024.txt")
    prepared = [turn for turn in t.turns if turn.section == "prepared"]
    assert prepared[-1].role == "executive" and "Panther Lake follows next year." in prepared[-1].text
    assert not any("Arrow Lake" in turn.text for turn in t.turns if turn.role != "executive")


@needs_shared
@pytest.mark.parametrize("path", SPEECH_FILES, ids=lambda p: p.name)
def test_speech_to_text_speakers_are_only_those_the_call_names(path):
    text = path.read_text(encoding="utf-8")
    t = parse(path)
    asker = None
    for prev, turn in zip([None, *t.turns], t.turns):
        assert turn.speaker in ("Operator", "Unknown") or turn.speaker in text, turn.speaker
        if turn.role == "analyst" and turn.speaker == "Unknown":
            # an asker the moderator did not name (or speech-to-text garbled) was given the floor, or
            # took it in their own words ("Thanks for taking my question. I'm curious ..."), or is
            # back after the answer (a follow-up, a sign-off)
            own_words = TAKING_QUESTIONS.search(" ".join(turn.text.split(". ")[:3]))
            back = asker is not None and asker.speaker == "Unknown" and prev is not None and prev.role == "executive"
            assert prev is not None and (prev.role == "operator" or own_words or back), (
                prev and prev.text[-200:],
                turn.text[:200],
            )
        asker = turn if turn.role == "analyst" else asker
    # An analyst first speaks right after the turn that announced them, or the answer's first words name them.
    seen = {"Unknown"}
    for prev, turn, after in zip(t.turns, t.turns[1:], [*t.turns[2:], None]):
        if turn.role == "analyst" and turn.speaker not in seen:
            first = turn.speaker.split()[0]
            named_by_answer = after is not None and first in after.text.split(".")[0]
            assert first in prev.text or named_by_answer, (prev.text[-300:], turn.speaker)
        seen.add(turn.speaker)


@needs_shared
def test_questions_netflix_reads_out_stay_with_investor_relations():
    t = parse(SHARED / "sp500_2024_25_txt" / "NFLX_2024_Q4.txt")
    reader = next(turn for turn in t.turns if "question from Jason Helfstein" in turn.text)
    assert (reader.speaker, reader.role, reader.section) == ("Spencer Wong", "executive", "qa")
    assert "Christmas Day games" in reader.text  # the question he read
    assert t.turns[0].section == "prepared" and "Spencer Wong" in t.turns[0].text


def test_the_transcript_command_prints_the_summary_apart_from_the_turns(hypewatch_cmd):
    done = subprocess.run(
        [*hypewatch_cmd, "transcript", str(FIXTURES / "today_inline.json")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["summary"].startswith("Revenue — $412 million")
    assert record["turns"][0] == {
        "speaker": "Krista",
        "role": "operator",
        "section": "prepared",
        "text": "Good afternoon, and welcome to the Brightline Robotics second quarter fiscal 2026 earnings call. "
        "At this time, all participants are in a listen-only mode. I would now like to turn the call over "
        "to Lena Park, head of investor relations. Please go ahead.",
    }
    assert not any("Takeaways" in turn["text"] or "TAKEAWAYS" in turn["text"] for turn in record["turns"])


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


def test_speech_to_text_askers_no_one_announces_take_the_floor_by_their_own_words():
    # A call with no operator (UniFirst's of 2026, run together): askers introduce themselves ("This
    # is X on for Y") or open with "Thanks for taking my questions" and a question; an asker's thanks
    # after the answer (Oracle's) opens no question.
    text = (
        "Thank you, Shane, and good morning, everyone. Our quarter was in line with our expectations. "
        "Revenue was $621 million. We would be happy to take your questions. Good morning. This is Ronan "
        "Kennedy on for Manav Patnaik. Thank you for taking our questions. Could you remind us of the "
        "timeline for the new system? Good question, Ronan. The timeline runs through 2027. That's helpful. "
        "Thank you. And then how did new accounts trend? New accounts were strong in the quarter. Hi. Good "
        "morning, Steve. Thanks for taking my questions. I was wondering about your unchanged revenue "
        "guidance. Good question. We are one quarter into the year. Thank you for taking my question. We "
        "remain confident in the year. Thank you all for joining us this morning."
    )
    t = parse_transcript(text, "unf-q1-2026.txt")
    assert [(turn.speaker, turn.role, turn.text.split(".")[0]) for turn in t.turns if turn.section == "qa"] == [
        ("Ronan Kennedy", "analyst", "Good morning"),
        ("Unknown", "executive", "Good question, Ronan"),
        ("Ronan Kennedy", "analyst", "That's helpful"),
        ("Unknown", "executive", "New accounts were strong in the quarter"),
        ("Unknown", "analyst", "Hi"),
        ("Unknown", "executive", "Good question"),
    ]
    assert t.turns[-1].text.endswith(
        "Thank you for taking my question. We remain confident in the year. Thank you all for joining us this morning."
    )


# --- PDF -------------------------------------------------------------------------------------------

PDF_CALL = [
    "Corvid Semiconductor Inc. (CRVD) Q3 2025 Earnings Call",
    "October 23, 2025",
    "Prepared Remarks",
    "Operator",
    "Good afternoon and welcome to the Corvid Semiconductor third quarter call. I will now turn the call "
    "over to Jane Doe, head of investor relations.",
    "Jane Doe -- Head of Investor Relations",
    "Thank you. With me today are John Smith, our chief executive officer, and Mary Major, our chief "
    "financial officer.",
    "John Smith -- Chief Executive Officer",
    " ".join(
        f"In our {n} segment, demand for accelerators built for generative AI ran well ahead of what we "
        "could ship, and customers have already reserved capacity through the second half of next year."
        for n in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
    ),
    "Mary Major -- Chief Financial Officer",
    "Revenue was $4.2 billion, up 38% from a year ago, and gross margin was 61%, a record for the company. " * 6,
    "Questions & Answers",
    "Operator",
    "Our first question comes from Vivek Arya with BofA Securities.",
    "Vivek Arya -- BofA Securities -- Analyst",
    "Thanks for taking my question. Is there any sign of AI fatigue among your customers, or are their "
    "budgets for next year still expanding?",
    "John Smith -- Chief Executive Officer",
    "No. Customers keep asking for more capacity than we can ship, and our backlog runs into next year. " * 8,
]


def test_a_pdf_transcript_is_read_as_its_text_layer_without_page_furniture():
    from pdf_helpers import transcript_pdf

    data = transcript_pdf(PDF_CALL, header="Corvid Semiconductor - Q3 2025 Earnings Call Transcript")
    t = parse_transcript(data, "corvid-q3-2025.pdf")
    assert (t.company, t.ticker, t.fiscal_period, t.call_date) == (
        "Corvid Semiconductor Inc.",
        "CRVD",
        "Q3 2025",
        date(2025, 10, 23),
    )
    assert roles_of(t) == {
        "Operator": "operator",
        "Jane Doe": "executive",
        "John Smith": "executive",
        "Mary Major": "executive",
        "Vivek Arya": "analyst",
    }
    assert t.turns[first_qa(t)].text == "Our first question comes from Vivek Arya with BofA Securities."
    everything = "\n".join(turn.text for turn in t.turns)
    # The running header and "Page N of M" are no speech; a paragraph wrapped over lines (and pages)
    # is whole again, so no sentence is cut where a line ended.
    assert "Page " not in everything and "Transcript" not in everything
    assert PDF_CALL[8] in everything and PDF_CALL[-1].strip() in everything


def test_a_pdf_of_scanned_pages_says_it_has_no_text_layer():
    from pdf_helpers import _pdf

    scanned = parse_transcript(_pdf([b"q 100 0 0 100 50 700 cm Q"]), "scan.pdf")  # a page with no text
    assert scanned.turns == []
    assert "no text layer: a PDF of scanned pages has none to read (run OCR on it first)" in scanned.warnings


def test_a_damaged_pdf_is_one_named_error():
    from pdf_helpers import transcript_pdf

    data = transcript_pdf(PDF_CALL)
    with pytest.raises(TranscriptError, match=r"^call\.pdf: not a readable PDF \("):
        parse_transcript(data[: len(data) // 3], "call.pdf")


@pytest.mark.parametrize("layout", ["txt", "html", "json"])
def test_characters_that_show_nothing_are_left_out_of_every_layout(layout):
    # A soft hyphen (a hyphenation hint) or a zero-width space inside "artificial" hides the AI
    # term from the matcher and from a user's SQL, though a reader sees the word whole.
    said = "Demand for arti\u00adficial intel\u00adligence infra\u200bstructure is strong.\ufeff"
    turns = [("Operator", "Good afternoon and welcome to the call."), ("Jane Doe", said), ("John Roe", "Thank you.")]
    turns = turns * 3  # enough turns that the layout is recognised
    if layout == "txt":
        data = "\n\n".join(f"{who}: {text}" for who, text in turns).encode()
    elif layout == "html":
        shown = [(who, text.replace("\u00ad", "&shy;").replace("\u200b", "&#8203;")) for who, text in turns]
        data = (
            "<html><body>" + "".join(f"<p><b>{who}:</b> {text}</p>" for who, text in shown) + "</body></html>"
        ).encode()
    else:  # escaped, as json.dumps writes them
        data = json.dumps({"prepared_remarks": [{"speaker": who, "speech": [text]} for who, text in turns]}).encode()
    parsed = parse_transcript(data, f"call.{layout}")
    texts = [t.text for t in parsed.turns if t.speaker == "Jane Doe"]
    assert texts and set(texts) == {"Demand for artificial intelligence infrastructure is strong."}


def test_a_pdf_typeset_with_ligatures_reads_as_plain_letters():
    # "arti\ufb01cial intelligence" would name no AI to the AI-term matcher, and the tokenizer cuts "\ufb01" apart.
    from pdf_helpers import transcript_pdf

    typeset = parse_transcript(transcript_pdf(PDF_CALL, ligatures=True), "call.pdf")
    assert typeset.turns == parse_transcript(transcript_pdf(PDF_CALL), "call.pdf").turns
    text = " ".join(turn.text for turn in typeset.turns)
    assert "fi" in text and not any("\ufb00" <= ch <= "\ufb06" for ch in text)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_a_pdf_locked_against_copying_with_an_empty_password_is_read_and_a_real_password_named(algorithm):
    """Investor-relations sites lock PDFs against copying: an empty password to open, AES mostly."""
    import io

    from pdf_helpers import transcript_pdf
    from pypdf import PdfReader, PdfWriter

    plain = transcript_pdf(PDF_CALL)

    def locked(password: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
        writer.encrypt(user_password=password, owner_password="owner", algorithm=algorithm)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    assert parse_transcript(locked(""), "call.pdf").turns == parse_transcript(plain, "call.pdf").turns
    with pytest.raises(TranscriptError, match=r"^call\.pdf: not a readable PDF \(encrypted with a password\)$"):
        parse_transcript(locked("secret"), "call.pdf")


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        (
            "Next is Brent Thielman with D. A. Davidson. Your line is now open.",
            ["Next is Brent Thielman with D. A. Davidson.", "Your line is now open."],
        ),
        (
            "Our next question is from Timothy R. Curry. Go ahead.",
            ["Our next question is from Timothy R. Curry.", "Go ahead."],
        ),
    ],
)
def test_speech_sentences_keep_initials_and_names_whole(paragraph, expected):
    assert sentences(paragraph) == expected


def test_pdf_lines_wrapped_at_the_page_width_are_joined_and_short_ones_end_paragraphs():
    from hypewatch.crawler.transcripts.formats.pdf import unwrap

    full = "Leverage, as measured by our ratio of net debt to earnings before interest, debt-to-"
    lines = [
        full,
        "EBITDA, is the lowest it has been in nearly ten years, and our cash cycle improved in U.S.",
        "dollars by six days compared to last year, which helped cash flow in the quarter a lot.",
        "Jane Doe -- Chief Financial Officer",
        "Thank you.",
    ]
    assert unwrap(lines) == [
        full + lines[1] + " " + lines[2],
        "Jane Doe -- Chief Financial Officer",
        "Thank you.",
    ]


LETTERED = [
    (
        "A",
        "Good afternoon and welcome to the Acme third quarter call. At this time all participants are in a "
        "listen-only mode. I will now turn the call over to Jane Doe, head of investor relations.",
    ),
    ("B", "Thank you. With me today are John Smith, our CEO, and Mary Major, our CFO."),
    ("C", "Thanks, Jane. Demand for our AI accelerators is extraordinary."),
    ("A", "Our first question comes from Vivek Arya with BofA Securities. Your line is open."),
    ("D", "Thanks for taking my question. Is there any sign of AI fatigue?"),
    ("C", "No. Customers keep asking for more capacity than we can ship."),
]


@pytest.mark.parametrize(
    "data, name",
    [
        (json.dumps({"utterances": [{"speaker": s, "text": t} for s, t in LETTERED]}), "call.json"),
        ("\n\n".join(f"Speaker {s}: {t}" for s, t in LETTERED), "call.txt"),
        ("\n\n".join(f"{s}: {t}" for s, t in LETTERED), "call.txt"),
    ],
    ids=["utterances-json", "speaker-letter", "letter"],
)
def test_speakers_a_speech_to_text_service_letters_get_roles_from_the_call(data, name):
    # "A" is no interview's answer here: B, C and D speak too.
    t = parse_transcript(data, name)
    assert [(turn.speaker.split()[-1], turn.role) for turn in t.turns] == [
        ("A", "operator"),
        ("B", "executive"),
        ("C", "executive"),
        ("A", "operator"),
        ("D", "analyst"),
        ("C", "executive"),
    ]


def test_askers_announced_with_names_beyond_ascii():
    text = (
        "Acme Q3 2025 Earnings Call\n\n"
        "Operator: Good afternoon. I will now turn the call over to José Núñez.\n"
        "José Núñez: Thank you. With me is Zoë O'Brien-Smith.\n"
        "Zoë O'Brien-Smith: Revenue grew 20%.\n"
        "Operator: Our first question comes from Søren Ødegaard with Nordea.\n"
        "Søren Ødegaard: Is AI demand durable?\n"
        "Zoë O'Brien-Smith: Yes, very.\n"
    )
    t = parse_transcript(text, "acme.txt")
    assert roles_of(t)["Søren Ødegaard"] == "analyst"
    assert t.turns[first_qa(t)].text == "Our first question comes from Søren Ødegaard with Nordea."

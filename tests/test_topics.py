"""Topics and AI mentions per sentence: the phrase rules, the shipped lists on the held-out sample,
and topics in config.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from hypewatch.config import ConfigError, load_config
from hypewatch.nlp.topic_eval import HELDOUT_FILE, load_sample, measure
from hypewatch.nlp.topics import TopicDefinition, TopicError, TopicTagger, default_ai_terms, default_topics


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger(default_topics(), default_ai_terms())


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("Meta AI now has a billion users.", 1),
        ("The new MacBook Air sold well.", 0),
        ("We are an AI-first company, and AI's share of revenue grew.", 2),
        ("OpenAI and Character.ai raised money.", 0),
        ("so generative ai is the most important thing", 1),  # speech-to-text writes it in lower case
        ("Ai Weiwei opened a show.", 0),  # mixed case is a name, not the acronym
        ("Generative AI and artificial intelligence, A.I. for short, and LLMs.", 4),
        ("Machine learning (AI) workloads.", 2),
    ],
)
def test_ai_mentions_follow_the_case_and_word_boundary_rules(tagger: TopicTagger, text: str, mentions: int):
    assert tagger.tag(text).ai_mentions == mentions


def test_a_longer_term_counts_once_not_also_as_the_shorter_one():
    tagger = TopicTagger([], ["AI", "generative AI"])
    assert tagger.tag("Generative AI is the new AI.").ai_mentions == 2


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("data center", "a new data-center campus", True),  # a hyphen stands for a space
        ("data center", "three data centers", True),  # plural
        ("monetiz*", "monetization is early", True),  # any ending
        ("monetiz*", "we will demonetize it", False),  # whole words only
        ("invest* ... data center", "investing $10 billion in a data center", True),  # up to four words between
        (
            "invest* ... data center",
            "investing in our people, our brand and our partners around the data center",
            False,
        ),
        ("HBM", "hbm supply is tight", True),
        ("HBM", "Hbm supply is tight", False),
        ("capex", "CapEx rose", True),  # a lower-case phrase matches any case
    ],
)
def test_phrase_rules(phrase: str, text: str, found: bool):
    tagger = TopicTagger([TopicDefinition("t", phrases=(phrase,))])
    assert (tagger.tag(text).topics == ["t"]) is found


def test_exclude_phrases_keep_their_words_from_counting():
    tagger = TopicTagger(
        [TopicDefinition("valuation", phrases=("valuation", "bubble"), exclude=("valuation allowance", "bubble wrap"))]
    )
    assert tagger.tag("We released a valuation allowance.").topics == []
    assert tagger.tag("The servers are still in bubble wrap, but is AI a bubble?").topics == ["valuation"]


def test_a_sentence_gets_every_topic_it_is_about(tagger: TopicTagger):
    text = "We are raising capex because demand for GPUs is running ahead of supply."
    assert tagger.tag(text).topics == ["capex", "demand", "supply"]
    assert tagger.tag("Thank you, and congratulations on the quarter.").topics == []


def test_bad_phrases_are_named():
    with pytest.raises(TopicError, match=r"topic 'x'.*'\.\.\.' needs a word on each side"):
        TopicTagger([TopicDefinition("x", phrases=("capex ...",))])


def test_the_fingerprint_changes_with_the_definitions_only():
    one = TopicTagger(default_topics(), default_ai_terms())
    assert TopicTagger(default_topics(), default_ai_terms()).fingerprint == one.fingerprint
    more = [*default_topics(), TopicDefinition("agents", phrases=("agentic",))]
    assert TopicTagger(more, default_ai_terms()).fingerprint != one.fingerprint
    assert TopicTagger(default_topics(), ["AI"]).fingerprint != one.fingerprint


def test_the_shipped_phrase_lists_on_the_held_out_sample(tagger: TopicTagger):
    """Written sentences never used to tune the lists (benchmarks/topics.py prints the figures)."""
    report = measure(lambda texts: [tagger.tag(t).topics for t in texts], load_sample(HELDOUT_FILE), tagger.names)
    assert report.micro.precision >= 0.88 and report.micro.recall >= 0.75
    assert all(f.f1 >= 0.7 for f in report.per_topic.values()), report.format()


def test_config_topics_change_add_and_drop_defaults(write_config):
    config = load_config(
        write_config(
            "topics:\n"
            "  - {name: capex, description: Spending on compute, add_phrases: [GPU purchases]}\n"
            "  - {name: valuation, enabled: false}\n"
            "  - {name: agents, description: Agentic AI, phrases: [agent*, agentic]}\n"
            "ai_mentions:\n  terms: [AI, Copilot]\n"
            "alerts:\n  rules:\n    - {name: r, scope: 'topic:agents,ticker:MSFT', metric: capex_returns_gap}\n"
        )
    )
    topics = {t.name: t for t in config.topic_definitions}
    assert list(topics) == ["capex", "demand", "returns", "supply", "efficiency", "agents"]
    assert topics["capex"].description == "Spending on compute"
    assert "GPU purchases" in topics["capex"].phrases and "capex" in topics["capex"].phrases
    tagger = config.topic_tagger()
    assert tagger.tag("Copilot agents are everywhere.").topics == ["agents"]
    assert tagger.tag("Copilot and AI").ai_mentions == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("topics:\n  - {name: capex}\n  - {name: agents}\n", "config.yaml:3: topics[1]: a new topic needs phrases"),
        ("topics:\n  - {name: Agents, phrases: [x]}\n", "config.yaml:2: topics[0].name"),
        ("topics:\n  - {name: x, phrases: ['...']}\n", "config.yaml:2: topics[0]: topic 'x'"),
        (
            "alerts:\n  rules:\n    - name: r\n      scope: topic:nope\n",
            "config.yaml:4: alerts.rules[0].scope: no topic 'nope'",
        ),
        (
            "alerts:\n  rules:\n    - name: r\n      scope: ticker:NVDA,kind:news\n",
            "config.yaml:4: alerts.rules[0].scope",
        ),
        (
            "topics:\n  - {name: returns, enabled: false}\nalerts:\n  rules:\n    - name: r\n      metric: capex_returns_gap\n",
            "config.yaml:6: alerts.rules[0].metric: no topic 'returns'",
        ),
    ],
)
def test_topic_config_errors_name_key_and_line(write_config, tmp_path: Path, text: str, message: str):
    with pytest.raises(ConfigError) as error:
        load_config(write_config(text))
    assert str(error.value).replace(f"{tmp_path}/", "").startswith(message), str(error.value)

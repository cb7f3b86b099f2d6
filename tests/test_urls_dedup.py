"""Canonical URLs, content hashes and near-duplicate stories."""

from __future__ import annotations

import pytest

from hypewatch.crawler.dedup import content_hash, hamming_distance, is_near_duplicate, simhash
from hypewatch.crawler.urls import canonicalize_url, reader_url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/nvidia-earnings",
        "http://example.com/news/nvidia-earnings",
        "https://www.example.com/news/nvidia-earnings/",
        "https://WWW.Example.COM:443/news/nvidia-earnings#comments",
        "https://example.com/news/nvidia-earnings?utm_source=rss&utm_medium=feed&utm_campaign=x",
        "https://example.com/news/nvidia-earnings?fbclid=IwAR0abc&gclid=xyz&mc_cid=1&mc_eid=2&ref=home",
    ],
)
def test_spellings_of_one_page_share_a_canonical_url(url):
    assert canonicalize_url(url) == "https://example.com/news/nvidia-earnings"


def test_meaningful_query_parameters_are_kept_and_sorted():
    assert (
        canonicalize_url("https://example.com/article?page=2&id=7&utm_source=x")
        == "https://example.com/article?id=7&page=2"
    )


def test_path_case_and_other_ports_are_kept():
    assert canonicalize_url("http://Example.com:8080/News/A/") == "https://example.com:8080/News/A"


@pytest.mark.parametrize(
    "given, link",
    [
        # what a reader's browser needs is kept: an http-only site, a host served only with www., a port
        ("http://www.example.com:8080/News/A/", "http://www.example.com:8080/News/A/"),
        # what only says how the reader arrived goes, and the rest stays as the site spelled it
        ("https://www.example.com/a?utm_source=rss&page=2&id=7#comments", "https://www.example.com/a?page=2&id=7"),
        ("https://example.com/search?q=a%20b&sort=new", "https://example.com/search?q=a%20b&sort=new"),
        ("file:///data/calls/acme.txt", "file:///data/calls/acme.txt"),
    ],
)
def test_the_link_stored_for_readers_is_the_one_the_site_serves_less_its_tracking(given, link):
    assert reader_url(given) == link
    assert canonicalize_url(reader_url(given)) == canonicalize_url(given)  # the same story either way


def test_non_web_urls_are_left_alone():
    assert canonicalize_url("mailto:desk@example.com") == "mailto:desk@example.com"


STORY = """SANTA CLARA, Calif. - Nvidia on Wednesday reported quarterly revenue that topped Wall Street
estimates, as demand for its artificial intelligence chips from cloud computing companies showed no sign of
slowing. Revenue in the data center segment, which includes the accelerators used to train large language
models, rose sharply from a year earlier. The company forecast revenue for the current quarter above analysts'
expectations, citing strong orders for its newest generation of processors. Chief executive Jensen Huang said
the transition to accelerated computing had reached a tipping point, with demand rising across companies,
industries and nations. Some analysts cautioned that spending by the largest cloud providers could slow if
returns on artificial intelligence investments fail to materialise, and that export restrictions weigh on
sales in China. Shares of the company rose in extended trading after the results, adding to a rally that has
made the chipmaker one of the most valuable companies in the world. The company also announced a stock split
and raised its quarterly dividend, moves that investors welcomed as a sign of confidence in future cash flows.
Competitors including Advanced Micro Devices and Intel are racing to release rival accelerators, while several
cloud providers are designing their own chips to reduce their dependence on a single supplier."""

REPUBLISHED = (
    "By Example Wire staff\n"
    + STORY.replace("SANTA CLARA, Calif. - ", "SANTA CLARA, California (Example Wire) -- ")
    + "\nThis story was provided by Example Wire. Follow us on social media for more technology news."
)

UNRELATED = """The city council voted on Tuesday to extend the opening hours of public libraries through the
winter, after residents asked for more quiet places to study and work. The measure, which passed by a wide
margin, will be paid for from the culture budget and reviewed next spring. Librarians welcomed the decision but
said more staff would be needed to keep reading rooms open late into the evening, and several members of the
council promised to revisit the budget for hiring later in the year."""


def test_content_hash_ignores_case_and_whitespace():
    assert content_hash("Nvidia  beats\nestimates.") == content_hash("NVIDIA beats estimates. ")
    assert content_hash("Nvidia beats estimates.") != content_hash("Nvidia misses estimates.")


def test_republished_wire_story_is_a_near_duplicate():
    assert is_near_duplicate(simhash(STORY), simhash(REPUBLISHED))
    assert is_near_duplicate(simhash(STORY), simhash("By Example Wire staff\n" + STORY), max_distance=3)


def test_different_stories_are_not_near_duplicates():
    assert not is_near_duplicate(simhash(STORY), simhash(UNRELATED))
    assert hamming_distance(simhash(STORY), simhash(UNRELATED)) > 10


def test_simhash_is_stable_unsigned_64_bit():
    value = simhash(STORY)
    assert value == simhash(STORY)
    assert 0 <= value < 2**64
    assert 0 <= simhash("") < 2**64


def test_max_distance_is_the_threshold():
    assert is_near_duplicate(0b1011, 0b0000, max_distance=3)
    assert not is_near_duplicate(0b1111, 0b0000, max_distance=3)

"""Feeds as the real web writes them: every flavour, wrong labels, legacy encodings, broken XML."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hypewatch.crawler.feeds import FeedError, PageNotFeed, html_to_text, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
SHARED_FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"
REAL_FEEDS = sorted(SHARED_FEEDS.iterdir()) if SHARED_FEEDS.is_dir() else []
needs_shared = pytest.mark.skipif(not REAL_FEEDS, reason="../shared/data/feeds not available")


def real(name: str):
    return parse_feed((SHARED_FEEDS / name).read_bytes(), name)


def fixture(name: str):
    return parse_feed((FIXTURES / name).read_bytes(), name)


@needs_shared
def test_there_are_34_real_feeds():
    assert len(REAL_FEEDS) == 34


@needs_shared
@pytest.mark.parametrize("path", REAL_FEEDS, ids=lambda p: p.name)
def test_every_real_feed_parses_into_items(path):
    feed = parse_feed(path.read_bytes(), path.name)
    assert feed.items
    assert any(item.link for item in feed.items)
    assert any(item.title or item.summary or item.content for item in feed.items)
    for item in feed.items:
        for when in (item.published_at, item.updated_at):
            assert when is None or when.utcoffset() == timedelta(0)
        assert item.summary is None or "<p>" not in item.summary


@needs_shared
def test_feeds_labelled_as_the_wrong_kind():
    assert len(real("DaringFireball.rss").items) == 47  # really Atom
    assert len(real("allthis.atom").items) == 12  # really RSS
    assert len(real("KatieFloyd.rss").items) == 20  # an RSS feed with a <feed> nested inside


@needs_shared
def test_rss_1_0_rdf_feed_with_dublin_core_dates():
    item = real("bio.rdf").items[0]
    assert item.link.startswith("http://biorxiv.org/")
    assert item.updated_at == datetime(2019, 8, 27, tzinfo=timezone.utc)


@needs_shared
def test_declared_legacy_chinese_encoding():
    feed = real("kc0011.rss")
    assert feed.items[0].title == "建国35周年纪念，华表，和平鸽"
    assert not feed.problems


@needs_shared
def test_atom_full_content_is_html_and_summary_is_plain_text():
    item = real("DaringFireball.atom").items[0]
    assert item.content and "<p>" in item.content
    assert item.published_at == datetime(2017, 6, 27, 0, 54, 17, tzinfo=timezone.utc)
    assert item.author and item.item_id


@pytest.mark.parametrize(
    "name, title, item_title",
    [
        ("latin1-undeclared.rss", "Café économique", "Nvidia dépasse les attentes"),
        ("gb2312-undeclared.rss", "科技新闻", "英伟达发布新一代芯片"),
        ("rss091.xml", "Old School", "Hello from 1999"),
    ],
)
def test_legacy_encodings_declared_or_not(name, title, item_title):
    feed = fixture(name)
    assert (feed.title, feed.items[0].title) == (title, item_title)
    assert not feed.problems


def test_dates_become_utc():
    item = fixture("latin1-undeclared.rss").items[0]
    assert item.published_at == datetime(2024, 11, 5, 13, 30, tzinfo=timezone.utc)


def test_malformed_xml_keeps_what_can_be_read_and_says_so(caplog):
    with caplog.at_level(logging.WARNING, logger="hypewatch.crawler.feeds"):
        feed = fixture("broken.rss")
    assert [item.link for item in feed.items] == [f"https://broken.example/{n}" for n in (1, 2, 3)]
    assert feed.items[0].summary == "Unclosed paragraph and a stray & ampersand"
    assert feed.problems and "not well-formed" in feed.problems[0]
    assert "feed broken.rss: SAXParseException" in caplog.text and "(kept 3 items)" in caplog.text


def test_relative_links_resolve_against_the_feed_url():
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>a</title><link href="/2025/08/26/story/"/><id>x</id><updated>2025-08-26T00:00:00Z</updated></entry></feed>"""
    feed = parse_feed(data, "rel", url="https://news.example/feed.xml")
    assert feed.items[0].link == "https://news.example/2025/08/26/story/"


def test_guid_permalink_stands_in_for_a_missing_link():
    data = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>a</title><guid isPermaLink="true">https://news.example/a</guid></item></channel></rss>"""
    assert parse_feed(data, "guid").items[0].link == "https://news.example/a"


def test_not_a_feed_is_an_error_naming_it():
    with pytest.raises(FeedError, match="notes: not a readable feed"):
        parse_feed(b"Dear reader, the feed has moved.", "notes")
    with pytest.raises(PageNotFeed, match="^front-page: an HTML page, not a feed$"):
        parse_feed(b"<html><body><p>Welcome</p></body></html>", "front-page")


def test_a_home_page_given_for_a_feed_names_the_feeds_it_declares():
    home = b"""<!DOCTYPE html><html><head><title>Wire</title>
    <link rel="stylesheet" href="/site.css">
    <link rel="alternate" hreflang="de" href="/de/">
    <link rel="alternate" type="application/rss+xml" title="Top stories" href="/rss/top.xml">
    <link rel="Alternate" type="application/atom+xml" href="https://cdn.wire.example/atom.xml">
    <link rel="alternate" type="application/rss+xml" href="/rss/top.xml">
    </head><body><p>Welcome</p></body></html>"""
    with pytest.raises(PageNotFeed) as found:
        parse_feed(home, "wire", url="https://wire.example/news/")
    assert found.value.links == ["https://wire.example/rss/top.xml", "https://cdn.wire.example/atom.xml"]
    assert (
        found.value.problem == "an HTML page, not a feed; the page links to the feed https://wire.example/rss/top.xml"
    )


def test_a_feed_body_hinted_for_hyphenation_reads_as_whole_words():
    # Publishers put soft hyphens (&shy;) and zero-width spaces in long words for narrow screens.
    markup = "<p>Spending on arti&shy;ficial intel&shy;ligence infra&#8203;structure keeps rising.</p>"
    assert html_to_text(markup) == "Spending on artificial intelligence infrastructure keeps rising."
    assert html_to_text("arti\u00adficial intel\u2060ligence") == "artificial intelligence"


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    markup = "<p>One <b>bold</b> line.</p><script>alert(1)</script><p>Two&nbsp;lines</p>"
    assert html_to_text(markup) == "One bold line.\nTwo lines"


# --- JSON Feed --------------------------------------------------------------------------------------


def json_feed_bytes(items: list, version: str = "1.1") -> bytes:
    import json

    feed = {"version": f"https://jsonfeed.org/version/{version}", "title": "Compute Notes"}
    return json.dumps({**feed, "home_page_url": "https://notes.example/blog/", "items": items}).encode()


def test_a_json_feed_gives_its_items_with_links_dates_bodies_and_authors():
    feed = parse_feed(
        json_feed_bytes(
            [
                {
                    "id": 7,
                    "url": "posts/gpu-glut",
                    "title": "  GPU  glut? ",
                    "content_html": "<p>Hyperscalers keep buying.</p>",
                    "date_published": "2026-11-20T10:00:00+02:00",
                    "authors": [{"name": "Ana"}, {"name": "Bo"}],
                },
                {
                    "id": "b",
                    "external_url": "https://wire.example/x",
                    "content_text": "One.\n\nTwo & three.",
                    "date_modified": "2026-11-21T08:00:00Z",
                    "author": {"name": "Cy"},
                },
                "not an item",
            ]
        ),
        "notes",
    )
    first, second = feed.items
    assert feed.title == "Compute Notes" and feed.link == "https://notes.example/blog/"
    assert first.link == "https://notes.example/blog/posts/gpu-glut" and first.title == "GPU glut?"
    assert first.published_at == datetime(2026, 11, 20, 8, tzinfo=timezone.utc) and first.item_id == "7"
    assert first.content == "<p>Hyperscalers keep buying.</p>" and first.author == "Ana, Bo"
    assert second.link == "https://wire.example/x" and second.published_at is None
    assert second.updated_at == datetime(2026, 11, 21, 8, tzinfo=timezone.utc) and second.author == "Cy"
    assert second.content == "<p>One.</p><p>Two &amp; three.</p>"
    assert feed.problems == ["item 2 is not an object"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b'{"items": []}', "JSON, but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": [', "not a readable feed (JSON:"),
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": []}',
            "not a readable feed (a JSON Feed with no title and no items)",
        ),
    ],
)
def test_json_that_is_no_json_feed_is_one_named_error(data, message):
    with pytest.raises(FeedError, match=re.escape(f"api: {message}")):
        parse_feed(data, "api")

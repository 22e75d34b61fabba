"""The feeds, written as text one entry at a time, against what feedgen and lxml write."""

from __future__ import annotations

import datetime as dt
import html
import json
import zoneinfo

from feedgen.feed import FeedGenerator
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.cleantext import forbidden_character
from pipeline.feedformats import _ATOM_MARKUP, _MARKUP, entry_texts, feed_files
from pipeline.feeds import MEDIA_TYPES, Feed, FeedEntry

ATOM_NS = "http://www.w3.org/2005/Atom"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


# ------------------------------------------------------------- the reference: feedgen, as we used it

def feedgen_files(feed: Feed) -> tuple[bytes, bytes, bytes]:
    return feedgen_atom(feed), feedgen_rss(feed), reference_json(feed)


def feedgen_atom(feed: Feed) -> bytes:
    root = etree.fromstring(_generator(feed, "atom").atom_str(encoding="UTF-8"))
    for element, entry in zip(root.findall(f"{{{ATOM_NS}}}entry"), feed.entries):
        languages = {url: lang for lang, url in _links(entry)}
        for link in element.findall(f"{{{ATOM_NS}}}link"):
            link.attrib.update({"rel": "alternate", "type": "text/html", "hreflang": languages[link.get("href")]})
    for name in ("title", "subtitle", "summary"):  # plain text that looks like markup goes as HTML showing it
        for element in root.iter(f"{{{ATOM_NS}}}{name}"):
            if element.text and _ATOM_MARKUP.search(element.text):
                element.set("type", "html")
                element.text = html.escape(element.text, quote=False)
    return _serialize(root)


# Stands for the "&" that starts an HTML escape in an RSS text element: we write it "&#x26;",
# which lxml never does; the reference text holds no such character (see _TEXT).
_HEX_AMPERSAND = "\ue000"


def feedgen_rss(feed: Feed) -> bytes:
    root = etree.fromstring(_generator(feed, "rss").rss_str(encoding="UTF-8"))
    channel = root.find("channel")
    if feed.hub:
        self_link = channel.find(f"{{{ATOM_NS}}}link")
        self_link.addnext(etree.Element(f"{{{ATOM_NS}}}link", rel="hub", href=feed.hub))
    description = channel.find("description")  # always HTML to readers: written as HTML showing the text
    for element in [channel.find("title"), description, *channel.iterfind("item/title")]:
        if element.text and (element is description or _MARKUP.search(element.text)):
            element.text = html.escape(element.text, quote=False).replace("&", _HEX_AMPERSAND)
    return _serialize(root).replace(_HEX_AMPERSAND.encode(), b"&#x26;")


def reference_json(feed: Feed) -> bytes:
    data: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.url("json"),
        "description": feed.description,
        "language": feed.lang,
        "authors": [{"name": feed.publisher}],
        "items": [{
            "id": e.id, "url": e.url, "title": e.title, "summary": e.summary, "content_html": e.content_html,
            "date_published": e.published.isoformat(), "date_modified": e.updated.isoformat(),
            "language": e.lang, "tags": [name for _, name in e.topics], "authors": [{"name": feed.publisher}],
        } for e in feed.entries],
    }
    if feed.hub:
        data["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _serialize(root) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _links(entry: FeedEntry) -> list[tuple[str, str]]:
    return list(entry.alternates) + [(entry.lang, entry.url)]


def _generator(feed: Feed, fmt: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(feed.id)
    fg.title(feed.title)
    fg.subtitle(feed.description)
    fg.language(feed.lang)
    fg.link(href=feed.url(fmt), rel="self", type=MEDIA_TYPES[fmt])
    if feed.hub:
        fg.link(href=feed.hub, rel="hub")
    fg.link(href=feed.home_url, rel="alternate", type="text/html", hreflang=feed.lang)
    fg.author({"name": feed.publisher})
    fg.generator("health-pipeline", uri="https://health.example.org/")
    fg.updated(feed.updated)
    for entry in feed.entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        for lang, url in _links(entry):
            fe.link(href=url, rel="alternate", type="text/html", hreflang=lang)
        fe.content(entry.content_html, type="html")
        # RSS readers take the description as HTML: it is the summary's text, escaped for HTML
        fe.description(html.escape(entry.summary, quote=False) if fmt == "rss" else entry.summary, isSummary=True)
        fe.published(entry.published)
        fe.updated(entry.updated)
        fe.author({"name": feed.publisher})
        for key, name in entry.topics:
            fe.category(term=key, label=name)
    return fg


# ------------------------------------------------------------- feeds to write

def entry(n: int, **changes) -> FeedEntry:
    fields = {
        "id": f"tag:example.org,2025-01-0{n % 9 + 1}:a{n}:de",
        "lang": "de",
        "title": f"Krampfadern {n}: Was hilft?",
        "summary": 'Bewegung & Kompression <helfen> "oft".',
        "content_html": f'<p>Absatz {n} mit <a href="https://example.org/x?a=1&amp;b=2">Link</a>.</p>\n\n<ul>\n<li>Eins</li>\n</ul>',
        "url": f"https://example.org/de/krampfadern-{n}.html",
        "alternates": (("en", f"https://example.org/en/varicose-{n}.html"),),
        "published": dt.datetime(2024, 3, n % 28 + 1, tzinfo=BERLIN),
        "updated": dt.datetime(2025, 7, 1, tzinfo=BERLIN),
        "topics": (("veins", "Venen"), ("legs", "Beine & Füße")),
    }
    return FeedEntry(**{**fields, **changes})


def feed(entries: tuple[FeedEntry, ...], **changes) -> Feed:
    fields = {
        "lang": "de", "topic": None, "title": "Gesundheit & Leben", "description": "Verständliche Artikel.",
        "home_url": "https://example.org/de/index.html", "id": "tag:example.org,2025:de/feed", "path": "de/feed",
        "base_url": "https://example.org/", "publisher": "Gesundheits-Redaktion", "hub": None, "entries": entries,
    }
    return Feed(**{**fields, **changes})


def test_a_feed_of_several_entries_is_what_feedgen_writes():
    sample = feed(tuple(entry(n) for n in range(5)))
    assert feed_files(sample) == feedgen_files(sample)


def test_a_hub_no_entries_and_no_topics_are_written_as_feedgen_writes_them():
    for sample in (feed((), hub="https://hub.example.org/"),
                   feed((entry(1, topics=(), alternates=()),), hub="https://hub.example.org/?a=1&b=2"),
                   feed((entry(2, summary=""), entry(3, content_html=""), entry(4, summary="", content_html="")))):
        assert feed_files(sample) == feedgen_files(sample)


def test_a_feed_put_together_from_its_entries_is_the_feed_written_whole():
    entries = tuple(entry(n) for n in range(3))
    sample = feed(entries)
    assert feed_files(sample, [entry_texts(e, sample.publisher) for e in entries]) == feed_files(sample)


# Any character a source can hold: the feed writer refuses the others (``cleantext``).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=_HEX_AMPERSAND, min_codepoint=9).filter(
    lambda c: not forbidden_character(c)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(title=_TEXT.filter(bool), summary=_TEXT, content=_TEXT, topic=_TEXT, url=_TEXT.filter(bool),
       hub=st.none() | _TEXT.filter(bool), hour=st.integers(0, 23))
def test_any_text_is_escaped_as_lxml_escapes_it(title, summary, content, topic, url, hub, hour):
    one = entry(1, title=title, summary=summary, content_html=content, url=url, topics=(("t", topic),),
                updated=dt.datetime(2025, 1, 31, hour, tzinfo=dt.UTC))
    sample = feed((one, entry(2)), hub=hub, description=title)
    assert feed_files(sample) == feedgen_files(sample)


def test_text_that_looks_like_markup_is_written_as_html_showing_it_as_feedgen_writes_that():
    marked = ("<b>Wasser</b> & Saft", "A &amp; B", "a<b", "<img src=x onerror=alert(1)>", "&#x26; <!-- x -->")
    for n, words in enumerate(marked):
        sample = feed((entry(n, title=words, summary=words), entry(9)), title=words, description=words)
        assert feed_files(sample) == feedgen_files(sample), words

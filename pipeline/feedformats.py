"""Atom (RFC 4287) and RSS 2.0 through feedgen: the one module that knows feedgen.

feedgen fills in the current time wherever a date is missing, so every date is passed
explicitly; its generator tag is pinned so a feedgen upgrade changes no feed byte. Two gaps
are mended on the XML it writes: feedgen 1.0 drops ``rel``, ``type`` and ``hreflang`` of entry
links in Atom (it reads them from the element it just created), and it writes no WebSub hub
link in RSS.
"""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from lxml import etree

from pipeline.feeds import MEDIA_TYPES, Feed, FeedEntry

ATOM_NS = "http://www.w3.org/2005/Atom"


def atom_bytes(feed: Feed) -> bytes:
    root = etree.fromstring(_generator(feed, "atom").atom_str(encoding="UTF-8"))
    for element, entry in zip(root.findall(f"{{{ATOM_NS}}}entry"), feed.entries):
        languages = {url: lang for lang, url in _links(entry)}
        for link in element.findall(f"{{{ATOM_NS}}}link"):
            link.attrib.update({"rel": "alternate", "type": "text/html", "hreflang": languages[link.get("href")]})
    return _serialize(root)


def rss_bytes(feed: Feed) -> bytes:
    root = etree.fromstring(_generator(feed, "rss").rss_str(encoding="UTF-8"))
    if feed.hub:
        channel = root.find("channel")
        self_link = channel.find(f"{{{ATOM_NS}}}link")
        self_link.addnext(etree.Element(f"{{{ATOM_NS}}}link", rel="hub", href=feed.hub))
    return _serialize(root)


def _serialize(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _links(entry: FeedEntry) -> list[tuple[str, str]]:
    """Other language versions first: feedgen's RSS takes the last alternate link as the item's link."""
    return list(entry.alternates) + [(entry.lang, entry.url)]


def _generator(feed: Feed, fmt: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(feed.id)
    fg.title(feed.title)
    fg.subtitle(feed.description)  # RSS: description
    fg.language(feed.lang)
    fg.link(href=feed.url(fmt), rel="self", type=MEDIA_TYPES[fmt])
    if feed.hub:
        fg.link(href=feed.hub, rel="hub")
    fg.link(href=feed.home_url, rel="alternate", type="text/html", hreflang=feed.lang)
    fg.author({"name": feed.publisher})
    fg.generator("health-pipeline", uri="https://health.example.org/")
    fg.updated(feed.updated)  # also RSS lastBuildDate: the newest entry, never the build time
    for entry in feed.entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        for lang, url in _links(entry):
            fe.link(href=url, rel="alternate", type="text/html", hreflang=lang)
        fe.content(entry.content_html, type="html")
        fe.description(entry.summary, isSummary=True)
        fe.published(entry.published)  # also RSS pubDate
        fe.updated(entry.updated)
        fe.author({"name": feed.publisher})
        for key, name in entry.topics:
            fe.category(term=key, label=name)
    return fg

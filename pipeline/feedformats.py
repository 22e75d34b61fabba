"""Atom (RFC 4287), RSS 2.0 and JSON Feed 1.1, written as text, one entry at a time.

Each entry is written on its own (``entry_texts``) and a feed is put together from its
entries' texts (``feed_files``), so that a feed in which one article changed is made from the
others as they were written before. feedgen wrote the Atom and RSS feeds until it showed in
the profile: a third of a one-article publish, in building lxml trees for fifty entries per
feed to change one. The bytes are what feedgen and lxml wrote, mended as we mended them (entry
links with ``rel``, ``type`` and ``hreflang``; a WebSub hub link in RSS too), so subscribers
see no change; ``tests/test_feedformats.py`` holds every format to feedgen's.

Every date comes from the feed's records, never from the clock.

Titles, summaries and the site's words are plain text (``render.plain_text``), and no reader
may see markup in them, whatever a source or a translator wrote. Readers take RSS
``<description>`` as HTML, and guess at the other RSS text elements; the W3C Feed Validator
warns ("title should not contain HTML") when the text of a plain-text element holds an end
tag of HTML, or an ``&`` before a name or ``#``, unless that element's line holds a hexadecimal
character reference (its reading of the RSS Best Practices Profile), and in RSS also for ``<``
before a letter or ``/`` (``nonhtml`` in its ``validators.py``). So a text that holds none of
those (``_ATOM_MARKUP``, ``_MARKUP``: almost every title) is written as it is; one that does
is written as HTML that shows the text -- escaped for HTML, then for XML: in Atom as
``type="html"``, in RSS with the ``&`` of each escape written ``&#x26;``. An RSS description,
the channel's and an item's, is always such HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.feeds import MEDIA_TYPES, Feed, FeedEntry
from pipeline.xmltext import attribute, text

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
GENERATOR, GENERATOR_URI = "health-pipeline", "https://health.example.org/"  # pinned: no library version in any feed
RSS_DOCS = "http://www.rssboard.org/rss-specification"
_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What the validator takes for HTML in a plain-text element of any feed: an end tag, a
# character or entity reference (``&`` before ``#`` or a word character). Atom says which text
# is text, so readers take nothing else for markup there.
_ATOM_MARKUP = re.compile(r"</[A-Za-z]|&[#\w]")
# RSS does not: readers guess, some take every title for HTML, and the validator also warns of
# a start tag. So also ``<`` before a letter, ``!`` or ``?`` (a tag, a comment, a declaration).
# Plain text without any of them reads the same as text and as HTML.
_MARKUP = re.compile(r"<[A-Za-z/!?]|&[#\w]")


@dataclass(frozen=True)
class EntryTexts:
    """One entry as each format writes it, indented for its place in the feed."""

    atom: str
    rss: str
    json: str


def entry_texts(entry: FeedEntry, publisher: str) -> EntryTexts:
    return EntryTexts(_atom_entry(entry, publisher), _rss_item(entry), _json_item(entry, publisher))


def feed_files(feed: Feed, entries: Sequence[EntryTexts] | None = None) -> tuple[bytes, bytes, bytes]:
    """The feed in Atom, RSS and JSON Feed; ``entries``, when given, are its entries' texts, in order."""
    if entries is None:
        entries = [entry_texts(entry, feed.publisher) for entry in feed.entries]
    return (_atom(feed, [e.atom for e in entries]).encode("utf-8"),
            _rss(feed, [e.rss for e in entries]).encode("utf-8"),
            _json(feed, [e.json for e in entries]).encode("utf-8"))


def _atom(feed: Feed, entries: list[str]) -> str:
    lines = [f'<feed xmlns="{ATOM_NS}" xml:lang={attribute(feed.lang)}>' if feed.lang else f'<feed xmlns="{ATOM_NS}">',
             f"  <id>{text(feed.id)}</id>",
             _atom_text("  ", "title", feed.title),
             f"  <updated>{feed.updated.isoformat()}</updated>"]
    lines += _author(feed.publisher, "  ")
    lines.append(f"  <link href={attribute(feed.url('atom'))} rel=\"self\" type={attribute(MEDIA_TYPES['atom'])}/>")
    if feed.hub:
        lines.append(f'  <link href={attribute(feed.hub)} rel="hub"/>')
    lines.append(f'  <link href={attribute(feed.home_url)} rel="alternate" type="text/html" hreflang={attribute(feed.lang)}/>')
    lines.append(f"  <generator uri={attribute(GENERATOR_URI)}>{GENERATOR}</generator>")
    if feed.description:
        lines.append(_atom_text("  ", "subtitle", feed.description))
    return _DECLARATION + "\n".join(lines) + "\n" + "".join(entries) + "</feed>\n"


def _atom_entry(entry: FeedEntry, publisher: str) -> str:
    lines = ["  <entry>",
             f"    <id>{text(entry.id)}</id>",
             _atom_text("    ", "title", entry.title),
             f"    <updated>{entry.updated.isoformat()}</updated>"]
    lines += _author(publisher, "    ")
    lines.append(_element("    ", "content", entry.content_html, ' type="html"'))
    for lang, url in _links(entry):
        lines.append(f'    <link href={attribute(url)} rel="alternate" type="text/html" hreflang={attribute(lang)}/>')
    lines.append(_atom_text("    ", "summary", entry.summary) if entry.summary else "    <summary/>")
    for key, name in entry.topics:
        label = f" label={attribute(name)}" if name else ""
        lines.append(f"    <category term={attribute(key)}{label}/>")
    lines += [f"    <published>{entry.published.isoformat()}</published>", "  </entry>", ""]
    return "\n".join(lines)


def _rss(feed: Feed, items: list[str]) -> str:
    lines = [f'<rss xmlns:atom="{ATOM_NS}" xmlns:content="{CONTENT_NS}" version="2.0">',
             "  <channel>",
             f"    <title>{_rss_text(feed.title)}</title>",
             f"    <link>{text(feed.home_url)}</link>",
             f"    <description>{_rss_html(feed.description)}</description>",
             f"    <atom:link href={attribute(feed.url('rss'))} rel=\"self\" type={attribute(MEDIA_TYPES['rss'])}/>"]
    if feed.hub:
        lines.append(f"    <atom:link rel=\"hub\" href={attribute(feed.hub)}/>")
    lines += [f"    <docs>{RSS_DOCS}</docs>",
              f"    <generator>{GENERATOR}</generator>"]
    if feed.lang:
        lines.append(f"    <language>{text(feed.lang)}</language>")
    lines.append(f"    <lastBuildDate>{_rfc822(feed.updated)}</lastBuildDate>")
    return _DECLARATION + "\n".join(lines) + "\n" + "".join(items) + "  </channel>\n</rss>\n"


def _rss_item(entry: FeedEntry) -> str:
    lines = ["    <item>", f"      <title>{_rss_text(entry.title)}</title>", f"      <link>{text(entry.url)}</link>"]
    if entry.summary:  # RSS has no summary of its own: the description is the summary, the content beside it
        lines += [f"      <description>{text(html.escape(entry.summary, quote=False))}</description>",
                  _element("      ", "content:encoded", entry.content_html)]
    else:
        lines.append(_element("      ", "description", entry.content_html))
    lines.append(f'      <guid isPermaLink="false">{text(entry.id)}</guid>')
    lines += [_element("      ", "category", name) for _, name in entry.topics]
    lines += [f"      <pubDate>{_rfc822(entry.published)}</pubDate>", "    </item>", ""]
    return "\n".join(lines)


def _json(feed: Feed, items: list[str]) -> str:
    data: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.url("json"),
        "description": feed.description,
        "language": feed.lang,
        "authors": [{"name": feed.publisher}],
        "items": [],
    }
    if feed.hub:
        data["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    document = json.dumps(data, ensure_ascii=False, indent=1)
    if items:  # each item was written at the top level: two more spaces put it in the list
        listed = ",\n".join("\n".join("  " + line for line in item.split("\n")) for item in items)
        document = document.replace('\n "items": []', '\n "items": [\n' + listed + "\n ]", 1)
    return document + "\n"


def _json_item(entry: FeedEntry, publisher: str) -> str:
    return json.dumps({
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "summary": entry.summary,
        "content_html": entry.content_html,
        "date_published": entry.published.isoformat(),
        "date_modified": entry.updated.isoformat(),
        "language": entry.lang,
        "tags": [name for _, name in entry.topics],
        "authors": [{"name": publisher}],
    }, ensure_ascii=False, indent=1)


def _links(entry: FeedEntry) -> list[tuple[str, str]]:
    """Other language versions first, the entry's own page last (RSS links the last one)."""
    return list(entry.alternates) + [(entry.lang, entry.url)]


def _author(name: str, indent: str) -> list[str]:
    return [f"{indent}<author>", f"{indent}  <name>{text(name)}</name>", f"{indent}</author>"] if name else []


def _element(indent: str, name: str, value: str, attributes: str = "") -> str:
    """An element holding ``value``; empty, it closes itself."""
    if value:
        return f"{indent}<{name}{attributes}>{text(value)}</{name}>"
    return f"{indent}<{name}{attributes}/>"


def _atom_text(indent: str, name: str, value: str) -> str:
    """An Atom text construct holding plain text: as text, or as HTML that shows it (see above)."""
    if _ATOM_MARKUP.search(value):
        return f'{indent}<{name} type="html">{text(html.escape(value, quote=False))}</{name}>'
    return f"{indent}<{name}>{text(value)}</{name}>"


def _rss_text(value: str) -> str:
    """Plain text for an RSS element readers may take as HTML and the validator takes as text."""
    return _rss_html(value) if _MARKUP.search(value) else text(value)


def _rss_html(value: str) -> str:
    """Plain text for an RSS element readers always take as HTML (the channel's description: a
    lone "<>" would be dropped as a tag), written so that the validator takes it as text too."""
    return text(html.escape(value, quote=False)).replace("&amp;", "&#x26;")


def _rfc822(moment: dt.datetime) -> str:
    """RFC 822 as RSS dates it, in English whatever the locale: ``Tue, 24 Nov 2026 00:00:00 +0100``.

    Written field by field: ``strftime`` writes the year 33 as ``33``, and an offset with seconds."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}")

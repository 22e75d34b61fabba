"""Feeds per language and per topic, as records made from the pages.

``feedformats`` writes them as Atom, RSS and JSON Feed. Every date comes from the ledger,
never from the build time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.config import SiteConfig
from pipeline.model import Ledger, Page
from pipeline.render import plain_text
from pipeline.versions import feed_dates

FORMATS = ("atom", "rss", "json")
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}


@dataclass(frozen=True)
class FeedEntry:
    """One language version of an article, as feed readers see it."""

    id: str  # minted once and recorded in the ledger; never derived from slug, title or URL
    lang: str  # the entry's language, the feed's language
    title: str  # the article's title as plain text: what a reader sees on the page, no Markdown
    summary: str  # the article's summary as plain text, like the title
    content_html: str  # the article's body, with absolute links
    url: str  # the page
    alternates: tuple[tuple[str, str], ...]  # (lang, url) of the other language versions
    published: dt.datetime  # the original's creation date
    updated: dt.datetime  # the last substantive change this language's readers got
    topics: tuple[tuple[str, str], ...]  # (key, name in the entry's language)


@dataclass(frozen=True)
class Feed:
    """One feed: a language, optionally narrowed to a topic."""

    lang: str  # the feed's language
    topic: str | None  # topic key, or None for all articles
    title: str  # site title (and topic name), in the feed's language
    description: str  # site description, in the feed's language
    home_url: str  # the index page the feed belongs to
    id: str  # a tag URI from the configured authority and the path, not from the URL
    path: str  # below ``output/`` without suffix, e.g. ``de/topics/veins/feed``
    base_url: str  # the site's base URL
    publisher: str  # author and publisher of every entry
    hub: str | None  # WebSub hub, if configured
    entries: tuple[FeedEntry, ...]  # newest first, at most the configured number

    def url(self, fmt: str) -> str:
        return f"{self.base_url}{self.path}.{fmt}"

    @property
    def updated(self) -> dt.datetime:
        """The newest entry's date: a feed changes when its content does, not when it is built."""
        return max((e.updated for e in self.entries), default=_MIN)


_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def build_feeds(pages: Sequence[Page], ledgers: Mapping[str, Ledger], config: SiteConfig,
                gettext: Mapping[str, Callable[[str], str]], content: Callable[[Page], str]) -> list[Feed]:
    """Every feed of the site: one per language, and one per language and topic."""
    zone = zoneinfo.ZoneInfo(config.time_zone)
    versions: dict[str, list[Page]] = defaultdict(list)  # article id -> its pages, for the entries' links
    for page in pages:
        versions[page.article.id].append(page)
    size = config.feed_size
    kept = max(size, 1)  # a topic feed is written, empty if need be, when any article has the topic
    feeds: list[Feed] = []
    for lang in (l for l in config.languages if l in gettext):
        text = gettext[lang]
        names = {key: text(label) for key, label in config.topics.items()}
        newest = sorted((p for p in pages if p.article.lang == lang), key=lambda p: _newest_first(p, ledgers, lang))
        by_topic: dict[str, list[Page]] = {key: [] for key in config.topics}  # each newest first, as long as a feed
        full = 0
        for page in newest:  # on a large site, the topic feeds are full long before the last article
            for key in page.article.topics:
                listed = by_topic.get(key)
                if listed is not None and len(listed) < kept and (not listed or listed[-1] is not page):
                    listed.append(page)
                    full += len(listed) == kept
            if full == len(by_topic):
                break
        made: dict[str, FeedEntry] = {}  # each entry's content is rendered once, and only if a feed shows it

        def entries(selection: list[Page], made: dict[str, FeedEntry] = made,
                    names: dict[str, str] = names) -> list[FeedEntry]:
            for page in selection[:size]:
                if page.path not in made:
                    made[page.path] = _entry(page, ledgers[page.article.id], versions, zone, names, config, content)
            return [made[p.path] for p in selection[:size]]

        feeds.append(_feed(config, lang, None, text(config.title), entries(newest), text))
        for key in config.topics:
            narrowed = by_topic[key]
            if narrowed:
                feeds.append(_feed(config, lang, key, f"{text(config.title)}: {names[key]}", entries(narrowed), text))
    return feeds


def _newest_first(page: Page, ledgers: Mapping[str, Ledger], lang: str) -> tuple[int, str]:
    ledger = ledgers[page.article.id]
    return -feed_dates(page.article, ledger, lang)[1].toordinal(), ledger.entry_id(lang) or ""


def _feed(config: SiteConfig, lang: str, topic: str | None, title: str, entries: list[FeedEntry],
          text: Callable[[str], str]) -> Feed:
    folder = f"{lang}/topics/{topic}" if topic else lang
    return Feed(
        lang=lang, topic=topic, title=title, description=text(config.description),
        home_url=f"{config.base_url}{lang}/index.html", id=f"tag:{config.tag_authority},2025:{folder}/feed",
        path=f"{folder}/feed", base_url=config.base_url,
        publisher=config.publisher, hub=config.websub_hub, entries=tuple(entries[: config.feed_size]),
    )


def _entry(page: Page, ledger: Ledger, versions: Mapping[str, list[Page]], zone: zoneinfo.ZoneInfo,
           names: Mapping[str, str], config: SiteConfig, content: Callable[[Page], str]) -> FeedEntry:
    article, lang = page.article, page.article.lang
    published, updated = feed_dates(article, ledger, lang)
    entry_id = ledger.entry_id(lang)
    if entry_id is None:
        raise ValueError(f"no entry id minted for {article.id} in {lang}")  # choose_pages mints them
    urls = sorted((p.article.lang, config.base_url + p.path) for p in versions[article.id])  # by language
    return FeedEntry(
        id=entry_id, lang=lang, title=plain_text(article.title.value), summary=plain_text(article.summary.value),
        content_html=content(page), url=dict(urls)[lang],
        alternates=tuple((l, u) for l, u in urls if l != lang),
        published=_midnight(published, zone), updated=_midnight(updated, zone),
        topics=tuple((key, names[key]) for key in article.topics),
    )


def _midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The day's first moment in the site's zone, with an offset every feed format can write.

    RFC 3339 (Atom, JSON Feed) and RFC 822 (RSS) know offsets in whole minutes only; a zone's
    local mean time is not (Europe/Berlin before April 1893: +00:53:28), so such an offset is
    rounded to the minute. The day stays the day: it is a date that is published, not an instant.
    """
    offset = zone.utcoffset(dt.datetime(day.year, day.month, day.day))
    if offset is None or not offset % _MINUTE:
        return dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    minutes = round(offset / _MINUTE)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone(minutes * _MINUTE))


_MINUTE = dt.timedelta(minutes=1)

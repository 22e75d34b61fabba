"""The content model: what a source article is once read, and what a page is made from.

Plain frozen records; this module imports nothing of ours. Changes go through
``dataclasses.replace``, never by mutation.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Union


@dataclass(frozen=True)
class Origin:
    """Where a piece of content came from."""

    path: str  # POSIX path relative to the project root, e.g. ``sources/x.md``
    line: int  # 1-based line in that file

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Text:
    """One translatable unit: inline Markdown, whitespace-normalized."""

    value: str  # the inline Markdown; also the msgid in the article's catalog
    origin: Origin  # where the unit starts in its source file


@dataclass(frozen=True)
class Heading:
    """A section heading; in our articles usually a question."""

    level: int  # 2 or 3: level 1 is the article's title
    text: Text  # the heading's words


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text."""

    text: Text  # the paragraph's inline Markdown


@dataclass(frozen=True)
class ListItem:
    """One item of a bullet or numbered list, possibly with nested lists."""

    text: Text  # the item's own words
    children: tuple[ListBlock, ...] = ()  # lists nested below the item


@dataclass(frozen=True)
class ListBlock:
    """A bullet list or a numbered list."""

    ordered: bool  # True for a numbered list
    items: tuple[ListItem, ...]  # the items, in order
    start: int = 1  # first number of a numbered list


@dataclass(frozen=True)
class Figure:
    """An image with its alternative text and a visible caption."""

    src: str  # path relative to ``sources/``, e.g. ``images/walking.svg``
    alt: Text  # what a screen reader says instead of the picture
    caption: Text | None = None  # the caption shown under the picture, if any


@dataclass(frozen=True)
class Cell:
    """One table cell."""

    text: Text  # the cell's inline Markdown
    align: Literal["left", "center", "right"] | None = None  # column alignment, if set


@dataclass(frozen=True)
class Table:
    """A table with one header row."""

    header: tuple[Cell, ...]  # the column headings
    rows: tuple[tuple[Cell, ...], ...]  # the body rows


Block = Union[Heading, Paragraph, ListBlock, Figure, Table]


@dataclass(frozen=True)
class ReviewDate:
    """When the next review is planned: a year, a month or a day, as precise as the editor said."""

    year: int  # e.g. 2025
    month: int | None = None  # 1-12, or None for a whole year
    day: int | None = None  # day of the month, only with a month

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def last_day(self) -> dt.date:
        """The last day the review is still on time."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        parts += [f"{v:02d}" for v in (self.month, self.day) if v is not None]
        return "-".join(parts)


@dataclass(frozen=True)
class Reference:
    """One entry of the literature list, kept verbatim and never translated."""

    text: str  # the citation exactly as the editor wrote it
    lang: str  # the language the citation is written in (for the ``lang`` attribute)


@dataclass(frozen=True)
class Article:
    """One health-information article in one language."""

    id: str  # stable forever; never derived from title or slug
    lang: str  # the language this article's text is in
    source_lang: str  # the language it was written in (== lang for the source itself)
    slugs: Mapping[str, str]  # the page's file name (without .html) per site language
    title: Text  # the page title, usually a question
    summary: Text  # one or two sentences for indexes and feeds
    blocks: tuple[Block, ...]  # the body, in order
    references: tuple[Reference, ...]  # the literature list
    topics: tuple[str, ...]  # topic keys from the site settings
    created: dt.date  # first publication
    updated: dt.date | None  # last substantive update, if any
    next_review: ReviewDate  # when the content is due to be checked again
    sample: bool  # written to demonstrate the site, not real medical content
    origin: Origin  # the source file, line 1
    change: Literal["substantive", "editorial"] = "substantive"  # what the editor's latest edit is
    change_note: str | None = None  # the editor's note on it, for the version history

    @property
    def is_translation(self) -> bool:
        return self.lang != self.source_lang


@dataclass(frozen=True)
class Segment:
    """A translatable unit as it appears in a catalog."""

    msgid: str  # the source text
    kind: str  # what the unit is, for the translator: "heading", "list item", ...
    origin: Origin  # where it stands in the source


@dataclass(frozen=True)
class Progress:
    """How far one catalog has come for one article and language."""

    total: int  # units the article has
    translated: int  # units with a confirmed translation
    fuzzy: int  # units whose translation needs checking (counts as untranslated)
    words: int = 0  # words in all units of the source
    words_translated: int = 0  # words in translated units
    words_fuzzy: int = 0  # words in fuzzy units

    @property
    def untranslated(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def words_untranslated(self) -> int:
        return self.words - self.words_translated - self.words_fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def complete(self) -> bool:
        return self.translated == self.total


@dataclass(frozen=True)
class Version:
    """One recorded version of an article's content."""

    number: int  # 1, 2, 3 ... never reused
    date: dt.date  # when it was published
    fingerprint: str  # hash of the normalized content
    kind: Literal["substantive", "editorial"]  # editorial fixes move no visible date
    note: str | None = None  # what changed, in the editor's words


@dataclass(frozen=True)
class TranslationRecord:
    """Which version of the original a language's published translation corresponds to."""

    lang: str  # the target language
    version: int  # the number of the original's version it translates
    completed: dt.date  # when the translation of that version was complete


@dataclass(frozen=True)
class NewsletterRecord:
    """A version of an article (or of its translation) that went out in a newsletter issue."""

    lang: str  # the issue's language
    issue: dt.date  # the issue's date
    version: int  # the original's version number it announced


@dataclass(frozen=True)
class Ledger:
    """The version history of one article, committed beside the sources."""

    article_id: str  # the article's id
    versions: tuple[Version, ...]  # oldest first
    translations: tuple[TranslationRecord, ...] = ()  # one per target language, sorted
    entry_ids: tuple[tuple[str, str], ...] = ()  # (lang, feed entry id) minted once per language version
    newsletters: tuple[NewsletterRecord, ...] = ()  # what went out in which issue, oldest first

    def entry_id(self, lang: str) -> str | None:
        return next((entry for language, entry in reversed(self.entry_ids) if language == lang), None)

    @property
    def current(self) -> Version:
        return self.versions[-1]

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    def translation(self, lang: str) -> TranslationRecord | None:
        return next((t for t in self.translations if t.lang == lang), None)


@dataclass(frozen=True)
class Page:
    """One article page to publish: the article in the page's language and where it goes."""

    article: Article  # already localized: ``article.lang`` is the page language
    path: str  # POSIX path below ``output/``, e.g. ``de/trinken-im-alter.html``
    based_on: dt.date | None = None  # set when the page shows the translation of an older original: its date
    history: tuple[Version, ...] = ()  # the original's versions up to the one shown
    overdue: bool = False  # the planned review has passed


@dataclass(frozen=True)
class HeldBack:
    """A page that was not published, and why."""

    article: Article | None  # the source article; None when a whole language is held back
    lang: str  # the language it was held back in
    reason: str  # for the editor, one line


@dataclass(frozen=True)
class Finding:
    """A warning about the input: reported, counted, and a failure with ``--strict``."""

    kind: str  # short and stable, e.g. "i18n.number-mismatch" or "review.overdue"
    path: str  # the file to look at
    line: int | None  # the line in it, when there is one
    message: str  # what is wrong, with the article and unit it concerns

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.kind}: {self.message}"

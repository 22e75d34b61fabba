"""The last complete translation of each article, kept in ``locales/<lang>/published/<id>.json``.

When the original changes, its translation falls behind; until the translator catches up, the
page keeps showing this copy (with a notice) instead of a half-translated, mixed-language page.

The file is written by ``make publish`` but lies in the translators' folder, so it is read as
untrusted: every field is typed and checked against a schema (``_Stored``) as it is read, and
the first wrong value is refused with the line it stands on. Nothing in it reaches a page
unchecked: a heading level is the number 2 or 3, a picture a file in ``images/``, every text
free of the characters no page or feed can carry.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from pipeline.articlejson import dumps, to_data
from pipeline.catalogs import LOCALES
from pipeline.cleantext import check_value, forbidden_character, forbidden_reference
from pipeline.config import LANGUAGE_CODE, TOPIC_KEY
from pipeline.errors import CatalogError
from pipeline.model import (Article, Block, Cell, Figure, Heading, ListBlock, ListItem, Origin, Paragraph,
                            Reference, ReviewDate, Table, Text)
# The rules a source's own id and slugs follow: a stored copy may claim no other.
from pipeline.sources import ARTICLE_ID, RESERVED_NAMES, SLUG

_FIX = "delete the file and publish again to store a new one"
# \Z, not $: "$" also matches before a final newline ("en\n").
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_IMAGE = re.compile(r"^images/[A-Za-z0-9_][A-Za-z0-9._-]*\.(?:png|jpg|jpeg|gif|webp|svg)\Z")
_MAX_NUMBER = 1_000_000  # no list starts, source line or version number comes near it
_MAX_DEPTH = 16  # lists nested deeper than any article has; keeps reading from recursing without bound
_ARTICLE_FIELDS = ("id", "lang", "source_lang", "slugs", "title", "summary", "blocks", "references", "topics",
                   "created", "updated", "next_review", "sample", "origin")
_BLOCK_FIELDS = {"Heading": ("level", "text"), "Paragraph": ("text",), "ListBlock": ("ordered", "items", "start"),
                 "Figure": ("src", "alt", "caption"), "Table": ("header", "rows")}

# A character outside these, or an escape that can make one (\uXXXX, \b, \f): only then is each text
# checked with ``cleantext``, whose exact list costs ten times as much to search (0.9 ms a file).
_UNUSUAL = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd]")
_ESCAPE = re.compile(r'\\[^"\\/ntr]')
_DAMAGE = {ValueError: "it holds a number of thousands of digits", RecursionError: "it is nested without end"}

Where = tuple[str | int, ...]  # a field's path from the file's top, e.g. ("article", "blocks", 3, "level")


@dataclass(frozen=True)
class PublishedTranslation:
    """A complete translation as it was published."""

    article: Article  # the translated article, with the dates of the original it translates
    source_version: int  # the number of that original's version in the ledger


def published_path(lang: str, article_id: str) -> str:
    return f"{LOCALES}/{lang}/published/{article_id}.json"


def to_bytes(published: PublishedTranslation) -> bytes:
    return dumps({"article": to_data(published.article), "source_version": published.source_version})


def from_bytes(path: str, data: bytes) -> PublishedTranslation:
    """Read a stored translation; its language and id are those its path names
    (``locales/<lang>/published/<id>.json``). Anything else is refused with its line."""
    parts = path.split("/")
    lang, article_id = parts[-3], parts[-1].removesuffix(".json")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"the stored translation is damaged: not valid UTF-8 (byte {exc.start}); {_FIX}", path,
                           data.count(b"\n", 0, exc.start) + 1) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"the stored translation is damaged: not valid JSON ({exc.msg}); {_FIX}", path, exc.lineno) from exc
    except (ValueError, RecursionError) as exc:
        raise CatalogError(f"the stored translation is damaged: {_DAMAGE[type(exc)]}; {_FIX}", path, 1) from exc
    suspect = _UNUSUAL.search(text) is not None or ("\\" in text and _ESCAPE.search(text) is not None)
    return _Stored(path, text, lang, article_id, suspect).translation(raw)


class _Stored:
    """The schema of a stored translation, checked field by field; ``where`` is the field's path."""

    def __init__(self, path: str, text: str, lang: str, article_id: str, suspect: bool):
        self.path, self.text, self.lang, self.article_id = path, text, lang, article_id
        self.suspect = suspect  # False: no text of the file can hold a forbidden character
        self.paths: set[str] = set()  # origin paths already checked: most files name one source

    def fail(self, where: Where, what: str, value: Any = None, shown: bool = True) -> NoReturn:
        found = f", not {_shown(value)}" if shown else ""
        raise CatalogError(f"{field_name(where)} {what}{found}; {_FIX}", self.path, line_of(self.text, where))

    def translation(self, data: Any) -> PublishedTranslation:
        record = self.record(data, (), ("article", "source_version"))
        return PublishedTranslation(self.article(record["article"], ("article",)),
                                    self.number(record["source_version"], ("source_version",), 1))

    def article(self, data: Any, where: Where) -> Article:
        d = self.record(data, where, _ARTICLE_FIELDS, ("change", "change_note"))
        at = lambda key: where + (key,)  # noqa: E731
        article_id = self.string(d["id"], at("id"))
        if article_id != self.article_id or not ARTICLE_ID.match(article_id):
            self.fail(at("id"), f"must be the file's name, {self.article_id!r}", article_id)
        lang = self.language(d["lang"], at("lang"))
        if lang != self.lang:
            self.fail(at("lang"), f"must be the folder's language, {self.lang!r}", lang)
        updated = d["updated"]
        return Article(
            id=article_id, lang=lang, source_lang=self.language(d["source_lang"], at("source_lang")),
            slugs=self.slugs(d["slugs"], at("slugs")),
            title=self.text_unit(d["title"], at("title")), summary=self.text_unit(d["summary"], at("summary")),
            blocks=tuple(self.block(b, at("blocks") + (i,)) for i, b in enumerate(self.array(d["blocks"], at("blocks")))),
            references=tuple(self.reference(r, at("references") + (i,))
                             for i, r in enumerate(self.array(d["references"], at("references")))),
            topics=tuple(self.topic(t, at("topics") + (i,)) for i, t in enumerate(self.array(d["topics"], at("topics")))),
            created=self.date(d["created"], at("created")),
            updated=None if updated is None else self.date(updated, at("updated")),
            next_review=self.review(d["next_review"], at("next_review")),
            sample=self.flag(d["sample"], at("sample")),
            origin=self.origin(d["origin"], at("origin")),
            change=self.choice(d.get("change", "substantive"), at("change"), ("substantive", "editorial")),
            change_note=None if d.get("change_note") is None else self.string(d["change_note"], at("change_note")),
        )

    # ------------------------------------------------------------ blocks

    def block(self, data: Any, where: Where, depth: int = 0) -> Block:
        kind = self.record(data, where, ("type",), (), open_record=True)["type"]
        if not isinstance(kind, str) or kind not in _BLOCK_FIELDS:
            self.fail(where + ("type",), f"must be one of {', '.join(_BLOCK_FIELDS)}", kind)
        d = self.record(data, where, _BLOCK_FIELDS[kind] + ("type",))
        at = lambda key: where + (key,)  # noqa: E731
        if kind == "Heading":
            level = d["level"]
            if type(level) is not int or level not in (2, 3):
                self.fail(at("level"), "must be 2 or 3", level)
            return Heading(level, self.text_unit(d["text"], at("text")))
        if kind == "Paragraph":
            return Paragraph(self.text_unit(d["text"], at("text")))
        if kind == "ListBlock":
            return self.list(d, where, depth)
        if kind == "Figure":
            caption = d["caption"]
            return Figure(self.image(d["src"], at("src")), self.text_unit(d["alt"], at("alt")),
                          None if caption is None else self.text_unit(caption, at("caption")))
        return Table(self.cells(d["header"], at("header")),
                     tuple(self.cells(row, at("rows") + (i,)) for i, row in enumerate(self.array(d["rows"], at("rows")))))

    def list(self, d: dict[str, Any], where: Where, depth: int) -> ListBlock:
        if depth >= _MAX_DEPTH:
            self.fail(where, f"nests lists more than {_MAX_DEPTH} deep", shown=False)
        items = []
        for i, item in enumerate(self.array(d["items"], where + ("items",))):
            at = where + ("items", i)
            fields = self.record(item, at, ("text", "children"))
            children = self.array(fields["children"], at + ("children",))
            items.append(ListItem(self.text_unit(fields["text"], at + ("text",)), tuple(
                self.nested_list(child, at + ("children", n), depth + 1) for n, child in enumerate(children))))
        return ListBlock(self.flag(d["ordered"], where + ("ordered",)), tuple(items),
                         self.number(d["start"], where + ("start",), 0))

    def nested_list(self, data: Any, where: Where, depth: int) -> ListBlock:
        block = self.block(data, where, depth)
        if not isinstance(block, ListBlock):
            self.fail(where + ("type",), "must be ListBlock", type(block).__name__)
        return block

    def cells(self, data: Any, where: Where) -> tuple[Cell, ...]:
        cells = []
        for i, cell in enumerate(self.array(data, where)):
            d = self.record(cell, where + (i,), ("text", "align"))
            align = None if d["align"] is None else self.choice(d["align"], where + (i, "align"), ("left", "center", "right"))
            cells.append(Cell(self.text_unit(d["text"], where + (i, "text")), align))
        return tuple(cells)

    def image(self, data: Any, where: Where) -> str:
        src = self.string(data, where)
        if not _IMAGE.match(src) or ".." in src:
            self.fail(where, "must be a picture in images/, like images/walking.svg "
                      "(png, jpg, jpeg, gif, webp or svg)", src)
        return src

    # ------------------------------------------------------------ values

    def text_unit(self, data: Any, where: Where) -> Text:
        d = self.record(data, where, ("value", "origin"))
        return Text(self.string(d["value"], where + ("value",)), self.origin(d["origin"], where + ("origin",)))

    def origin(self, data: Any, where: Where) -> Origin:
        d = self.record(data, where, ("path", "line"))
        path = d["path"]
        if not isinstance(path, str) or path not in self.paths:
            self.string(path, where + ("path",))
            if "\n" in path or "\r" in path or "\t" in path:  # it starts error lines: a break would forge more
                self.fail(where + ("path",), "must be a file name on one line", path)
            self.paths.add(path)
        return Origin(path, self.number(d["line"], where + ("line",), 0))

    def reference(self, data: Any, where: Where) -> Reference:
        d = self.record(data, where, ("text", "lang"))
        return Reference(self.string(d["text"], where + ("text",)), self.language(d["lang"], where + ("lang",)))

    def slugs(self, data: Any, where: Where) -> dict[str, str]:
        if not isinstance(data, dict) or not data:
            self.fail(where, "must map language codes to slugs", data)
        for lang, slug in data.items():
            self.language(lang, where + (lang,))
            if not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_NAMES:
                self.fail(where + (lang,), "must be lowercase words joined by '-'", slug)
        return dict(data)

    def topic(self, data: Any, where: Where) -> str:
        if not isinstance(data, str) or not TOPIC_KEY.match(data):
            self.fail(where, "must be a topic key like 'veins'", data)
        return data

    def review(self, data: Any, where: Where) -> ReviewDate:
        d = self.record(data, where, ("year", "month", "day"))
        year = self.number(d["year"], where + ("year",), 1, 9999)
        month = None if d["month"] is None else self.number(d["month"], where + ("month",), 1, 12)
        day = None if d["day"] is None else self.number(d["day"], where + ("day",), 1, 31)
        review = ReviewDate(year, month, day)
        try:
            if day is not None and month is None:
                raise ValueError
            review.last_day  # noqa: B018 -- validates the day of the month
        except ValueError:
            self.fail(where, "must be a year, a month or a real day", d)
        return review

    def date(self, data: Any, where: Where) -> dt.date:
        if isinstance(data, str) and _DATE.match(data):
            try:
                return dt.date.fromisoformat(data)
            except ValueError:
                pass
        self.fail(where, "must be a date like 2025-06-30", data)

    def language(self, data: Any, where: Where) -> str:
        if not isinstance(data, str) or not LANGUAGE_CODE.match(data):
            self.fail(where, "must be a language code like 'en' or 'de'", data)
        return data

    def string(self, data: Any, where: Where) -> str:
        if not isinstance(data, str):
            self.fail(where, "must be a text", data)
        # A reference (&#12;) is plain ASCII, so it never makes the file suspect: every text is
        # searched for one, which costs nothing where no "&#" stands. Located only when found.
        if (self.suspect and forbidden_character(data)) or forbidden_reference(data):
            check_value(data, self.path, line_of(self.text, where), CatalogError, field_name(where))
        return data

    def number(self, data: Any, where: Where, least: int, most: int = _MAX_NUMBER) -> int:
        if type(data) is not int or not least <= data <= most:
            self.fail(where, f"must be a whole number from {least} to {most}", data)
        return data

    def flag(self, data: Any, where: Where) -> bool:
        if type(data) is not bool:
            self.fail(where, "must be true or false", data)
        return data

    def choice(self, data: Any, where: Where, allowed: tuple[str, ...]) -> str:
        if not isinstance(data, str) or data not in allowed:
            self.fail(where, f"must be one of {', '.join(allowed)}", data)
        return data

    def array(self, data: Any, where: Where) -> list[Any]:
        if not isinstance(data, list):
            self.fail(where, "must be a list", data)
        return data

    def record(self, data: Any, where: Where, required: tuple[str, ...], optional: tuple[str, ...] = (),
               open_record: bool = False) -> dict[str, Any]:
        """``data`` as an object with the ``required`` keys, and no others than ``optional`` ones
        unless ``open_record`` (a block's other keys depend on its type)."""
        if type(data) is not dict:
            self.fail(where, "must be an object", data)
        if len(data) == len(required) and all(key in data for key in required):
            return data  # the usual case, asked first: a file has thousands of records
        missing = [key for key in required if key not in data]
        if missing:
            self.fail(where, f"lacks the field {missing[0]!r}", shown=False)
        unknown = [key for key in data if key not in required and key not in optional]
        if unknown and not open_record:
            self.fail(where + (unknown[0],), "is not a field of a stored translation", shown=False)
        return data


def _shown(value: Any) -> str:
    """A wrong value for an error line: JSON-like, cut short, on one line."""
    shown = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=True)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def field_name(where: Where) -> str:
    """``("article", "blocks", 3, "level")`` -> ``article.blocks[3].level``."""
    name = ""
    for step in where:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name or "the file"


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def line_of(text: str, where: Where) -> int:
    """The line the value at ``where`` starts on in the JSON ``text`` (json keeps no positions).

    Walks the text along the path: at each object, its keys are read with ``scanstring`` and the
    values not on the path skipped with ``raw_decode``; the last of equal keys wins, as in ``json``.
    A path that leaves the text (it should not) ends at the last value found.
    """
    pos = _SPACE.match(text, 0).end()
    for step in where:
        found = _member(text, pos, step)
        if found is None:
            break
        pos = found
    return text.count("\n", 0, pos) + 1


def _member(text: str, pos: int, step: str | int) -> int | None:
    """Where the value of key or index ``step`` starts in the object or array at ``pos``."""
    opening = text[pos:pos + 1]
    if opening not in ("{", "[") or (opening == "{") != isinstance(step, str):
        return None
    found, index = None, 0
    pos = _SPACE.match(text, pos + 1).end()
    while pos < len(text) and text[pos] not in "}]":
        key = index
        if opening == "{":
            key, pos = json.decoder.scanstring(text, pos + 1)
            pos = _SPACE.match(text, text.index(":", pos) + 1).end()
        if key == step:
            found = pos
            if opening == "[":
                return found
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _SPACE.match(text, pos).end()
        if text[pos:pos + 1] == ",":
            pos = _SPACE.match(text, pos + 1).end()
        index += 1
    return found

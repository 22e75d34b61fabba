"""Split an article into translatable units, and put translated units back.

``segments`` and ``localize`` walk the article the same way, through ``_map_texts``, so every
unit a translator sees is exactly a unit a page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pipeline.model import Article, Block, Cell, Figure, Heading, ListBlock, ListItem, Paragraph, Segment, Table, Text

# What the translator is told each unit is (the catalog's extracted comment).
TITLE, SUMMARY, HEADING, PARAGRAPH = "page title", "summary", "heading", "paragraph"
LIST_ITEM, CAPTION, ALT_TEXT, TABLE_HEADER, TABLE_CELL = (
    "list item", "image caption", "alt text (read aloud instead of the image)", "table header", "table cell")

Translate = Callable[[Text, str], Text]


def segments(article: Article) -> tuple[Segment, ...]:
    """The article's translatable units, in reading order."""
    found: list[Segment] = []

    def note(text: Text, kind: str) -> Text:
        if text.value:  # an empty table cell has nothing to translate
            found.append(Segment(text.value, kind, text.origin))
        return text

    _map_texts(article, note)
    return tuple(found)


def localize(article: Article, translations: dict[str, str], lang: str) -> Article:
    """The article with every unit replaced by its translation into ``lang``.

    ``translations`` must cover every unit: a missing one is a bug in the caller, who decides
    what is complete enough to publish, so it raises KeyError rather than mixing languages.
    """
    def translate(text: Text, kind: str) -> Text:
        return replace(text, value=translations[text.value]) if text.value else text

    return replace(_map_texts(article, translate), lang=lang)


def _map_texts(article: Article, fn: Translate) -> Article:
    return replace(
        article,
        title=fn(article.title, TITLE),
        summary=fn(article.summary, SUMMARY),
        blocks=tuple(_block(block, fn) for block in article.blocks),
    )


def _block(block: Block, fn: Translate) -> Block:
    if isinstance(block, Heading):
        return replace(block, text=fn(block.text, HEADING))
    if isinstance(block, Paragraph):
        return replace(block, text=fn(block.text, PARAGRAPH))
    if isinstance(block, ListBlock):
        return _list(block, fn)
    if isinstance(block, Figure):
        alt = fn(block.alt, ALT_TEXT)  # alt text first: the order translators see units in
        return replace(block, alt=alt, caption=fn(block.caption, CAPTION) if block.caption else None)
    if isinstance(block, Table):
        return replace(
            block,
            header=tuple(_cell(cell, fn, TABLE_HEADER) for cell in block.header),
            rows=tuple(tuple(_cell(cell, fn, TABLE_CELL) for cell in row) for row in block.rows),
        )
    raise TypeError(f"unknown block {block!r}")


def _list(block: ListBlock, fn: Translate) -> ListBlock:
    return replace(block, items=tuple(_item(item, fn) for item in block.items))


def _item(item: ListItem, fn: Translate) -> ListItem:
    return replace(item, text=fn(item.text, LIST_ITEM), children=tuple(_list(child, fn) for child in item.children))


def _cell(cell: Cell, fn: Translate, kind: str) -> Cell:
    return replace(cell, text=fn(cell.text, kind))


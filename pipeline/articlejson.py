"""Articles as canonical JSON: the content fingerprint, and the stored copy of a published
translation (so the last complete translation can stay online while a translator catches up).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import fields, is_dataclass
from typing import Any

from pipeline.model import (Article, Cell, Figure, Heading, ListBlock, ListItem, Origin, Paragraph, Reference,
                            ReviewDate, Table, Text)

_BLOCKS = {cls.__name__: cls for cls in (Heading, Paragraph, ListBlock, Figure, Table)}


def to_data(value: Any, *, with_origins: bool = True) -> Any:
    """Plain JSON-able data; blocks carry their type's name."""
    if is_dataclass(value):
        data = {f.name: to_data(getattr(value, f.name), with_origins=with_origins)
                for f in fields(value) if with_origins or f.name != "origin"}
        if type(value).__name__ in _BLOCKS:
            data["type"] = type(value).__name__
        return data
    if isinstance(value, (tuple, list)):
        return [to_data(v, with_origins=with_origins) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v, with_origins=with_origins) for k, v in sorted(value.items())}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dumps(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def fingerprint(article: Article) -> str:
    """A hash of the text a reader reads, not of the file: reflowing a paragraph, moving lines
    or changing dates, slugs or topics changes nothing."""
    data = to_data(article, with_origins=False)
    content = {key: data[key] for key in ("title", "summary", "blocks", "references")}
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:16]


def article_from_data(data: dict[str, Any]) -> Article:
    """The inverse of ``to_data`` for an article; raises KeyError or TypeError on bad data."""
    return Article(
        id=data["id"], lang=data["lang"], source_lang=data["source_lang"], slugs=dict(data["slugs"]),
        title=_text(data["title"]), summary=_text(data["summary"]),
        blocks=tuple(_block(b) for b in data["blocks"]),
        references=tuple(Reference(**r) for r in data["references"]),
        topics=tuple(data["topics"]),
        created=dt.date.fromisoformat(data["created"]),
        updated=dt.date.fromisoformat(data["updated"]) if data["updated"] else None,
        next_review=ReviewDate(**data["next_review"]),
        sample=bool(data["sample"]),
        origin=Origin(**data["origin"]),
    )


def _text(data: dict[str, Any]) -> Text:
    return Text(data["value"], Origin(**data["origin"]))


def _block(data: dict[str, Any]):
    kind = data["type"]
    if kind == "Heading":
        return Heading(data["level"], _text(data["text"]))
    if kind == "Paragraph":
        return Paragraph(_text(data["text"]))
    if kind == "ListBlock":
        return _list(data)
    if kind == "Figure":
        return Figure(data["src"], _text(data["alt"]), _text(data["caption"]) if data["caption"] else None)
    if kind == "Table":
        return Table(tuple(_cell(c) for c in data["header"]), tuple(tuple(_cell(c) for c in row) for row in data["rows"]))
    raise TypeError(f"unknown block type {kind!r}")


def _list(data: dict[str, Any]) -> ListBlock:
    items = tuple(ListItem(_text(i["text"]), tuple(_list(c) for c in i["children"])) for i in data["items"])
    return ListBlock(data["ordered"], items, data["start"])


def _cell(data: dict[str, Any]) -> Cell:
    return Cell(_text(data["text"]), data["align"])

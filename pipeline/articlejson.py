"""Articles as canonical JSON: the content fingerprint, and the data of the stored copy of a published
translation (so the last complete translation can stay online while a translator catches up); that
copy is read back, against its schema, in ``pipeline.published``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import fields, is_dataclass
from typing import Any

from pipeline.model import Article, Figure, Heading, ListBlock, Paragraph, Table

_BLOCKS = {cls.__name__: cls for cls in (Heading, Paragraph, ListBlock, Figure, Table)}


def to_data(value: Any, *, with_origins: bool = True) -> Any:
    """Plain JSON-able data; blocks carry their type's name."""
    names = _field_names(type(value))
    if names is not None:
        data = {name: to_data(getattr(value, name), with_origins=with_origins)
                for name in names if with_origins or name != "origin"}
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


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A record type's fields in order, None for any other type: asked once per type, not per
    value (a cold build of 1,000 articles converts 130,000 values)."""
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None


def dumps(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def fingerprint(article: Article) -> str:
    """A hash of the text a reader reads, not of the file: reflowing a paragraph, moving lines
    or changing dates, slugs or topics changes nothing."""
    content = {key: to_data(getattr(article, key), with_origins=False)
               for key in ("title", "summary", "blocks", "references")}
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:16]

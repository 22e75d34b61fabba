"""The last complete translation of each article, kept in ``locales/<lang>/published/<id>.json``.

When the original changes, its translation falls behind; until the translator catches up, the
page keeps showing this copy (with a notice) instead of a half-translated, mixed-language page.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from pipeline.articlejson import article_from_data, dumps, to_data
from pipeline.catalogs import LOCALES
from pipeline.errors import CatalogError
from pipeline.model import Article


@dataclass(frozen=True)
class PublishedTranslation:
    """A complete translation as it was published."""

    article: Article  # the translated article
    source_fingerprint: str  # fingerprint of the original it translates
    source_date: dt.date  # the original's date then (updated, else created)
    completed: dt.date  # when the translation of that original was complete


def published_path(lang: str, article_id: str) -> str:
    return f"{LOCALES}/{lang}/published/{article_id}.json"


def to_bytes(published: PublishedTranslation) -> bytes:
    return dumps({
        "article": to_data(published.article),
        "source_fingerprint": published.source_fingerprint,
        "source_date": published.source_date.isoformat(),
        "completed": published.completed.isoformat(),
    })


def from_bytes(path: str, data: bytes) -> PublishedTranslation:
    try:
        raw = json.loads(data)
        return PublishedTranslation(
            article=article_from_data(raw["article"]),
            source_fingerprint=raw["source_fingerprint"],
            source_date=dt.date.fromisoformat(raw["source_date"]),
            completed=dt.date.fromisoformat(raw["completed"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"the stored published translation is damaged ({exc!r}); delete the file "
                           "and publish again to store a new one", path) from exc

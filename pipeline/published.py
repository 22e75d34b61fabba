"""The last complete translation of each article, kept in ``locales/<lang>/published/<id>.json``.

When the original changes, its translation falls behind; until the translator catches up, the
page keeps showing this copy (with a notice) instead of a half-translated, mixed-language page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipeline.articlejson import article_from_data, dumps, to_data
from pipeline.catalogs import LOCALES
from pipeline.errors import CatalogError
from pipeline.model import Article


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
    try:
        raw = json.loads(data)
        return PublishedTranslation(article_from_data(raw["article"]), int(raw["source_version"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"the stored published translation is damaged ({exc!r}); delete the file "
                           "and publish again to store a new one", path) from exc

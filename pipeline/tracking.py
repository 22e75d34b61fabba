"""Where every translation stands: catalogs merged with the current sources, in memory.

Publishing, ``status`` and ``check`` all decide from the same ``CatalogPlan``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog

from pipeline import catalogs
from pipeline.config import TEMPLATE_LANG, SiteConfig
from pipeline.errors import PipelineError, raise_all
from pipeline.model import Article, Progress, Segment
from pipeline.segment import segments
from pipeline.site_messages import site_segments


@dataclass(frozen=True)
class Unit:
    """One catalog domain: an article or the site, with its units."""

    domain: str  # article id, or ``site``
    source_lang: str  # the language its msgids are written in
    segments: tuple[Segment, ...]  # its translatable units
    description: str  # first line of its catalog files


@dataclass(frozen=True)
class Translation:
    """Where one domain stands in one target language."""

    domain: str  # article id, or ``site``
    lang: str  # the target language
    path: str  # the ``.po`` file
    progress: Progress  # how much is translated
    catalog: Catalog  # the merged catalog
    existed: bool  # False when the ``.po`` file is yet to be created


@dataclass(frozen=True)
class CatalogPlan:
    """Catalogs brought up to date in memory, and the files that would change."""

    translations: tuple[Translation, ...]  # one per domain and target language
    changed: dict[str, bytes]  # path -> new content, only where the content changed

    def find(self, domain: str, lang: str) -> Translation:
        return next(t for t in self.translations if t.domain == domain and t.lang == lang)


def plan_catalogs(root: Path, articles: tuple[Article, ...], config: SiteConfig, when: dt.datetime) -> CatalogPlan:
    """Every template and catalog, merged in memory; reads existing files, writes nothing."""
    problems: list[PipelineError] = []
    translations: list[Translation] = []
    changed: dict[str, bytes] = {}
    for unit in _units(articles, config):
        template = catalogs.make_template(unit.domain, unit.segments, config, when, unit.description)
        _note_change(root, catalogs.template_path(unit.domain), catalogs.serialize(template), changed)
        for lang in config.languages:
            if lang == unit.source_lang:
                continue
            path = catalogs.catalog_path(lang, unit.domain)
            try:
                existing = _read_catalog(root, path, lang, unit.domain)
            except PipelineError as exc:
                problems.append(exc)
                continue
            catalog = catalogs.merge(template, existing, lang, f"{unit.description} ({_english_name(lang)})")
            _note_change(root, path, catalogs.serialize(catalog), changed)
            progress = catalogs.progress(catalog, (s.msgid for s in unit.segments))
            translations.append(Translation(unit.domain, lang, path, progress, catalog, existing is not None))
    raise_all(problems)
    return CatalogPlan(tuple(translations), changed)


def _units(articles: tuple[Article, ...], config: SiteConfig) -> list[Unit]:
    site = Unit(catalogs.SITE_DOMAIN, TEMPLATE_LANG, site_segments(config),
                f"Words of the page templates of {config.title}")
    return [site] + [
        Unit(a.id, a.source_lang, segments(a), f"Article {a.id}: {a.title.value}") for a in articles
    ]


def _read_catalog(root: Path, path: str, lang: str, domain: str) -> Catalog | None:
    try:
        data = (root / path).read_bytes()
    except FileNotFoundError:
        return None
    return catalogs.parse(path, data, lang, domain)


def _note_change(root: Path, path: str, data: bytes, changed: dict[str, bytes]) -> None:
    try:
        old = (root / path).read_bytes()
    except FileNotFoundError:
        old = None
    if old is None or not catalogs.same_content(old, data):
        changed[path] = data


def describe(translation: Translation) -> str:
    """One line for an editor: how far a translation has come."""
    p = translation.progress
    return (f"{translation.path}: {p.percent:.0f}% translated "
            f"({p.translated} of {p.total} units; {p.fuzzy} fuzzy, {p.untranslated} untranslated)")




def _english_name(lang: str) -> str:
    return Locale.parse(lang).get_display_name("en")

"""Where every translation stands: catalogs merged with the current sources, in memory.

Publishing, ``status`` and ``check`` all decide from the same ``CatalogPlan``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from pipeline import catalogs
from pipeline.config import TEMPLATE_LANG, SiteConfig
from pipeline.errors import CatalogError, PipelineError, raise_all
from pipeline.memo import Memo
from pipeline.model import Article, Finding, Progress, Segment
from pipeline.pofile import PoFile
from pipeline.published import PublishedTranslation, from_bytes, published_path
from pipeline.segment import segments
from pipeline.site_messages import site_segments


@dataclass(frozen=True)
class Unit:
    """One catalog domain: an article or the site, with its units."""

    domain: str  # article id, or ``site``
    source_lang: str  # the language its msgids are written in
    segments: tuple[Segment, ...]  # its translatable units
    description: str  # first comment line of its catalog files


@dataclass(frozen=True)
class Translation:
    """Where one domain stands in one target language."""

    domain: str  # article id, or ``site``
    lang: str  # the target language
    path: str  # the ``.po`` file
    progress: Progress  # how much is translated
    catalog: PoFile  # the merged catalog
    existed: bool  # False when the ``.po`` file is yet to be created
    published: PublishedTranslation | None  # the last complete translation, if one was stored
    data: bytes = b""  # the merged catalog as its file holds it


@dataclass(frozen=True)
class CatalogPlan:
    """Catalogs brought up to date in memory, and the files that would change."""

    translations: tuple[Translation, ...]  # one per domain and target language
    changed: dict[str, bytes]  # path -> new content, only where the content changed
    findings: tuple[Finding, ...] = ()  # entries a translator added for text the source never had

    def find(self, domain: str, lang: str) -> Translation:
        return next(t for t in self.translations if t.domain == domain and t.lang == lang)


def plan_catalogs(root: Path, articles: tuple[Article, ...], config: SiteConfig, when: dt.datetime,
                  editorial: Collection[str] = ()) -> CatalogPlan:
    """Every template and catalog merged in memory; reads existing files, writes nothing.

    Articles named in ``editorial`` carry a correction that keeps their translations valid:
    a changed unit keeps its translation without turning fuzzy.
    """
    units = _units(articles, config)
    problems: list[PipelineError] = _unknown_languages(root, config)
    existing = _read_all(root, units, config, problems)
    raise_all(problems)
    translations: list[Translation] = []
    changed: dict[str, bytes] = {}
    findings: list[Finding] = []
    reuse = {(lang, source): _reuse_index(existing, units, lang, source)
             for lang in config.languages for source in config.languages if lang != source}
    for unit in units:
        entries = catalogs.template_entries(unit.segments)
        header = catalogs.template_header(unit.description, f"{config.title} {unit.domain}",
                                          config.contact_email, unit.source_lang, when)
        template = catalogs.update_template(existing.get(catalogs.template_path(unit.domain)), header, entries)
        _note(root, catalogs.template_path(unit.domain), catalogs.serialize(template), changed)
        for lang in _targets(unit, config):
            path = catalogs.catalog_path(lang, unit.domain)
            old = existing.get(path)
            header_po = catalogs.catalog_header(template.header, f"{unit.description} ({_english(lang)})", lang, when)
            shared = reuse[lang, unit.source_lang] if unit.domain != catalogs.SITE_DOMAIN else {}
            findings += _unknown_entries(path, old, entries, existing.get(catalogs.template_path(unit.domain)))
            catalog = catalogs.merge(old, header_po, entries, shared, editorial=unit.domain in editorial)
            data = catalogs.serialize(catalog)
            _note(root, path, data, changed)
            progress = catalogs.progress(catalog, (s.msgid for s in unit.segments))
            published = existing.get(published_path(lang, unit.domain))
            translations.append(Translation(unit.domain, lang, path, progress, catalog, old is not None, published, data))
    return CatalogPlan(tuple(translations), changed, tuple(findings))


def _unknown_entries(path: str, old: PoFile | None, entries, old_template: object) -> list[Finding]:
    """Translations for a msgid that neither the current nor the previous template had: typed in
    by hand, they would be lost silently; they are kept (as obsolete) and reported."""
    if old is None:
        return []
    known = {e.msgid for e in entries}
    if isinstance(old_template, PoFile):
        known |= {e.msgid for e in old_template.active()}
    return [Finding("i18n.unknown-msgid", path, e.line, f"a translation for {e.msgid[:50]!r}, which the source "
                    "does not have; it is kept as an obsolete entry") for e in old.active() if e.msgid not in known]


def _unknown_languages(root: Path, config: SiteConfig) -> list[PipelineError]:
    folder = root / catalogs.LOCALES
    found = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [CatalogError(f"catalogs for '{name}', which is not a site language; add it to 'languages' in "
                         "sources/site.toml or move the folder away", f"{catalogs.LOCALES}/{name}")
            for name in found if name not in config.languages]


def _units(articles: tuple[Article, ...], config: SiteConfig) -> list[Unit]:
    site = Unit(catalogs.SITE_DOMAIN, TEMPLATE_LANG, site_segments(config),
                f"Words of the page templates of {config.title}")
    return [site] + [
        Unit(a.id, a.source_lang, segments(a), f"Article {a.id}: {a.title.value}") for a in articles
    ]


def _targets(unit: Unit, config: SiteConfig) -> list[str]:
    return [lang for lang in config.languages if lang != unit.source_lang]


def _read_all(root: Path, units: list[Unit], config: SiteConfig, problems: list[PipelineError]) -> dict[str, object]:
    """Every existing template, catalog and stored translation, keyed by path; problems collected."""
    jobs = []
    for unit in units:
        wanted = [(catalogs.template_path(unit.domain), None)]
        wanted += [(catalogs.catalog_path(lang, unit.domain), lang) for lang in _targets(unit, config)]
        wanted += [(published_path(lang, unit.domain), "json") for lang in _targets(unit, config)]
        for path, lang in wanted:
            try:
                jobs.append((path, (root / path).read_bytes(), lang))
            except FileNotFoundError:
                continue
    found: dict[str, object] = {}
    memo = Memo(root, "catalogs")
    # One process: a parsed catalog costs about as much to pickle back from a worker as to parse.
    for path, data, lang in jobs:
        result = memo.cached(data, f"{path}:{lang}", functools.partial(_parse_one, (path, data, lang)))
        if isinstance(result, PipelineError):
            problems.append(result)
        else:
            found[path] = result
    return found


def _parse_one(job: tuple[str, bytes, str | None]) -> object:
    path, data, lang = job
    try:
        return from_bytes(path, data) if lang == "json" else catalogs.parse(path, data, lang)
    except PipelineError as exc:
        return exc


def _reuse_index(existing: Mapping[str, object], units: list[Unit], lang: str, source_lang: str) -> dict[str, catalogs.Reuse]:
    """Confirmed translations into ``lang`` from all articles written in ``source_lang``."""
    index: dict[str, catalogs.Reuse] = {}
    for unit in units:
        if unit.domain == catalogs.SITE_DOMAIN or unit.source_lang != source_lang:
            continue
        po = existing.get(catalogs.catalog_path(lang, unit.domain))
        if isinstance(po, PoFile):
            for msgid, msgstr in catalogs.translations(po).items():
                index.setdefault(msgid, catalogs.Reuse(msgstr, unit.domain))
    return index


def _note(root: Path, path: str, data: bytes, changed: dict[str, bytes]) -> None:
    try:
        if (root / path).read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    changed[path] = data


def describe(translation: Translation) -> str:
    """One line for an editor: how far a translation has come."""
    p = translation.progress
    return (f"{translation.path}: {p.percent:.0f}% translated "
            f"({p.translated} of {p.total} units; {p.fuzzy} fuzzy, {p.untranslated} untranslated)")


def _english(lang: str) -> str:
    return Locale.parse(lang).get_display_name("en")

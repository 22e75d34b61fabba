"""The orchestrator: read everything, decide everything, then write.

``publish`` reads as the spec of a build: settings, sources, catalogs, the pages each language
may show, and only when all of that succeeded, the files.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import catalogs
from pipeline.articlejson import fingerprint
from pipeline.config import TEMPLATE_LANG, SiteConfig, load_config
from pipeline.errors import ConfigError, PipelineError, Problems
from pipeline.files import sync_tree, write_if_changed
from pipeline.model import Article, Figure, Page
from pipeline.published import PublishedTranslation, published_path, to_bytes
from pipeline.qa import Finding, check_translations
from pipeline.render import SiteText, render_site
from pipeline.segment import localize
from pipeline.sources import SOURCES, read_sources
from pipeline.tracking import CatalogPlan, describe, plan_catalogs

OUTPUT = "output"


@dataclass(frozen=True)
class HeldBack:
    """A page that was not published, and why."""

    article: Article | None  # the source article; None when a whole language is held back
    lang: str  # the language it was held back in
    reason: str  # for the editor, one line


@dataclass(frozen=True)
class Report:
    """What a publish did, for the summary line."""

    published: dict[str, int]  # pages per language
    held_back: tuple[HeldBack, ...]  # pages left out
    catalogs_written: tuple[str, ...]  # catalog files that changed
    findings: tuple[Finding, ...]  # translation QA warnings
    output_written: int  # files in ``output/`` written
    output_removed: int  # stale files removed from ``output/``


def build_time(config: SiteConfig, environ: dict[str, str] | None = None) -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` when set, for reproducible builds; else now, in the site's time zone."""
    environ = os.environ if environ is None else environ
    zone = zoneinfo.ZoneInfo(config.time_zone)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(zone).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(epoch), zone)
    except (ValueError, OverflowError, OSError) as exc:
        raise ConfigError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}") from exc


def publish(root: Path, when: dt.datetime | None = None, strict: bool = False) -> Report:
    """Update the catalogs and build the site into ``root/output``.

    With ``strict``, translation QA findings fail the build before anything is written.
    """
    config = load_config(root)
    when = when or build_time(config)
    articles = read_sources(root, config)
    plan = plan_catalogs(root, articles, config, when)
    findings = check_translations(plan.translations)
    if strict and findings:
        raise Problems(PipelineError(f"{f.kind}: {f.message}", f.path, f.line) for f in findings)
    texts, site_held = site_texts(plan, config)
    pages, held, stored = choose_pages(articles, plan, config, set(texts), when)
    files = render_site(pages, config, texts)
    files.update(_images(root, articles))
    for path, data in sorted((plan.changed | stored).items()):
        write_if_changed(root / path, data)
    written, removed = sync_tree(root / OUTPUT, files)
    return Report(
        published={lang: sum(p.article.lang == lang for p in pages) for lang in config.languages},
        held_back=site_held + held,
        catalogs_written=tuple(sorted(plan.changed | stored)),
        findings=tuple(findings),
        output_written=written,
        output_removed=removed,
    )


def update_catalogs(root: Path, when: dt.datetime | None = None) -> tuple[str, ...]:
    """Bring every catalog up to date with the sources and templates; the paths written."""
    config = load_config(root)
    plan = plan_catalogs(root, read_sources(root, config), config, when or build_time(config))
    for path, data in sorted(plan.changed.items()):
        write_if_changed(root / path, data)
    return tuple(sorted(plan.changed))


def site_texts(plan: CatalogPlan, config: SiteConfig) -> tuple[dict[str, SiteText], tuple[HeldBack, ...]]:
    """The template words per language; a language whose site catalog is incomplete gets none."""
    texts: dict[str, SiteText] = {}
    held: list[HeldBack] = []
    for lang in config.languages:
        if lang == TEMPLATE_LANG:
            texts[lang] = SiteText(lang, None)
            continue
        site = plan.find(catalogs.SITE_DOMAIN, lang)
        if site.progress.complete:
            texts[lang] = SiteText(lang, catalogs.translations(site.catalog))
        else:
            held.append(HeldBack(None, lang, f"{describe(site)}; the site's own words must be complete "
                                 f"before any {lang} page is published"))
    return texts, tuple(held)


def choose_pages(articles: tuple[Article, ...], plan: CatalogPlan, config: SiteConfig, languages: set[str],
                 when: dt.datetime) -> tuple[list[Page], tuple[HeldBack, ...], dict[str, bytes]]:
    """Each article in its own language, and in every language it has a complete translation in.

    A complete translation is stored as it is published; when it later falls behind its
    original, the stored copy stays online (with a notice) until the translator catches up.
    Returns the pages, what was held back, and the stored translations that changed.
    """
    pages: list[Page] = []
    held: list[HeldBack] = []
    stored: dict[str, bytes] = {}
    for article in articles:
        for lang in config.languages:
            if lang not in languages:
                continue
            path = f"{lang}/{article.slugs[lang]}.html"
            if lang == article.source_lang:
                pages.append(Page(article, path))
                continue
            translation = plan.find(article.id, lang)
            if translation.progress.complete:
                localized = localize(article, catalogs.translations(translation.catalog), lang)
                pages.append(Page(localized, path))
                _store(article, localized, translation.published, when, stored)
            elif translation.published is not None:
                old = translation.published
                outdated = old.source_fingerprint != fingerprint(article)
                shown = replace(old.article, slugs=article.slugs)
                pages.append(Page(shown, path, based_on=old.source_date if outdated else None))
            else:
                held.append(HeldBack(article, lang, describe(translation)))
    return pages, tuple(held), stored


def _store(source: Article, localized: Article, old: PublishedTranslation | None, when: dt.datetime,
           stored: dict[str, bytes]) -> None:
    mark = fingerprint(source)
    completed = old.completed if old and old.source_fingerprint == mark else when.date()
    record = PublishedTranslation(localized, mark, source.updated or source.created, completed)
    if old != record:
        stored[published_path(localized.lang, source.id)] = to_bytes(record)


def _images(root: Path, articles: tuple[Article, ...]) -> dict[str, bytes]:
    """The figures the articles show, copied from ``sources/`` to the same path below ``output/``."""
    sources = {b.src for a in articles for b in a.blocks if isinstance(b, Figure)}
    return {src: (root / SOURCES / src).read_bytes() for src in sorted(sources)}


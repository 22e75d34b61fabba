"""Where every translation stands: catalogs merged with the current sources, in memory.

Publishing, ``status`` and ``check`` all decide from the same ``CatalogPlan``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import pickle
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from babel import Locale

from pipeline import catalogs, segment, site_messages
from pipeline.config import TEMPLATE_LANG, SiteConfig
from pipeline.errors import CatalogError, PipelineError, SourceError, raise_all
from pipeline.memo import Memo
from pipeline.model import Article, Finding, Progress, Segment
from pipeline.parallel import map_forked
from pipeline.pofile import PoFile
from pipeline.qa import check_catalog
from pipeline.readfile import CATALOG_LIMIT, SOURCE_LIMIT, read_if_there
from pipeline.published import PublishedTranslation, from_bytes, published_path


@dataclass(frozen=True)
class Unit:
    """One catalog domain: an article or the site."""

    domain: str  # article id, or ``site``
    source_lang: str  # the language its msgids are written in
    description: str  # first comment line of its catalog files
    article: Article | None  # the article; None for the site
    config: SiteConfig  # the site, whose templates hold the site's units
    memo: Memo | None = None  # where the site's units found in the templates are kept

    def segments(self) -> tuple[Segment, ...]:
        """Its translatable units, in reading order."""
        if self.article is not None:
            return segment.segments(self.article)
        return site_messages.site_segments(self.config, self.memo)


@dataclass(frozen=True)
class Translation:
    """Where one domain stands in one target language."""

    domain: str  # article id, or ``site``
    lang: str  # the target language
    path: str  # the ``.po`` file
    progress: Progress  # how much is translated
    messages: dict[str, str]  # the confirmed translations, msgid -> msgstr
    existed: bool  # False when the ``.po`` file is yet to be created
    # A hash of the merged catalog's bytes. The bytes stay with the worker that merged them: at
    # 10,000 articles they were 150 MB of the main process, which only ever hashed them.
    digest: str
    published_data: bytes | None = None  # the last complete translation as stored, if one was
    # For the site while its catalog is incomplete: the words its pages show meanwhile (see
    # ``site_messages.stand_in``); None when some unit has none.
    stand_in: dict[str, str] | None = None

    @functools.cached_property
    def published(self) -> PublishedTranslation | None:
        """An article's stored translation (the site's words are kept in ``stand_in``)."""
        if not self.published_data or self.domain == catalogs.SITE_DOMAIN:
            return None
        return from_bytes(published_path(self.lang, self.domain), self.published_data)

    def __getstate__(self) -> dict[str, object]:
        # What was parsed on demand stays behind: it is rebuilt from the bytes when needed.
        return {k: v for k, v in self.__dict__.items() if k != "published"}


@dataclass(frozen=True)
class CatalogPlan:
    """Catalogs brought up to date in memory, and the files that would change."""

    translations: tuple[Translation, ...]  # one per domain and target language
    changed: dict[str, bytes]  # path -> new content, only where the content changed
    findings: tuple[Finding, ...] = ()  # entries a translator added for text the source never had
    checked: tuple[Finding, ...] = ()  # what translation QA found in the confirmed translations
    wanted: frozenset[tuple[str, str, str]] = frozenset()  # (language, source language, msgid) of units new
    # to an article's catalog, filled from the other articles' translations where one has them

    def find(self, domain: str, lang: str) -> Translation:
        return self._index[domain, lang]

    @functools.cached_property
    def _index(self) -> dict[tuple[str, str], Translation]:
        return {(t.domain, t.lang): t for t in self.translations}


@dataclass(frozen=True)
class _Planned:
    """One domain planned: its translations, and what was found on the way."""

    translations: tuple[Translation, ...]
    findings: tuple[Finding, ...]  # translations for text the source never had
    checked: tuple[Finding, ...]  # translation QA


def plan_catalogs(root: Path, articles: tuple[Article, ...], config: SiteConfig, when: dt.datetime,
                  editorial: Collection[str] = (), check: bool = True) -> CatalogPlan:
    """Every template and catalog merged in memory; reads existing files, writes nothing.

    Articles named in ``editorial`` carry a correction that keeps their translations valid:
    a changed unit keeps its translation without turning fuzzy.

    Each domain is first merged on its own, on all cores. Other articles' translations only
    fill units that are new to a catalog, so a domain without such units is final as it is;
    only the others are merged again here, once all catalogs are known. A domain whose files
    come out unchanged is settled: merging it again would give the same bytes whatever the
    time, so it is kept in ``.cache/memo.sqlite`` and not merged at all next time.
    """
    problems: list[PipelineError] = _unknown_languages(root, config)
    units = _units(articles, config, Memo(root, "site"))
    memo = Memo(root, "plans")
    context = repr(config)
    alone_units = [unit for unit in units if unit.domain != catalogs.SITE_DOMAIN]  # the site's is planned every time

    def alone(index: int) -> _Alone | list[PipelineError]:
        """One domain, settled (from the memo) or merged on its own. Its files are read here, on
        the workers: at 10,000 articles, reading 30,000 files before forking took 1.5 s."""
        unit = alone_units[index]
        files = _files_of(root, unit, config)
        key = memo.key(_key_data(root, unit, files, unit.domain in editorial), context)
        hit = memo.get(key)
        if isinstance(hit, _Planned):
            return _Alone(_with_files(hit, files), {}, frozenset(), {})
        found: list[PipelineError] = []
        existing = _read_all([unit], {unit.domain: files}, found)
        if found:
            return found
        changed: dict[str, bytes] = {}
        done, wanted = _plan_unit(unit, config, when, existing, {}, unit.domain in editorial, files, changed, check)
        if not changed:
            memo.put(key, _without_files(done))  # its files are part of the key: not stored twice
        planned_messages = {t.lang: t.messages for t in done.translations}
        before = {}  # only where it differs from the plan: most catalogs come out as they were
        for lang in _targets(unit, config):
            confirmed = _confirmed(existing.get(catalogs.catalog_path(lang, unit.domain)))
            if confirmed != planned_messages[lang]:
                before[lang] = confirmed
        return _Alone(done, changed, wanted, before)

    planned: dict[str, _Planned | None] = {}
    broken: set[str] = set()
    changed: dict[str, bytes] = {}
    before: dict[str, dict[str, dict[str, str]]] = {}  # domain -> language -> confirmed translations on disk
    wanted: set[tuple[str, str, str]] = set()
    for unit, result in zip(alone_units, map_forked(alone, len(alone_units))):
        if isinstance(result, list):
            problems += result
            broken.add(unit.domain)
            continue
        done = result.planned
        before[unit.domain] = {t.lang: result.before.get(t.lang, t.messages) for t in done.translations}
        if not result.wanted:
            planned[unit.domain] = done
            changed.update(result.changed)
        wanted.update((lang, unit.source_lang, msgid) for lang, msgid in result.wanted)
    todo = [unit for unit in units if planned.get(unit.domain) is None and unit.domain not in broken]
    files = {unit.domain: _files_of(root, unit, config) for unit in todo}
    existing = _read_all(todo, files, problems)
    raise_all(problems)
    articles_left = any(unit.domain != catalogs.SITE_DOMAIN for unit in todo)
    reuse = _reuse_indexes(units, planned, before, config) if articles_left else {}
    translations: list[Translation] = []
    findings: list[Finding] = []
    checked: list[Finding] = []
    for unit in units:
        done = planned.get(unit.domain)
        if done is None:
            done, _ = _plan_unit(unit, config, when, existing, reuse, unit.domain in editorial, files[unit.domain],
                                 changed, check)
        translations += done.translations
        findings += done.findings
        checked += done.checked
    return CatalogPlan(tuple(translations), changed, tuple(findings),
                       tuple(sorted(checked, key=finding_order)), frozenset(wanted))


def _without_files(done: _Planned) -> _Planned:
    """A settled domain as the memo keeps it: its catalogs are exactly its files, which are part
    of the key and read again on every publish, so they are not stored twice."""
    return replace(done, translations=tuple(replace(t, published_data=None) for t in done.translations))


def _with_files(done: _Planned, files: Mapping[str, bytes | None]) -> _Planned:
    return replace(done, translations=tuple(
        replace(t, published_data=files[published_path(t.lang, t.domain)])
        for t in done.translations))


def finding_order(finding: Finding) -> tuple[str, int, str]:
    return finding.path, finding.line, finding.kind


@dataclass(frozen=True)
class _Alone:
    """A domain settled (taken from the memo) or merged without other articles' help."""

    planned: _Planned  # the result
    changed: dict[str, bytes]  # its files that would change
    wanted: frozenset[tuple[str, str]]  # (language, msgid) of new units another article's translation could fill
    before: dict[str, dict[str, str]]  # per language, the confirmed translations as its files hold them,
    # where they differ from the planned ones


def _confirmed(po: object) -> dict[str, str]:
    return catalogs.translations(po) if isinstance(po, PoFile) else {}


def _plan_unit(unit: Unit, config: SiteConfig, when: dt.datetime, existing: Mapping[str, object],
               reuse: Mapping[tuple[str, str], Mapping[str, catalogs.Reuse]], editorial: bool,
               files: Mapping[str, bytes | None], changed: dict[str, bytes],
               check: bool = True) -> tuple[_Planned, frozenset[tuple[str, str]]]:
    """One domain's template and catalogs merged; what differs from its files goes to ``changed``.

    Translation QA runs unless ``check`` is off; even then where the domain's files stay as
    they are, because that result is memoized for the next publish.

    Also tells what ``reuse`` could change: the units (language, msgid) that some catalog got
    empty and never had before. Without any, the result is final whatever ``reuse`` holds.
    """
    segments = unit.segments()
    entries = catalogs.template_entries(segments)
    header = catalogs.template_header(unit.description, f"{config.title} {unit.domain}",
                                      config.contact_email, unit.source_lang, when)
    pot_path = catalogs.template_path(unit.domain)
    old_template = existing.get(pot_path)
    template = catalogs.update_template(old_template, header, entries)  # type: ignore[arg-type]
    touched = _note(pot_path, catalogs.serialize(template), files, changed)
    translations: list[Translation] = []
    merged: list[PoFile | bytes] = []  # each catalog, as read where its file stays as it is
    findings: list[Finding] = []
    wanted: set[tuple[str, str]] = set()
    for lang in _targets(unit, config):
        path = catalogs.catalog_path(lang, unit.domain)
        old = existing.get(path)
        # Only a new catalog takes this header; naming its language loads Babel's locale data.
        header_po = old.header if isinstance(old, PoFile) else catalogs.catalog_header(
            template.header, f"{unit.description} ({_english(lang)})", lang, when)
        shared = reuse.get((lang, unit.source_lang), {}) if unit.domain != catalogs.SITE_DOMAIN else {}
        findings += _unknown_entries(path, old, entries, old_template)  # type: ignore[arg-type]
        catalog = catalogs.merge(old, header_po, entries, shared, editorial=editorial)  # type: ignore[arg-type]
        if unit.domain != catalogs.SITE_DOMAIN:
            known = {e.msgid for e in old.entries} if isinstance(old, PoFile) else set()
            wanted.update((lang, e.msgid) for e in catalog.active() if not e.msgstr and e.msgid not in known)
        data = catalogs.serialize(catalog)
        touched = _note(path, data, files, changed) or touched
        findings += _unusable_entries(path, catalog, data)
        progress = catalogs.progress(catalog, (s.msgid for s in segments))
        stored = existing.get(published_path(lang, unit.domain))
        meanwhile = (site_messages.stand_in(catalog.entries, (s.msgid for s in segments), stored)
                     if isinstance(stored, dict) and not progress.complete else None)
        translation = Translation(unit.domain, lang, path, progress, catalogs.translations(catalog),
                                  old is not None, _hash(data), files[published_path(lang, unit.domain)], meanwhile)
        if isinstance(existing.get(published_path(lang, unit.domain)), PublishedTranslation):
            translation.__dict__["published"] = existing[published_path(lang, unit.domain)]  # parsed to check it
        translations.append(translation)
        merged.append(old if data == files[path] and isinstance(old, PoFile) else data)
    checked = [f for t, po in zip(translations, merged)
               for f in check_catalog(t.domain, t.path, _as_read(t.path, po), unit.source_lang)
               ] if check or not touched else []
    return _Planned(tuple(translations), tuple(findings), tuple(checked)), frozenset(wanted)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _as_read(path: str, catalog: PoFile | bytes) -> PoFile:
    """A catalog as its file would be read, with the lines the findings name: an unchanged one
    was read already, a merged one is read from its new bytes."""
    return catalog if isinstance(catalog, PoFile) else catalogs.parse(path, catalog)


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


def _unusable_entries(path: str, catalog: PoFile, data: bytes) -> list[Finding]:
    """Confirmed translations that cannot be shown (see ``catalogs.usable``): they count as
    untranslated, and the translator is told why, at the line the file has them on."""
    bad = {e.msgid for e in catalog.active() if e.translated and not catalogs.usable(e)}
    if not bad:
        return []
    return [Finding("i18n.format-invalid", path, e.line, f"{e.msgid[:50]!r}: "
                    f"{catalogs.format_problem(e.msgid, e.msgstr)}; until then it counts as untranslated")
            for e in catalogs.parse(path, data).active() if e.msgid in bad]


def _unknown_languages(root: Path, config: SiteConfig) -> list[PipelineError]:
    try:  # beside the language folders lie all the templates: scandir tells folders without a stat each
        with os.scandir(root / catalogs.LOCALES) as entries:
            found = sorted(e.name for e in entries if e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        found = []
    return [CatalogError(f"catalogs for '{name}', which is not a site language; add it to 'languages' in "
                         "sources/site.toml or move the folder away", f"{catalogs.LOCALES}/{name}")
            for name in found if name not in config.languages]


def _units(articles: tuple[Article, ...], config: SiteConfig, memo: Memo | None = None) -> list[Unit]:
    site = Unit(catalogs.SITE_DOMAIN, TEMPLATE_LANG, f"Words of the page templates of {config.title}", None, config, memo)
    return [site] + [Unit(a.id, a.source_lang, f"Article {a.id}: {a.title.value}", a, config) for a in articles]


def _targets(unit: Unit, config: SiteConfig) -> list[str]:
    return [lang for lang in config.languages if lang != unit.source_lang]


def _files_of(root: Path, unit: Unit, config: SiteConfig) -> dict[str, bytes | None]:
    """The bytes of a domain's template, catalogs and stored translations; None where one is missing."""
    paths = [catalogs.template_path(unit.domain)]
    for lang in _targets(unit, config):
        paths += [catalogs.catalog_path(lang, unit.domain), published_path(lang, unit.domain)]
    base = str(root)  # plain strings: three files are read per article
    return {path: _read(f"{base}/{path}") for path in paths}


def _read(path: str | Path) -> bytes | None:
    """A template's, catalog's, stored translation's or source's bytes, bounded; None where missing.
    ``path`` lies below the root; the part from ``sources/`` or ``locales/`` on names it."""
    text = str(path)
    start = max(text.rfind(f"/{folder}/") for folder in ("sources", "locales"))
    shown = text[start + 1:] if start >= 0 else text
    error = SourceError if shown.startswith("sources/") else CatalogError
    return read_if_there(path, shown, SOURCE_LIMIT if error is SourceError else CATALOG_LIMIT, error)


def _key_data(root: Path, unit: Unit, files: Mapping[str, bytes | None], editorial: bool) -> bytes:
    """Everything planning a domain reads, except the time and other domains (see ``plan_catalogs``)."""
    if unit.article is None:
        return b""  # the site's domain is planned every time
    source = _read(root / unit.article.origin.path) or pickle.dumps(unit.article)
    return pickle.dumps((unit.domain, source, editorial, sorted(files.items())))


def _read_all(units: list[Unit], files: Mapping[str, Mapping[str, bytes | None]],
              problems: list[PipelineError]) -> dict[str, object]:
    """The templates, catalogs and stored translations of ``units``, parsed and keyed by path."""
    found: dict[str, object] = {}
    # Not memoized: a domain whose files are as before is settled and never parsed at all.
    for unit in units:
        for path, data in files[unit.domain].items():
            if data is None:
                continue
            kind = "json" if path.endswith(".json") else _lang_of(path)
            result = _parse_one((path, data, kind))
            if isinstance(result, PipelineError):
                problems.append(result)
            else:
                found[path] = result
    return found


def _lang_of(path: str) -> str | None:
    """``locales/de/LC_MESSAGES/x.po`` -> ``de``; a template has no language."""
    parts = path.split("/")
    return parts[1] if path.endswith(".po") else None


def _parse_one(job: tuple[str, bytes, str | None]) -> object:
    path, data, lang = job
    try:
        if lang == "json":
            site = path.endswith(f"/{catalogs.SITE_DOMAIN}.json")
            return site_messages.words_from_bytes(path, data) if site else from_bytes(path, data)
        return catalogs.parse(path, data, lang)
    except PipelineError as exc:
        return exc


def _reuse_indexes(units: list[Unit], planned: Mapping[str, _Planned | None],
                   before: Mapping[str, Mapping[str, dict[str, str]]],
                   config: SiteConfig) -> dict[tuple[str, str], dict[str, catalogs.Reuse]]:
    """Per target and source language, the confirmed translations of all articles as their files
    hold them; the first article (by id) wins."""
    indexes: dict[tuple[str, str], dict[str, catalogs.Reuse]] = {}
    for unit in units:
        if unit.domain == catalogs.SITE_DOMAIN:
            continue
        done = planned.get(unit.domain)
        for lang in _targets(unit, config):
            if unit.domain in before:
                messages = before[unit.domain][lang]
            elif done is not None:  # settled: its files are as planned
                messages = next(t.messages for t in done.translations if t.lang == lang)
            else:
                continue  # a broken catalog: reported already
            index = indexes.setdefault((lang, unit.source_lang), {})
            for msgid, msgstr in messages.items():
                index.setdefault(msgid, catalogs.Reuse(msgstr, unit.domain))
    return indexes


def _note(path: str, data: bytes, files: Mapping[str, bytes | None], changed: dict[str, bytes]) -> bool:
    """Note ``data`` in ``changed`` if the file holds something else; True when it did."""
    if files.get(path) != data:
        changed[path] = data
        return True
    return False


def describe(translation: Translation) -> str:
    """One line for an editor: which catalog, and how far its translation has come."""
    return f"{translation.path}: {how_far(translation.progress)}"


def how_far(p: Progress) -> str:
    """How far a translation has come, in words."""
    return (f"{p.percent:.0f}% translated "
            f"({p.translated} of {p.total} units; {p.fuzzy} fuzzy, {p.untranslated} untranslated)")


def _english(lang: str) -> str:
    return Locale.parse(lang).get_display_name("en")

"""The orchestrator: read everything, decide everything, then write.

``publish`` reads as the spec of a build: settings, sources, versions, catalogs, the pages each
language may show, and only when all of that succeeded, the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import zoneinfo
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from pipeline import buildcache, catalogs, images, snapshot, versions
from pipeline.feedformats import EntryTexts, entry_texts, feed_files
from pipeline.feeds import FeedEntry, build_feeds
from pipeline.config import TEMPLATE_LANG, SiteConfig, load_config
from pipeline.errors import CatalogError, ConfigError, LedgerError, PipelineError, Problems, raise_all
from pipeline.files import StagedTree, forget_mirror, refuse_unwritable, write_if_changed
from pipeline.lock import exclusive
from pipeline.memo import Memo, batch
from pipeline.parallel import as_sent, map_forked
from pipeline.progress import SILENT, Progress
from pipeline.model import Article, Figure, Finding, HeldBack, Ledger, Page
from pipeline.published import PublishedTranslation, published_path, to_bytes
from pipeline.newsletter import Issue, check_size, eml, pending, record
from pipeline.render import (SiteText, page_files, render_content, render_newsletter, render_newsletter_index,
                             render_site)
from pipeline.reviews import OVERDUE, due_reviews, review_findings
from pipeline.segment import localize
from pipeline.site_messages import words_to_bytes
from pipeline.sitemap import robots, sitemap
from pipeline.snapshot import ArticleBuild
from pipeline.sources import SOURCES, SourceSet, read_source_set
from pipeline.tracking import CatalogPlan, describe, finding_order, how_far, plan_catalogs

T = TypeVar("T")
OUTPUT = "output"
FEED_SUFFIXES = (".atom", ".rss", ".json")
NEWSLETTER = "newsletter"  # below output/: written by the newsletter command, kept by publish
PUBLISH_STAGES = 6  # the progress steps of a publish: read, catalogs, checks, pages, feeds, output


@dataclass(frozen=True)
class Report:
    """What a publish did, for the summary."""

    published: dict[str, int]  # pages per language
    held_back: tuple[HeldBack, ...]  # pages left out
    new_versions: tuple[str, ...]  # "id: version N (kind)" for every version recorded
    files_written: tuple[str, ...]  # catalogs, ledgers and stored translations that changed
    findings: tuple[Finding, ...]  # warnings: translation QA and reviews
    output_written: int  # files in ``output/`` written
    output_removed: int  # stale files removed from ``output/``
    rebuilt: int | None = None  # articles read again when the others were taken from the last publish
    output_changed: frozenset[str] = frozenset()  # below ``output/``, the files written or removed
    changed_feeds: tuple[str, ...] = ()  # the addresses of the feeds that changed, for the WebSub hub
    unrecorded: OSError | None = None  # why the build record could not be written after the swap, if it could not


@dataclass(frozen=True)
class Selection:
    """What ``choose_pages`` decided."""

    pages: list[Page]  # every page to publish
    held_back: tuple[HeldBack, ...]  # what was left out
    stored: dict[str, bytes]  # complete translations to keep, by path
    ledgers: dict[str, Ledger]  # ledgers with the translations' versions noted
    keys: dict[str, str] = field(default_factory=dict)  # page path -> digest of the article it shows


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


@dataclass(frozen=True)
class Prepared:
    """Everything read and decided before a build writes: shared by publish, catalogs and status."""

    config: SiteConfig  # the site settings
    when: dt.datetime  # the build time
    articles: tuple[Article, ...]  # the sources, with their visible dates from the ledger
    digests: dict[str, str]  # article id -> digest of its source file, settings and program
    old_ledgers: dict[str, Ledger | None]  # the ledgers as committed
    ledgers: dict[str, Ledger]  # the ledgers with the current content recorded
    plan: CatalogPlan  # the catalogs, merged in memory
    carried: dict[str, ArticleBuild] = field(default_factory=dict)  # articles taken as the last build left them


def prepare(root: Path, when: dt.datetime | None = None, editorial: Collection[str] = (),
            progress: Progress = SILENT, check: bool = True) -> Prepared:
    """Read settings, sources, ledgers and catalogs, and bring them up to date in memory.

    Without ``check``, translation QA is left out where its findings would be thrown away.
    """
    with batch():  # for the commands that only read: status, check
        config = load_config(root)
        when = when or build_time(config)
        progress.start(sum(1 for _ in (root / SOURCES).glob("*.md")), PUBLISH_STAGES)
        found = read_source_set(root, config)
        progress.step(f"read {len(found.articles)} articles")
        return _prepared(root, config, when, found, editorial, progress, {}, check)


def _prepare_changed(root: Path, when: dt.datetime | None, editorial: Collection[str],
                     progress: Progress, inputs: buildcache.Inputs) -> Prepared | None:
    """Like ``prepare``, but reading only the articles whose files changed since the last publish,
    and taking the others from its snapshot; None when that cannot give what ``prepare`` would."""
    config = load_config(root)
    when = when or build_time(config)
    since = inputs.changed() if inputs.day == when.date().isoformat() else None
    last = snapshot.load(root, since[0]) if since else None
    ids = last.changed_articles(since[1]) if last and since else None
    if last is None or ids is None or not set(editorial) <= ids:
        return None  # a change that concerns every page
    # Reviews fall due with the days: a page that should show another overdue state is made again.
    overdue = {r.article.id for r in due_reviews([b.article for b in last.articles.values()], when.date(),
                                                 config.review_window_days) if r.state == OVERDUE}
    ids |= {i for i, built in last.articles.items() if any(p.overdue != (i in overdue) for p in built.pages)}
    carried = {i: built for i, built in last.articles.items() if i not in ids}
    files = [last.articles[i].article.origin.path for i in sorted(ids)]
    if not all(os.path.isfile(root / path) for path in files):
        return None  # an article removed
    progress.start(len(last.articles), PUBLISH_STAGES)
    found = read_source_set(root, config, only=files, others=[built.article for built in carried.values()])
    progress.step(f"read {len(found.articles)} changed articles")
    if {a.id for a in found.articles} != ids:
        return None  # an article got another id: its old pages and ledger need the full build's view
    ready = _prepared(root, config, when, found, editorial, progress, carried)
    if ready.plan.wanted and snapshot.could_fill(root, ready.plan.wanted):
        return None  # a unit new to its catalog, which an article not read again has translated
    return ready


def _prepared(root: Path, config: SiteConfig, when: dt.datetime, found: SourceSet, editorial: Collection[str],
              progress: Progress, carried: dict[str, ArticleBuild], check: bool = True) -> Prepared:
    sources, marks = found.articles, found.marks
    old_ledgers = read_ledgers(root, sources)
    ledgers = {a.id: versions.record_version(a, old_ledgers[a.id], when.date(), a.id in editorial, marks[a.id])
               for a in sources}
    articles = tuple(versions.dated(a, ledgers[a.id]) for a in sources)
    pending = {a.id for a in sources
               if versions.pending_kind(a, old_ledgers[a.id], a.id in editorial, marks[a.id]) == "editorial"}
    plan = plan_catalogs(root, articles, config, when, pending, check)
    progress.step(f"brought {len(plan.translations)} catalogs up to date")
    if carried:
        old_ledgers.update((i, built.ledger) for i, built in carried.items())
        ledgers.update((i, built.ledger) for i, built in carried.items())
        articles = tuple(sorted((*articles, *(built.article for built in carried.values())), key=lambda a: a.id))
        plan = _with_carried_findings(plan, articles, carried)
    return Prepared(config, when, articles, found.digests, old_ledgers, ledgers, plan, carried)


def _with_carried_findings(plan: CatalogPlan, articles: tuple[Article, ...],
                           carried: dict[str, ArticleBuild]) -> CatalogPlan:
    """The plan's warnings with those of the articles not planned again, in a full build's order."""
    fresh = _grouped(plan.findings, snapshot.domain_of)
    findings = fresh.pop(catalogs.SITE_DOMAIN, [])
    for article in articles:
        findings += carried[article.id].findings if article.id in carried else fresh.get(article.id, [])
    checked = sorted((*plan.checked, *(f for built in carried.values() for f in built.checked)), key=finding_order)
    return replace(plan, findings=tuple(findings), checked=tuple(checked))


def publish(root: Path, when: dt.datetime | None = None, strict: bool = False,
            editorial: Collection[str] = (), progress: Progress = SILENT,
            inputs: buildcache.Inputs | None = None, keep: list[object] | None = None) -> Report:
    """Record versions, update the catalogs and build the site into ``root/output``.

    ``editorial`` names articles whose change is a correction that moves no date. With
    ``strict``, warnings fail the build before anything is written. ``inputs``, when the caller
    has looked at them already, spares looking again. ``keep`` takes the build's records, for a
    caller that ends the process without freeing them: at 10,000 articles, freeing them one by
    one on return took half a second.

    A folder that cannot be written is refused before anything is; once the new site is live, a
    build record that cannot be written is noted in the report, not raised: the publish happened.
    """
    refuse_unwritable(*_written_folders(root))
    with exclusive(root, "publish"), batch():
        day = when.date().isoformat() if when else buildcache.build_day(root)
        if inputs is None or inputs.day != day:
            inputs = buildcache.look(root, day)
        recorded = buildcache.new_record_id()

        def save_snapshot(ready: Prepared, chosen: Selection, written: Collection[str]) -> None:
            fresh = {a.id for a in ready.articles if a.id not in ready.carried} if ready.carried else None
            source_lang = {a.id: a.source_lang for a in ready.articles}
            confirmed = ((t.lang, source_lang[t.domain], msgid) for t in ready.plan.translations
                         if t.domain in source_lang for msgid in t.messages)
            snapshot.save(root, _snapshot(recorded, ready, chosen, written), fresh, confirmed)

        report, ready, chosen, _ = _build(root, when, strict, editorial, progress, inputs, save_snapshot)
        try:
            if inputs.day != ready.when.date().isoformat():  # midnight passed between the two looks at the clock
                inputs = buildcache.look(root, ready.when.date().isoformat())
            buildcache.remember(root, inputs, report.files_written, *report_lines(report),
                                output_changed=report.output_changed, record_id=recorded)
        except OSError as exc:  # a full disk, after the swap: the site is live, only the shortcuts are lost
            report = replace(report, unrecorded=exc)
            _forget_build(root)
        if keep is not None:
            keep.append((ready, chosen))
    # The hub is told once the lock is released: a slow or broken hub never holds the next publish.
    return _announced(report, ready.config)


def _announced(report: Report, config: SiteConfig) -> Report:
    """The report, with what the WebSub hub said about the changed feeds."""
    if not (config.websub_hub and report.changed_feeds):
        return report
    from pipeline import websub  # requests takes a fifth of the start-up; most sites name no hub

    try:
        answers = tuple(websub.ping(config.websub_hub, report.changed_feeds))
    except KeyboardInterrupt:  # the site is published: Ctrl-C only stops telling the hub
        answers = (Finding("websub.ping-failed", config.websub_hub, None,
                           "interrupted (Ctrl-C): the hub was not told of the changed feeds"),)
    return replace(report, findings=report.findings + answers)


def _written_folders(root: Path) -> tuple[Path, ...]:
    """The folders a build writes into or swaps: each is looked at before anything is written."""
    return root, root / ".cache", root / OUTPUT, root / f".{OUTPUT}.staging"


def _forget_build(root: Path) -> None:
    """No record of the last build at all, so that the next publish reads and builds everything:
    the record left from the build before would pass for this one's where its files match."""
    try:
        buildcache.forget(root)
    except OSError:
        pass  # where it cannot be removed, the record names another output/ than the live one
    snapshot.forget(root)


def _snapshot(recorded: str, ready: Prepared, chosen: Selection, written: Collection[str]) -> snapshot.Snapshot:
    """The build, article by article, for the next publish to start from."""
    languages = ready.config.languages
    pages, held = _pages_by_article(chosen)
    findings = _grouped(ready.plan.findings, snapshot.domain_of)
    checked = _grouped(ready.plan.checked, snapshot.domain_of)
    built = {}
    for article in ready.articles:
        if article.id in ready.carried:
            built[article.id] = ready.carried[article.id]
            continue
        own = pages.get(article.id, [])
        outputs = [path for page in own for path in page_files(page, ready.config)]
        built[article.id] = snapshot.article_build(
            article, languages, own, chosen.keys, chosen.ledgers[article.id], held.get(article.id, []),
            findings.get(article.id, []), checked.get(article.id, []), outputs)
    return snapshot.Snapshot(recorded, built, frozenset(written))


def report_lines(report: Report) -> tuple[list[str], list[str]]:
    """What a publish tells the editor: the summary, and the warnings."""
    per_lang = ", ".join(f"{count} in {lang}" for lang, count in report.published.items())
    summary = [f"Published {per_lang} ({report.output_written} files written, {report.output_removed} removed)."]
    if report.rebuilt is not None:
        summary.append(f"Read again {report.rebuilt} changed article(s); the others are as the last publish left them.")
    summary += [f"New version {version}" for version in report.new_versions]
    summary += [f"Updated {path}" for path in report.files_written]
    if report.held_back:
        summary.append(f"Held back {len(report.held_back)} page(s):")
        for held in report.held_back:
            what = f"{held.article.id} ({held.article.origin.path})" if held.article else "all pages"
            summary.append(f"  {held.lang}: {what} - {held.reason}")
    return summary, [f"warning: {finding}" for finding in report.findings]


class _Unknown(Exception):
    """Something an article not built again would need is not at hand: build everything."""


# Keeps the snapshot of a build (see ``snapshot``): given what was read and chosen, and the input
# files the build writes. Called while the pages are rendered, where the main process waits.
SnapshotKeeper = Callable[["Prepared", "Selection", Collection[str]], None]


def _build(root: Path, when: dt.datetime | None, strict: bool, editorial: Collection[str],
           progress: Progress = SILENT, inputs: buildcache.Inputs | None = None,
           keep_snapshot: SnapshotKeeper | None = None) -> tuple[Report, Prepared, Selection, dict[str, SiteText]]:
    """Build the site; with ``inputs``, from the last build's snapshot where what changed allows."""
    ready = _prepare_changed(root, when, editorial, progress, inputs) if inputs else None
    # The staging folder the last publish left may be taken as it is while output/ is as it left it.
    mirrored = inputs is not None and inputs.last is not None
    if ready is not None:
        try:
            return _build_from(root, ready, strict, progress, mirrored, keep_snapshot)
        except _Unknown:
            pass
    return _build_from(root, prepare(root, when, editorial, progress), strict, progress, mirrored, keep_snapshot)


def _build_from(root: Path, ready: Prepared, strict: bool, progress: Progress, mirrored: bool = False,
                keep_snapshot: SnapshotKeeper | None = None) -> tuple[Report, Prepared, Selection, dict[str, SiteText]]:
    config, articles, today = ready.config, ready.articles, ready.when.date()
    reviews = due_reviews(articles, today, config.review_window_days)
    findings = list(ready.plan.findings) + list(ready.plan.checked)
    findings += review_findings(reviews)
    words = site_texts(ready.plan, config)
    texts = words.texts
    findings += words.findings
    progress.step("checked translations and reviews")
    if strict and findings:
        raise Problems(PipelineError(f"{f.kind}: {f.message}", f.path, f.line) for f in findings)
    overdue = {r.article.id for r in reviews if r.state == OVERDUE}
    fresh = tuple(a for a in articles if a.id not in ready.carried)
    chosen = choose_pages(fresh, ready.plan, ready.ledgers, config, set(texts), today, overdue,
                          ready.digests, Memo(root, "localized"))
    kept: set[str] = set()
    if ready.carried:
        chosen = _with_carried_pages(chosen, articles, ready.carried)
        kept = snapshot.unchanged_files(ready.carried.values())
    only = {p.path for p in chosen.pages if p.article.id not in ready.carried} if ready.carried else None
    changed = ready.plan.changed | chosen.stored | words.stored | _ledger_files(root, fresh, chosen.ledgers)
    # The snapshot is written while workers render (1.2 s at 10,000 articles, which the end of a
    # cold build used to wait for), or while they make the feeds and indexes when few pages changed.
    snapshot_now = (lambda: keep_snapshot(ready, chosen, changed)) if keep_snapshot is not None else None
    # Article pages go to the new output tree as the workers make them: the parent never holds them all.
    tree = StagedTree(root / OUTPUT, keep=(NEWSLETTER + "/",), kept=kept, reuse=mirrored)
    files, wrote, feed_files = render_site(
        chosen.pages, config, texts, Memo(root, "pages"), chosen.keys, only, tree.write,
        lambda: _feeds(chosen, config, texts, Memo(root, "content"), ready.carried), snapshot_now)
    progress.step(f"rendered {len(only) if only is not None else len(chosen.pages)} pages")
    files.update(_images(root, tuple(p.article for p in chosen.pages if p.article.id not in ready.carried)))
    files.update(feed_files)
    progress.step(f"wrote {sum(p.endswith(FEED_SUFFIXES) for p in feed_files)} feeds and the sitemap")
    changed_feeds = [config.base_url + path for path, data in sorted(feed_files.items())
                     if path.endswith(FEED_SUFFIXES) and _differs(root / OUTPUT / path, data)]
    for path, written_now in wrote.items():
        tree.record(path, written_now)
    tree.put(files)  # the most that is written, and so where a full disk shows: before any file of the project
    for path, data in sorted(changed.items()):
        write_if_changed(root / path, data)
    written, removed = tree.finish()
    progress.step("replaced output/")
    progress.done()
    report = Report(
        published={lang: sum(p.article.lang == lang for p in chosen.pages) for lang in config.languages},
        held_back=words.held_back + chosen.held_back,
        new_versions=_new_versions(ready.old_ledgers, ready.ledgers),
        files_written=tuple(sorted(changed)),
        findings=tuple(findings),
        output_written=written,
        output_removed=removed,
        rebuilt=len(fresh) if ready.carried else None,
        output_changed=frozenset(tree.changed),
        changed_feeds=tuple(changed_feeds),
    )
    return report, ready, chosen, texts


@dataclass(frozen=True)
class IssueReport:
    """What the newsletter command did in one language."""

    lang: str  # the issue's language
    date: dt.date  # the issue's date
    items: int  # articles announced; 0 means nothing new and nothing written
    files: tuple[str, ...]  # files written below output/


def newsletter(root: Path, when: dt.datetime | None = None, languages: Collection[str] = (),
               since: dt.date | None = None, keep: list[object] | None = None) -> tuple[Report, list[IssueReport]]:
    """Publish, then write a newsletter issue per language with what is new since the last one.

    The ledger notes what went out, so the next issue starts where this one ended; ``since``
    makes a one-off issue from that date on and notes nothing. ``keep``: as for ``publish``.
    """
    refuse_unwritable(*_written_folders(root))
    with exclusive(root, "newsletter"), batch():
        report, issues, config = _newsletter(root, when, languages, since, [] if keep is None else keep)
    return _announced(report, config), issues


def _newsletter(root: Path, when: dt.datetime | None, languages: Collection[str],
                since: dt.date | None, keep: list[object]) -> tuple[Report, list[IssueReport], SiteConfig]:
    report, ready, chosen, texts = _build(root, when, False, ())  # an issue shows whole articles
    keep.append((ready, chosen))
    buildcache.forget(root)  # the ledgers change below
    snapshot.forget(root)
    forget_mirror(root / OUTPUT)  # the issues are written into output/ directly
    config, today = ready.config, ready.when.date()
    ledgers = dict(chosen.ledgers)
    issues: list[IssueReport] = []
    for lang in (l for l in config.languages if l in texts and (not languages or l in languages)):
        items = pending(chosen.pages, ledgers, lang, since)
        if not items:
            issues.append(IssueReport(lang, today, 0, ()))
            continue
        issue = Issue(lang, today, tuple(items))
        files = _issue_files(issue, config, texts[lang], ready.when)
        if since is None:
            ledgers = record(ledgers, issue)
        dates = sorted({issue.date} | _issues_on_disk(root, lang), reverse=True)
        files[f"{NEWSLETTER}/{lang}/index.html"] = render_newsletter_index(lang, dates, [lang], config, texts[lang])
        for path, data in sorted(files.items()):
            write_if_changed(root / OUTPUT / path, data)
        issues.append(IssueReport(lang, today, len(items), tuple(sorted(files))))
    for path, data in sorted(_ledger_files(root, ready.articles, ledgers).items()):
        write_if_changed(root / path, data)
    return report, issues, config


def _issue_files(issue: Issue, config: SiteConfig, text: SiteText, when: dt.datetime) -> dict[str, bytes]:
    base = f"{NEWSLETTER}/{issue.lang}/{issue.date.isoformat()}"
    rendered = render_newsletter(issue, config, text, config.base_url + base + ".html")
    html = rendered.html.encode("utf-8")
    check_size(html, f"{OUTPUT}/{base}.html")
    sender = f'"{config.publisher}" <{config.contact_email}>'
    message_id = f"<newsletter-{issue.lang}-{issue.date.isoformat()}@{config.tag_authority}>"
    return {
        f"{base}.html": html,
        f"{base}.txt": rendered.text.encode("utf-8"),
        f"{base}.eml": eml(rendered.subject, sender, rendered.html, rendered.text, when, message_id),
    }


def _issues_on_disk(root: Path, lang: str) -> set[dt.date]:
    found = set()
    for path in (root / OUTPUT / NEWSLETTER / lang).glob("*.html"):
        try:
            found.add(dt.date.fromisoformat(path.stem))
        except ValueError:
            continue
    return found


def _feeds(chosen: Selection, config: SiteConfig, texts: dict[str, SiteText], memo: Memo,
           carried: Collection[str] = ()) -> dict[str, bytes]:
    """Atom, RSS and JSON Feed per language and topic, the sitemap and robots.txt.

    The articles in ``carried`` are known without their body: their feed content must be in the memo.
    """
    plain = {lang: text.plain for lang, text in texts.items()}
    words = {lang: pickle.dumps((sorted((text.messages or {}).items()), config)) for lang, text in texts.items()}
    pages: dict[str, Page] = {}

    def name(page: Page) -> str:
        """The memo key of a page's feed content, which stands for the content until a feed needs it."""
        shown = (chosen.keys[page.path], page.path) if page.path in chosen.keys else page
        key = memo.key(pickle.dumps((shown, words[page.article.lang])), "content")
        pages[key] = page
        return key

    def content(key: str) -> str:
        made = memo.get(key)
        if made is None:
            page = pages[key]
            if page.article.id in carried:
                raise _Unknown(page.path)
            made = render_content(page, config, texts[page.article.lang])
            memo.put(key, made)
        return made  # type: ignore[return-value]

    # Most feeds are as before when one article changed: a feed whose entries name the same
    # contents is taken from the memo without looking at them. A feed that changed is put
    # together from its entries' texts, which are written again only for the entries that changed.
    feeds = build_feeds(chosen.pages, chosen.ledgers, config, plain, name)
    written: dict[str, EntryTexts] = {}

    def texts_of(entry: FeedEntry) -> EntryTexts:
        key = memo.key(pickle.dumps((entry, config.publisher)), "feed entry")  # entry.content_html: the content's key
        if key not in written:
            made = memo.get(key)
            if made is None:
                made = entry_texts(replace(entry, content_html=content(entry.content_html)), config.publisher)
                memo.put(key, made)
            written[key] = made  # type: ignore[assignment]
        return written[key]

    files: dict[str, bytes] = {}
    for feed in feeds:
        key = memo.key(pickle.dumps(feed), "feed")
        made = memo.get(key)
        if made is None:
            made = feed_files(feed, [texts_of(entry) for entry in feed.entries])
            memo.put(key, made)
        files.update((feed.path + suffix, data) for suffix, data in zip(FEED_SUFFIXES, made))  # type: ignore[arg-type]
    lastmod = {e.url.removeprefix(config.base_url): e.updated.date().isoformat()
               for feed in feeds if feed.topic is None for e in feed.entries}
    for feed in feeds:
        if feed.topic is None and feed.entries:
            lastmod[f"{feed.lang}/index.html"] = feed.updated.date().isoformat()
    indexes = [f"{lang}/index.html" for lang in config.languages if lang in texts]
    # 20,000 addresses at 10,000 articles; a change within an article leaves them as they were.
    shown = pickle.dumps(([(p.article.id, p.article.lang, p.path) for p in chosen.pages], indexes, lastmod, config))
    files["sitemap.xml"] = memo.cached(shown, "sitemap", lambda: sitemap(chosen.pages, indexes, config, lastmod))
    files["robots.txt"] = robots(config)
    return files


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True


def update_catalogs(root: Path, when: dt.datetime | None = None, editorial: Collection[str] = (),
                    keep: list[object] | None = None) -> tuple[str, ...]:
    """Bring every catalog up to date with the sources and templates; the paths written.
    ``keep``: as for ``publish``."""
    with exclusive(root, "catalogs"):
        ready = prepare(root, when, editorial, check=False)  # nothing here prints translation QA
        plan = ready.plan
        if keep is not None:
            keep.append(ready)
        for path, data in sorted(plan.changed.items()):
            write_if_changed(root / path, data)
    return tuple(sorted(plan.changed))


def read_ledgers(root: Path, articles: tuple[Article, ...]) -> dict[str, Ledger | None]:
    """Each article's ledger, or None for an article published for the first time."""
    memo = Memo(root, "ledgers")
    paths = [versions.ledger_path(article.id) for article in articles]
    files = [_read_if_there(root / path) for path in paths]
    keys = [memo.key(data, path) if data is not None else "" for path, data in zip(paths, files)]
    known: list[Ledger | None] = [memo.get(key) if key else None for key in keys]
    missing = [i for i, (data, hit) in enumerate(zip(files, known)) if data is not None and hit is None]

    def parse(index: int) -> Ledger | PipelineError:
        i = missing[index]
        try:
            ledger = _parse_ledger(paths[i], files[i], articles[i].id)  # type: ignore[arg-type]
        except PipelineError as exc:
            return exc
        memo.put(keys[i], ledger)
        return ledger

    problems: list[PipelineError] = []
    for i, result in zip(missing, map_forked(parse, len(missing))):
        if isinstance(result, PipelineError):
            problems.append(result)
        else:
            known[i] = result
    raise_all(problems)
    return {article.id: ledger for article, ledger in zip(articles, known)}


def _read_if_there(path: Path) -> bytes | None:
    """A ledger's bytes, bounded (``readfile``); None where there is none."""
    from pipeline.readfile import CATALOG_LIMIT, read_if_there

    return read_if_there(path, f"{versions.LEDGERS}/{path.name}", CATALOG_LIMIT, LedgerError)


def _parse_ledger(path: str, data: bytes, article_id: str) -> Ledger:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError("not valid UTF-8; save the ledger as UTF-8", path, data[: exc.start].count(b"\n") + 1) from exc
    return versions.parse(path, text, article_id)


def _new_versions(old: dict[str, Ledger | None], new: dict[str, Ledger]) -> tuple[str, ...]:
    found = []
    for article_id, ledger in sorted(new.items()):
        known = len(old[article_id].versions) if old[article_id] else 0
        found += [f"{article_id}: version {v.number} of {v.date} ({v.kind})" for v in ledger.versions[known:]]
    return tuple(found)


def _ledger_files(root: Path, articles: tuple[Article, ...], ledgers: dict[str, Ledger]) -> dict[str, bytes]:
    files = {}
    for article in articles:
        path = versions.ledger_path(article.id)
        data = versions.to_text(ledgers[article.id], article.origin.path).encode("utf-8")
        if not (root / path).is_file() or (root / path).read_bytes() != data:
            files[path] = data
    return files


@dataclass(frozen=True)
class SiteWords:
    """What ``site_texts`` decided: the words each language's pages show."""

    texts: dict[str, SiteText]  # per language that is published
    held_back: tuple[HeldBack, ...]  # languages left out: their site catalog is incomplete and no copy stands in
    stored: dict[str, bytes]  # complete site translations to keep, by path
    findings: tuple[Finding, ...]  # languages whose pages show the last complete words meanwhile


def site_texts(plan: CatalogPlan, config: SiteConfig) -> SiteWords:
    """The template words per language. A complete site catalog is stored as it is published;
    while it is incomplete, the last complete copy stands in (``site_messages.stand_in``), and
    only a language with neither is held back."""
    texts: dict[str, SiteText] = {}
    held: list[HeldBack] = []
    stored: dict[str, bytes] = {}
    findings: list[Finding] = []
    for lang in config.languages:
        if lang == TEMPLATE_LANG:
            texts[lang] = SiteText(lang, None)
            continue
        site = plan.find(catalogs.SITE_DOMAIN, lang)
        if site.progress.complete:
            texts[lang] = SiteText(lang, site.messages)
            data = words_to_bytes(site.messages)
            if data != site.published_data:
                stored[published_path(lang, catalogs.SITE_DOMAIN)] = data
        elif site.stand_in is not None:
            texts[lang] = SiteText(lang, site.stand_in)
            findings.append(Finding("i18n.site-words-behind", site.path, None, f"{how_far(site.progress)}; "
                                    f"the {lang} pages show the site's words of its last complete translation "
                                    "until it is complete again"))
        else:
            held.append(HeldBack(None, lang, f"{describe(site)}; the site's own words must be complete "
                                 f"before any {lang} page is published"))
    return SiteWords(texts, tuple(held), stored, tuple(findings))


def choose_pages(articles: tuple[Article, ...], plan: CatalogPlan, ledgers: dict[str, Ledger], config: SiteConfig,
                 languages: set[str], today: dt.date, overdue: set[str], digests: Mapping[str, str] | None = None,
                 memo: Memo | None = None) -> Selection:
    """Each article in its own language, and in every language it has a complete translation in.

    A complete translation is stored as it is published; when it later falls behind its
    original, the stored copy stays online (with a notice) until the translator catches up.
    ``digests`` name each source's content, so that a translated page is localized once, and
    so that later stages can key their work on what a page shows without looking at it.
    """
    pages: list[Page] = []
    held: list[HeldBack] = []
    stored: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    ledgers = dict(ledgers)
    sources = {a.id: digests[a.id] if digests else _digest(a) for a in articles}
    localized = _localized(articles, plan, ledgers, [l for l in config.languages if l in languages], sources,
                           memo or Memo(None, "localized"))
    for article in articles:
        for lang in (l for l in config.languages if l in languages):
            path = f"{lang}/{article.slugs[lang]}.html"
            page, ledger, key = _page(article, lang, path, plan, ledgers[article.id], today, stored, held,
                                      sources[article.id], localized)
            if page is not None:
                pages.append(replace(page, overdue=article.id in overdue))
                keys[path] = key
                ledger = versions.mint_entry_id(ledger, lang, config.tag_authority, article.created)
            ledgers[article.id] = ledger
    return Selection(pages, tuple(held), stored, ledgers, keys)


# A complete translation applied: digest of what it shows, the article, its stored copy if that changes.
_Localized = tuple[str, Article, "bytes | None"]


def _localized(articles: tuple[Article, ...], plan: CatalogPlan, ledgers: Mapping[str, Ledger], languages: list[str],
               sources: Mapping[str, str], memo: Memo) -> dict[tuple[str, str], _Localized]:
    """Every complete translation applied to its article, by (article id, language), on all cores."""
    todo = []
    for article in articles:
        number = ledgers[article.id].current.number
        for lang in languages:
            translation = plan.find(article.id, lang) if lang != article.source_lang else None
            if translation is not None and translation.progress.complete:
                key = _digest(sources[article.id], article.updated, lang, number, translation.digest,
                              translation.published_data)
                todo.append((article, lang, translation, number, key, memo.key(key.encode(), "localized")))
    found = {(article.id, lang): memo.get(stored) for article, lang, _, _, _, stored in todo}
    missing = [job for job in todo if found[job[0].id, job[1]] is None]

    def make(index: int) -> tuple[Article, bytes | None]:
        article, lang, translation, number, _, stored = missing[index]
        localized = localize(article, translation.messages, lang)
        record = PublishedTranslation(localized, number)
        made = localized, (to_bytes(record) if translation.published != record else None)
        return as_sent(made, memo.put(stored, made))

    for job, made in zip(missing, map_forked(make, len(missing))):
        found[job[0].id, job[1]] = made
    return {(article.id, lang): (key, *found[article.id, lang]) for article, lang, _, _, key, _ in todo}


def _with_carried_pages(chosen: Selection, articles: tuple[Article, ...],
                        carried: dict[str, ArticleBuild]) -> Selection:
    """The pages chosen now, with those of the articles not built again, in a full build's order."""
    pages, held = _pages_by_article(chosen)
    all_pages: list[Page] = []
    all_held: list[HeldBack] = []
    for article in articles:
        built = carried.get(article.id)
        all_pages += built.pages if built else pages.get(article.id, [])
        all_held += built.held_back if built else held.get(article.id, [])
    ledgers = chosen.ledgers | {i: built.ledger for i, built in carried.items()}
    keys = chosen.keys | {path: key for built in carried.values() for path, key in built.keys.items()}
    return Selection(all_pages, tuple(all_held), chosen.stored, ledgers, keys)


def _pages_by_article(chosen: Selection) -> tuple[dict[str, list[Page]], dict[str, list[HeldBack]]]:
    return (_grouped(chosen.pages, lambda page: page.article.id),
            _grouped(chosen.held_back, lambda held: held.article.id if held.article else ""))


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    """``items`` by ``key``, each group in the order given."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _page(article: Article, lang: str, path: str, plan: CatalogPlan, ledger: Ledger, today: dt.date,
          stored: dict[str, bytes], held: list[HeldBack], source: str,
          localized: Mapping[tuple[str, str], _Localized]) -> tuple[Page | None, Ledger, str]:
    """The page of ``article`` in ``lang``, if it may be published, the ledger noting it, and a
    digest of the article the page shows."""
    if lang == article.source_lang:
        return Page(article, path, history=ledger.versions), ledger, _digest(source, article.updated)
    if (article.id, lang) in localized:  # a complete translation
        key, shown, changed = localized[article.id, lang]
        if changed is not None:
            stored[published_path(lang, article.id)] = changed
        return (Page(shown, path, history=ledger.versions), versions.record_translation(ledger, lang, today),
                _digest(key))
    translation = plan.find(article.id, lang)
    if translation.published is not None:
        old = translation.published
        problem = versions.stored_version_problem(ledger, lang, old.source_version)
        if problem is not None:
            raise CatalogError(f"{problem}; delete the file and publish again to store a new one",
                               published_path(lang, article.id))
        shown = _as_translated(old.article, article, ledger, old.source_version)
        based_on = (shown.updated or shown.created) if versions.behind(ledger, old.source_version) else None
        history = tuple(v for v in ledger.versions if v.number <= old.source_version)
        return (Page(shown, path, based_on=based_on, history=history), ledger,
                _digest(translation.published_data, sorted(article.slugs.items())))
    held.append(HeldBack(article, lang, describe(translation)))
    return None, ledger, ""


def _as_translated(stored: Article, source: Article, ledger: Ledger, version: int) -> Article:
    """A stored translation as its page shows it: its translated words, and all else from the
    source and its ledger. A translator may edit the stored copy; what is not a translation
    (the sample notice, the original's language, the references, the dates) is not theirs."""
    return replace(stored, id=source.id, source_lang=source.source_lang, slugs=source.slugs, topics=source.topics,
                   references=source.references, sample=source.sample, created=source.created,
                   updated=versions.updated_date(source.created, ledger, upto=version),
                   next_review=source.next_review, origin=source.origin)


def _digest(*parts: object) -> str:
    return hashlib.blake2b(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).hexdigest()


def _images(root: Path, articles: tuple[Article, ...]) -> dict[str, bytes]:
    """The figures the articles show, copied from ``sources/`` to the same path below ``output/``:
    those of every page, a stored translation's too (its original may have had other pictures).

    Read again through ``images.Pictures``: what is copied is what was checked, even if a file
    was swapped (for a link, say) since the sources were read.
    """
    figures = {b.src: (a.origin.path, b.alt.origin.line) for a in articles for b in a.blocks if isinstance(b, Figure)}
    with images.Pictures(root) as pictures:
        return {src: pictures.read(src, *figures[src]) for src in sorted(figures)}

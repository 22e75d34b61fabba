"""Reports that write nothing: translation status, reviews, history, stale catalogs, ``check``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.model import Ledger
from pipeline.publish import prepare
from pipeline.published import published_path
from pipeline.reviews import due_reviews
from pipeline.tracking import Translation, describe
from pipeline.versions import stored_version_problem

COMPLETE, OUTDATED, IN_PROGRESS, MISSING = "complete", "outdated", "in progress", "missing"


@dataclass(frozen=True)
class StatusRow:
    """One article (or the site) in one target language."""

    domain: str  # article id, or ``site``
    lang: str  # the target language
    path: str  # the ``.po`` file
    translated: int  # units translated and confirmed
    fuzzy: int  # units whose translation needs checking
    untranslated: int  # units with no translation
    words_translated: int  # words of the source in translated units
    words_fuzzy: int  # ... in fuzzy units
    words_untranslated: int  # ... in untranslated units
    percent: float  # translated share of all units
    state: str  # complete, outdated, in progress or missing
    published_version: int | None  # the original's version the published translation follows
    current_version: int | None  # the original's current version

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "percent": round(self.percent, 1)}


@dataclass(frozen=True)
class ReviewRow:
    """An article whose planned review has passed or is near."""

    domain: str  # article id
    path: str  # its source file
    next_review: str  # as the editor wrote it
    state: str  # review.overdue or review.due-soon
    days: int  # days overdue, or days left

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def translation_status(root: Path, lang: str | None = None) -> list[StatusRow]:
    ready = prepare(root)
    return [_row(t, ready.ledgers.get(t.domain)) for t in ready.plan.translations if lang in (None, t.lang)]


def _row(t: Translation, ledger: Ledger | None) -> StatusRow:
    p = t.progress
    current = ledger.current.number if ledger else None
    published = None
    if p.complete:
        state, published = COMPLETE, current
    elif t.published is not None:
        state, published = OUTDATED, t.published.source_version
    else:
        state = IN_PROGRESS if p.translated + p.fuzzy else MISSING
    return StatusRow(t.domain, t.lang, t.path, p.translated, p.fuzzy, p.untranslated, p.words_translated,
                     p.words_fuzzy, p.words_untranslated, p.percent, state, published, current)


def format_table(rows: list[StatusRow]) -> str:
    header = ("catalog", "lang", "units done/fuzzy/open", "words done/fuzzy/open", "%", "state", "version")
    lines = [header] + [
        (r.domain, r.lang, f"{r.translated}/{r.fuzzy}/{r.untranslated}",
         f"{r.words_translated}/{r.words_fuzzy}/{r.words_untranslated}", f"{r.percent:.0f}", r.state,
         _versions(r))
        for r in rows
    ]
    return _table(lines)


def _versions(row: StatusRow) -> str:
    if row.current_version is None:
        return "-"
    published = row.published_version if row.published_version is not None else "-"
    return f"{published} of {row.current_version}"


def review_status(root: Path) -> list[ReviewRow]:
    ready = prepare(root)
    return [ReviewRow(r.article.id, r.article.origin.path, str(r.article.next_review), r.state, r.days)
            for r in due_reviews(ready.articles, ready.when.date(), ready.config.review_window_days)]


def format_reviews(rows: list[ReviewRow]) -> str:
    if not rows:
        return "No planned reviews are due."
    lines = [("review", "article", "planned", "days", "source")]
    lines += [("overdue" if r.state.endswith("overdue") else "due soon", r.domain, r.next_review, str(r.days), r.path)
              for r in rows]
    return _table(lines)


def history(root: Path, article_id: str) -> tuple[Ledger, str]:
    """An article's ledger (with the current content recorded) and its source path."""
    ready = prepare(root)
    article = next((a for a in ready.articles if a.id == article_id), None)
    if article is None:
        raise PipelineError(f"no article with id '{article_id}' in sources/")
    return ready.ledgers[article_id], article.origin.path


def format_history(found: tuple[Ledger, str]) -> str:
    ledger, path = found
    lines = [("version", "date", "kind", "translated into", "note")]
    for v in ledger.versions:
        langs = ", ".join(f"{t.lang} ({t.completed})" for t in ledger.translations if t.version == v.number)
        lines.append((str(v.number), v.date.isoformat(), v.kind, langs or "-", v.note or ""))
    return f"{ledger.article_id} ({path})\n" + _table(lines)


def _table(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)


def stale_catalogs(root: Path) -> list[str]:
    """Catalog files that ``make catalogs`` would change."""
    return sorted(prepare(root).plan.changed)


def check(root: Path) -> list[str]:
    """Problems an editor or translator should fix before publishing; reading errors raise instead."""
    ready = prepare(root)
    plan = ready.plan
    findings = [f"{path}: out of date with the sources; run 'make catalogs'" for path in sorted(plan.changed)]
    findings += [f"{published_path(t.lang, t.domain)}: {problem}" for t in plan.translations
                 if t.published is not None and t.domain in ready.ledgers
                 and (problem := stored_version_problem(ready.ledgers[t.domain], t.lang, t.published.source_version))]
    findings += [f"{describe(t)}: the site's own words must be complete"
                 for t in plan.translations if t.domain == "site" and not t.progress.complete]
    findings += [str(f) for f in (*plan.findings, *plan.checked)]
    return findings

"""Reports that write nothing: translation status, stale catalogs, and ``check``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.config import load_config
from pipeline.model import Article
from pipeline.publish import build_time
from pipeline.qa import check_translations
from pipeline.sources import read_sources
from pipeline.tracking import CatalogPlan, Translation, describe, plan_catalogs

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
    published_source: str | None  # date of the original the published translation was made from

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "percent": round(self.percent, 1)}


def _plan(root: Path) -> tuple[CatalogPlan, dict[str, Article]]:
    config = load_config(root)
    articles = read_sources(root, config)
    return plan_catalogs(root, articles, config, build_time(config)), {a.id: a for a in articles}


def translation_status(root: Path, lang: str | None = None) -> list[StatusRow]:
    plan, articles = _plan(root)
    return [_row(t, articles.get(t.domain)) for t in plan.translations if lang in (None, t.lang)]


def _row(t: Translation, article: Article | None) -> StatusRow:
    p = t.progress
    source = None
    if p.complete:
        state = COMPLETE
        source = article and (article.updated or article.created).isoformat()
    elif t.published is not None:
        state = OUTDATED
        source = t.published.source_date.isoformat()
    else:
        state = IN_PROGRESS if p.translated + p.fuzzy else MISSING
    return StatusRow(t.domain, t.lang, t.path, p.translated, p.fuzzy, p.untranslated, p.words_translated,
                     p.words_fuzzy, p.words_untranslated, p.percent, state, source)


def format_table(rows: list[StatusRow]) -> str:
    header = ("catalog", "lang", "units done/fuzzy/open", "words done/fuzzy/open", "%", "state", "published from")
    lines = [header] + [
        (r.domain, r.lang, f"{r.translated}/{r.fuzzy}/{r.untranslated}",
         f"{r.words_translated}/{r.words_fuzzy}/{r.words_untranslated}", f"{r.percent:.0f}", r.state,
         r.published_source or "-")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)


def stale_catalogs(root: Path) -> list[str]:
    """Catalog files that ``make catalogs`` would change."""
    return sorted(_plan(root)[0].changed)


def check(root: Path) -> list[str]:
    """Problems an editor or translator should fix before publishing; reading errors raise instead."""
    plan, _ = _plan(root)
    findings = [f"{path}: out of date with the sources; run 'make catalogs'" for path in sorted(plan.changed)]
    findings += [f"{describe(t)}: the site's own words must be complete"
                 for t in plan.translations if t.domain == "site" and not t.progress.complete]
    findings += [str(f) for f in check_translations(plan.translations)]
    return findings

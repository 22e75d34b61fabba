"""Reports that write nothing: translation status, stale catalogs, and ``check``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import load_config
from pipeline.publish import build_time
from pipeline.sources import read_sources
from pipeline.tracking import CatalogPlan, Translation, describe, plan_catalogs


@dataclass(frozen=True)
class StatusRow:
    """One article (or the site) in one target language."""

    domain: str  # article id, or ``site``
    lang: str  # the target language
    path: str  # the ``.po`` file
    translated: int  # units translated and confirmed
    fuzzy: int  # units whose translation needs checking
    untranslated: int  # units with no translation
    percent: float  # translated share of all units
    state: str  # ``complete``, ``in progress`` or ``missing``

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "percent": round(self.percent, 1)}


def _plan(root: Path) -> CatalogPlan:
    config = load_config(root)
    return plan_catalogs(root, read_sources(root, config), config, build_time(config))


def translation_status(root: Path, lang: str | None = None) -> list[StatusRow]:
    return [_row(t) for t in _plan(root).translations if lang in (None, t.lang)]


def _row(t: Translation) -> StatusRow:
    p = t.progress
    state = "complete" if p.complete else "in progress" if t.existed and p.translated + p.fuzzy else "missing"
    return StatusRow(t.domain, t.lang, t.path, p.translated, p.fuzzy, p.untranslated, p.percent, state)


def format_table(rows: list[StatusRow]) -> str:
    header = ("catalog", "lang", "translated", "fuzzy", "untranslated", "%", "state")
    lines = [header] + [
        (r.domain, r.lang, str(r.translated), str(r.fuzzy), str(r.untranslated), f"{r.percent:.0f}", r.state)
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)


def stale_catalogs(root: Path) -> list[str]:
    """Catalog files that ``make catalogs`` would change."""
    return sorted(_plan(root).changed)


def check(root: Path) -> list[str]:
    """Problems an editor should fix before publishing; reading errors raise instead."""
    plan = _plan(root)
    findings = [f"{path}: out of date with the sources; run 'make catalogs'" for path in sorted(plan.changed)]
    findings += [f"{describe(t)}: the site's own words must be complete"
                 for t in plan.translations if t.domain == "site" and not t.progress.complete]
    return findings

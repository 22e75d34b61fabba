"""The ``site`` catalog's units: every word the page templates show, plus the site's title,
description and topic names from ``sources/site.toml``, extracted with Babel's Jinja2 extractor."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pipeline.config import CONFIG_PATH, SiteConfig
from pipeline.memo import Memo
from pipeline.model import Origin, Segment

TEMPLATES = resources.files("pipeline") / "templates"
TEMPLATES_REL = "pipeline/templates"  # how catalogs name template locations, on every site
_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def site_segments(config: SiteConfig, memo: Memo | None = None) -> tuple[Segment, ...]:
    """Units of the site catalog, templates first, in file and line order.

    What the templates hold is kept in ``memo``: extracting it is most of a small build's planning.
    """
    found = list(memo.cached(b"", "templates", _code_segments) if memo else _code_segments())
    for key, kind in (("title", "site title"), ("description", "site description")):
        found.append(Segment(getattr(config, key), kind, Origin(CONFIG_PATH, config.lines.get(key, 1))))
    for key, label in config.topics.items():
        found.append(Segment(label, f"topic name ({key})", Origin(CONFIG_PATH, config.lines.get(key, 1))))
    return tuple(found)


def _code_segments() -> list[Segment]:
    from babel.messages.extract import DEFAULT_KEYWORDS  # memoized: most publishes never extract
    from jinja2.ext import babel_extract

    found: list[Segment] = []
    folder = Path(str(TEMPLATES))
    for template in sorted([*folder.glob("*.html"), *folder.glob("*.txt")]):
        found += _extracted(template, f"{TEMPLATES_REL}/{template.name}", babel_extract, DEFAULT_KEYWORDS, _OPTIONS)
    # Words the renderer puts together in code (mail subjects, headings), marked by SiteText.plain.
    code = Path(str(resources.files("pipeline") / "render.py"))
    return found + _extracted(code, "pipeline/render.py", "python", {"plain": None}, {})


def _extracted(path: Path, shown_as: str, method, keywords: dict, options: dict) -> list[Segment]:
    """The messages Babel finds in one file; a "Translators:" comment tells what each one is."""
    from babel.messages.extract import extract

    found = []
    with path.open("rb") as fileobj:
        for line, message, comments, _context in extract(method, fileobj, keywords=keywords,
                                                          comment_tags=("Translators:",), options=options):
            if isinstance(message, str):
                kind = " ".join(c.removeprefix("Translators:").strip() for c in comments) or "page text"
                found.append(Segment(message, kind, Origin(shown_as, line)))
    return found

"""The ``site`` catalog's units: every word the page templates show, plus the site's title,
description and topic names from ``sources/site.toml``, extracted with Babel's Jinja2 extractor."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract
from jinja2.ext import babel_extract

from pipeline.config import CONFIG_PATH, SiteConfig
from pipeline.model import Origin, Segment

TEMPLATES = resources.files("pipeline") / "templates"
TEMPLATES_REL = "pipeline/templates"  # how catalogs name template locations, on every site
_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def site_segments(config: SiteConfig) -> tuple[Segment, ...]:
    """Units of the site catalog, templates first, in file and line order."""
    found: list[Segment] = []
    folder = Path(str(TEMPLATES))
    for template in sorted([*folder.glob("*.html"), *folder.glob("*.txt")]):
        with template.open("rb") as fileobj:
            for line, message, comments, _context in extract(
                babel_extract, fileobj, keywords=DEFAULT_KEYWORDS, comment_tags=("Translators:",), options=_OPTIONS
            ):
                if isinstance(message, str):
                    kind = " ".join(c.removeprefix("Translators:").strip() for c in comments) or "page text"
                    found.append(Segment(message, kind, Origin(f"{TEMPLATES_REL}/{template.name}", line)))
    # Words the renderer puts together in code (mail subjects, headings), marked by SiteText.plain.
    code = Path(str(resources.files("pipeline") / "render.py"))
    with code.open("rb") as fileobj:
        for line, message, comments, _context in extract("python", fileobj, keywords={"plain": None},
                                                          comment_tags=("Translators:",)):
            if isinstance(message, str):
                kind = " ".join(c.removeprefix("Translators:").strip() for c in comments) or "page text"
                found.append(Segment(message, kind, Origin("pipeline/render.py", line)))
    for key, kind in (("title", "site title"), ("description", "site description")):
        found.append(Segment(getattr(config, key), kind, Origin(CONFIG_PATH, config.lines.get(key, 1))))
    for key, label in config.topics.items():
        found.append(Segment(label, f"topic name ({key})", Origin(CONFIG_PATH, config.lines.get(key, 1))))
    return tuple(found)

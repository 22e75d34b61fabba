"""The ``site`` catalog's units: every word the page templates show, plus the site's title,
description and topic names from ``sources/site.toml``, extracted with Babel's Jinja2 extractor;
and the last complete translation of those words, kept like an article's (``published/site.json``)
so that a changed template or setting never takes a language offline."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path

from pipeline.catalogs import TEMPLATE_FOLDER, usable
from pipeline.cleantext import check_value
from pipeline.config import CONFIG_PATH, SiteConfig
from pipeline.errors import CatalogError
from pipeline.memo import Memo
from pipeline.model import Origin, Segment
from pipeline.pofile import Entry

TEMPLATES = resources.files("pipeline") / "templates"
TEMPLATES_REL = TEMPLATE_FOLDER
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


# ---------------------------------------------------------------- the last complete words

def words_to_bytes(messages: Mapping[str, str]) -> bytes:
    """The stored copy of a complete site translation: msgid -> msgstr, sorted, one per line."""
    document = json.dumps({"messages": dict(sorted(messages.items()))}, ensure_ascii=False, indent=1)
    return (document + "\n").encode("utf-8")


def words_from_bytes(path: str, data: bytes) -> dict[str, str]:
    """Read a stored copy; a translator may have edited it, so it is checked like ``site.po``:
    text only, no character a page cannot carry. Its placeholders are checked where a word is
    taken from it (``stand_in``), against the entry it stands in for."""
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, or nested without end
        reason = "it is nested without end" if isinstance(exc, RecursionError) else exc
        raise CatalogError(f"the stored site words are damaged ({reason}); delete the file and publish "
                           "again to store new ones", path, getattr(exc, "lineno", 1)) from exc
    messages = raw.get("messages") if isinstance(raw, dict) and set(raw) == {"messages"} else None
    if not isinstance(messages, dict):
        raise CatalogError("the stored site words must be {\"messages\": {source: translation, ...}}; delete the "
                           "file and publish again to store new ones", path, 1)
    for msgid, msgstr in messages.items():
        line = _line_of(text, msgid)
        if not isinstance(msgstr, str) or not msgstr:
            raise CatalogError(f"the stored translation of {msgid[:50]!r} must be a non-empty text", path, line)
        check_value(msgstr, path, line, CatalogError, what=f"the stored translation of {msgid[:50]!r}")
    return messages


def _line_of(text: str, msgid: str) -> int:
    at = text.find(json.dumps(msgid, ensure_ascii=False) + ":")
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def stand_in(entries: Iterable[Entry], msgids: Iterable[str], stored: Mapping[str, str]) -> dict[str, str] | None:
    """Words for every unit of an incomplete site catalog, or None if some unit has none.

    A unit shows its own confirmed translation, else the last complete copy's translation of the
    same text, else that of the text it replaced (a fuzzy entry's previous msgid): a reworded
    site title keeps its old translation until the translator catches up, as an article does.
    """
    by_id = {e.msgid: e for e in entries if not e.obsolete}
    words: dict[str, str] = {}
    for msgid in msgids:
        entry = by_id.get(msgid)
        if entry is None:
            return None
        if usable(entry):
            words[msgid] = entry.msgstr
            continue
        # A stored word stands in only where it fits this entry's placeholders, as a translation would.
        fitting = [stored[key] for key in (msgid, entry.previous) if key in stored
                   and usable(replace(entry, msgstr=stored[key], flags=tuple(f for f in entry.flags if f != "fuzzy")))]
        if not fitting:
            return None
        words[msgid] = fitting[0]
    return words

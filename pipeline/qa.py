"""Translation QA: compare each confirmed translation with its source for what must survive
translation in health content: numbers, markup and links, placeholders, spacing.

Findings are warnings with a location and a short kind (``i18n.number-mismatch``);
``--strict`` turns them into failure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pipeline.model import Finding
from pipeline.pofile import Entry, PoFile

_NUMBER = re.compile(r"\d+(?:[.,\u202f\u00a0]\d+)*")
_LINK = re.compile(r"\]\(([^)\s]+)")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
_SEPARATORS = str.maketrans("", "", ".,\u202f\u00a0")
_LONG = 40  # a translation identical to a source this long was probably not translated


def check_catalog(domain: str, path: str, catalog: PoFile) -> list[Finding]:
    """The findings for one catalog's confirmed translations."""
    return [
        Finding(kind, path, entry.line, f"{_what(domain)}, {', '.join(entry.extracted) or 'unit'}: {message}")
        for entry in catalog.active()
        if entry.translated
        for kind, message in check_entry(entry)
    ]


def _what(domain: str) -> str:
    return "site text" if domain == "site" else f"article {domain}"


def check_entry(entry: Entry) -> Iterator[tuple[str, str]]:
    # Every entry is checked on each cold build: compare cheap sorted lists and counts, and make
    # the counters that word a finding only for the few entries that have one.
    source, target = entry.msgid, entry.msgstr
    numbers = _numbers(source), _numbers(target)
    if numbers[0] != numbers[1]:
        yield "i18n.number-mismatch", _difference("numbers", *map(Counter, numbers))
    if "](" in source or "](" in target:
        links = sorted(_LINK.findall(source)), sorted(_LINK.findall(target))
        if links[0] != links[1]:
            yield "i18n.link-mismatch", _difference("link targets", *map(Counter, links))
    if _has_markup(source) or _has_markup(target):
        markup = _markup(source), _markup(target)
        if markup[0] != markup[1]:
            yield "i18n.markup-mismatch", _difference("markup marks", markup[0], markup[1])
    if "%" in source or "{" in source or "%" in target or "{" in target:
        placeholders = sorted(_PLACEHOLDER.findall(source)), sorted(_PLACEHOLDER.findall(target))
        if placeholders[0] != placeholders[1]:
            yield "i18n.placeholder-mismatch", _difference("placeholders", *map(Counter, placeholders))
    if _edges(source) != _edges(target):
        yield "i18n.whitespace", "leading or trailing spaces differ from the source"
    if target == source and len(source) >= _LONG and not _NUMBER.fullmatch(source):
        yield "i18n.untranslated", "the translation is identical to the source; is it translated?"


def _numbers(text: str) -> list[str]:
    """Numbers without their separators, sorted: 1.5 and 1,5, 1,000 and 1.000 count as the same."""
    without_links = _LINK.sub("](", text) if "](" in text else text
    return sorted(n.translate(_SEPARATORS) for n in _NUMBER.findall(without_links))


def _has_markup(text: str) -> bool:
    return "*" in text or "`" in text or "](" in text


def _markup(text: str) -> Counter[str]:
    without_links = _LINK.sub("](", text)
    bold = without_links.count("**")
    return Counter({"**": bold, "*": without_links.count("*") - 2 * bold, "`": without_links.count("`"),
                    "link": without_links.count("](")})


def _edges(text: str) -> tuple[bool, bool]:
    return text[:1].isspace(), text[-1:].isspace()


def _difference(what: str, source: Counter[str], target: Counter[str]) -> str:
    missing = sorted((source - target).elements())
    extra = sorted((target - source).elements())
    parts = []
    if missing:
        parts.append(f"missing in the translation: {', '.join(missing)}")
    if extra:
        parts.append(f"not in the source: {', '.join(extra)}")
    return f"{what} differ ({'; '.join(parts)})"

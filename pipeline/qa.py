"""Translation QA: compare each confirmed translation with its source for what must survive
translation in health content: numbers with their units, markup and links, placeholders, spacing.

Numbers are read as a reader of each language reads them (``pipeline.quantities``): "2.5 mg" in
English is "2,5 mg" in German, and a German "2.5" is reported, since a German reader may take it
for 25.

Findings are warnings with a location and a short kind (``i18n.number-mismatch``);
``--strict`` turns them into failure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pipeline import quantities
from pipeline.catalogs import usable
from pipeline.model import Finding
from pipeline.pofile import Entry, PoFile

_NUMBER = re.compile(r"\d+(?:[.,\u202f\u00a0]\d+)*")
_LINK = re.compile(r"\]\(([^)\s]+)")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
_NOT_DIGIT = re.compile(r"\D")
_LONG = 40  # a translation identical to a source this long was probably not translated


def check_catalog(domain: str, path: str, catalog: PoFile, source_lang: str | None = None) -> list[Finding]:
    """The findings for one catalog's confirmed translations.

    The target language is the ``locales/<lang>/`` folder's (a site language: the caller finds
    catalogs there), the source language ``source_lang`` (the article's), else English. Headers
    are a translator's to edit and decide nothing: ``Language: en`` in a German catalog would
    make "2.5 mg" pass as German and flag the correct "2,5 mg".
    """
    folder = path.split("/")[1] if path.startswith("locales/") and path.count("/") >= 2 else None
    target = folder or "en"
    source = source_lang or "en"
    return [
        Finding(kind, path, entry.line, f"{_what(domain)}, {', '.join(entry.extracted) or 'unit'}: {message}")
        for entry in catalog.active()
        if usable(entry)  # one whose placeholders do not fit is never shown, and reported as such
        for kind, message in check_entry(entry, source, target)
    ]


def _what(domain: str) -> str:
    return "site text" if domain == "site" else f"article {domain}"


def check_entry(entry: Entry, source_lang: str, target_lang: str) -> Iterator[tuple[str, str]]:
    """The problems of one translation (msgstr) of a source text (msgid) in ``source_lang``."""
    # Every entry is checked on each cold build: compare cheap sorted lists and counts, read
    # numbers only where a digit (or a word like "twice") is, and make the counters that word a
    # finding only for the few entries that have one.
    source, target = entry.msgid, entry.msgstr
    if quantities.may_hold(source, target):
        yield from _check_quantities(source, target, source_lang, target_lang)
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


def _check_quantities(source: str, target: str, source_lang: str, target_lang: str) -> Iterator[tuple[str, str]]:
    """Numbers, with their units, ranges, dates and times, as values: "2.5 mg" is "2,5 mg".

    A number its language does not write so (German "2.5") is a finding of its own; which value
    it stands for is the question, so it stands in for one quantity of the other side written with
    the same digits, and the rest are compared: a wrong dose beside it is reported too.
    """
    words = quantities.words_shared(source_lang, target_lang)
    read = quantities.read(source, source_lang, words), quantities.read(target, target_lang, words)
    if read[0].unreadable or read[1].unreadable:
        yield "i18n.number-format", "; ".join(
            f"{_some(r.unreadable)} in the {side} is not a number in {quantities.describe(lang)}"
            for r, side, lang in zip(read, ("source", "translation"), (source_lang, target_lang)) if r.unreadable
        ) + "; write it so, since a reader may take it for another value"
    if read[0].found == read[1].found:
        return
    found = Counter(read[0].found), Counter(read[1].found)
    missing, extra = found[0] - found[1], found[1] - found[0]
    quantities.unsaid(missing, extra)
    _stood_in(read[1].unreadable, missing, read[0])
    _stood_in(read[0].unreadable, extra, read[1])
    if missing or extra:
        # "1.000" is a thousand in German and one in English: where both sides write the same,
        # the message says how each side reads it
        same = {read[0].written(k) for k in missing} & {read[1].written(k) for k in extra}
        shown = (Counter({_shown(r.written(k), k, same): n for k, n in keys.items()})
                 for r, keys in zip(read, (missing, extra)))
        yield "i18n.number-mismatch", _difference("numbers", *shown)


def _stood_in(unreadable: tuple[str, ...], other: Counter, reading: quantities.Reading) -> None:
    """Take out of ``other`` one quantity for each unreadable token written with its digits."""
    if not unreadable or not other:
        return
    by_digits: dict[str, list] = {}
    for key, start, end in reading.spans:
        if key in other:
            by_digits.setdefault(_NOT_DIGIT.sub("", reading.text[start:end]), []).append(key)
    for token in unreadable:
        for key in by_digits.get(_NOT_DIGIT.sub("", token), ()):
            if other[key] > 0:
                other[key] -= 1
                if not other[key]:
                    del other[key]
                break


def _some(tokens: tuple[str, ...]) -> str:
    """The first few tokens, each cut short: a finding is one line, whatever a translator typed."""
    shown = ", ".join(repr(t if len(t) <= 20 else t[:20] + "...") for t in tokens[:3])
    return f"{shown} and {len(tokens) - 3} more" if len(tokens) > 3 else shown


def _shown(written: str, key: tuple, same: set[str]) -> str:
    return f"{written} (read as {quantities.plain(key)})" if written in same else written


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

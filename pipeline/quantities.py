"""Numbers, units, ranges, dates and times in a text, read as a reader of its language reads them.

Health content is dangerous where a number changes in translation: "2.5 mg" is two and a half
milligrams to an English reader and an error to a German one, who writes "2,5 mg" and may read
"2.5" as 25. So a number is parsed with its language's decimal and group symbols (Babel's locale
data) and kept as a value; the unit next to it is named by the registry below, the same for every
language; a range, a blood pressure, a date or a time of day is one quantity. Two texts say the
same thing when they hold the same quantities, in any order.

The registry is data: adding a unit or a spelling is one entry.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import NamedTuple
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol


@dataclass(frozen=True)
class Unit:
    """One unit and how each language writes it after a number."""

    key: str  # its name in a finding's comparison, the same in every language
    symbols: tuple[str, ...] = ()  # spellings every language uses
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # spellings of one language, by its code


UNITS: tuple[Unit, ...] = (
    Unit("mg", ("mg",), {"en": ("milligrams", "milligram"), "de": ("Milligramm",)}),
    Unit("µg", ("µg", "μg", "mcg", "ug"), {"en": ("micrograms", "microgram"), "de": ("Mikrogramm",)}),
    Unit("g", ("g",), {"en": ("grams", "gram", "grammes", "gramme"), "de": ("Gramm",)}),
    Unit("kg", ("kg",), {"en": ("kilograms", "kilogram", "kilos", "kilo"), "de": ("Kilogramm", "Kilo")}),
    Unit("ng", ("ng",), {"en": ("nanograms", "nanogram"), "de": ("Nanogramm",)}),
    Unit("pg", ("pg",), {"en": ("picograms", "picogram"), "de": ("Pikogramm",)}),
    Unit("mol", ("mol",), {"en": ("moles", "mole"), "de": ("Mol",)}),
    Unit("mmol", ("mmol",), {"en": ("millimoles", "millimole"), "de": ("Millimol",)}),
    Unit("µmol", ("µmol", "μmol", "umol"), {"en": ("micromoles", "micromole"), "de": ("Mikromol",)}),
    Unit("nmol", ("nmol",), {"en": ("nanomoles", "nanomole"), "de": ("Nanomol",)}),
    Unit("mEq", ("mEq", "mval"), {"en": ("milliequivalents", "milliequivalent"), "de": ("Milliäquivalent",)}),
    Unit("ml", ("ml",), {"en": ("millilitres", "millilitre", "milliliters", "milliliter"), "de": ("Milliliter",)}),
    Unit("dl", ("dl",), {"en": ("decilitres", "decilitre", "deciliters", "deciliter"), "de": ("Deziliter",)}),
    Unit("l", ("l",), {"en": ("litres", "litre", "liters", "liter"), "de": ("Liter",)}),
    Unit("mm", ("mm",), {"en": ("millimetres", "millimetre", "millimeters", "millimeter"), "de": ("Millimeter",)}),
    Unit("cm", ("cm",), {"en": ("centimetres", "centimetre", "centimeters", "centimeter"), "de": ("Zentimeter",)}),
    Unit("m", ("m",), {"en": ("metres", "metre", "meters", "meter"), "de": ("Meter",)}),
    Unit("m²", ("m²",), {"en": ("square metres", "square metre", "square meters", "square meter"),
                         "de": ("Quadratmeter", "qm")}),
    Unit("m³", ("m³",), {"en": ("cubic metres", "cubic metre", "cubic meters", "cubic meter"),
                         "de": ("Kubikmeter",)}),
    Unit("km", ("km",), {"en": ("kilometres", "kilometre", "kilometers", "kilometer"), "de": ("Kilometer",)}),
    Unit("°C", ("°C", "° C", "℃"), {"en": ("degrees Celsius", "degree Celsius", "degrees", "degree"),
                                    "de": ("Grad Celsius", "Grad")}),
    Unit("°F", ("°F", "° F", "℉"), {"en": ("degrees Fahrenheit",), "de": ("Grad Fahrenheit",)}),
    Unit("%", ("%",), {"en": ("percent", "per cent"), "de": ("Prozent",)}),
    Unit("‰", ("‰",), {"en": ("per mille", "per mil"), "de": ("Promille",)}),
    Unit("mmHg", ("mmHg", "mm Hg"), {"de": ("Millimeter Quecksilbersäule",)}),
    Unit("kcal", ("kcal",), {"en": ("kilocalories", "calories"), "de": ("Kilokalorien", "Kalorien")}),
    Unit("kJ", ("kJ",), {"en": ("kilojoules",), "de": ("Kilojoule",)}),
    Unit("IU", (), {"en": ("IU", "international units"), "de": ("I.E.", "IE", "internationale Einheiten")}),
    Unit("units", (), {"en": ("units", "unit"), "de": ("Einheiten", "Einheit")}),
    Unit("s", ("s",), {"en": ("seconds", "second", "secs", "sec"), "de": ("Sekunden", "Sekunde", "Sek.")}),
    Unit("min", ("min",), {"en": ("minutes", "minute", "mins"), "de": ("Minuten", "Minute", "Min.")}),
    Unit("h", ("h",), {"en": ("hours", "hour", "hrs", "hr"), "de": ("Stunden", "Stunde", "Std.", "Std")}),
    Unit("days", ("d",), {"en": ("days", "day"), "de": ("Tagen", "Tage", "Tag")}),
    Unit("weeks", (), {"en": ("weeks", "week"), "de": ("Wochen", "Woche")}),
    Unit("months", (), {"en": ("months", "month"), "de": ("Monaten", "Monate", "Monat")}),
    Unit("years", (), {"en": ("years old", "years", "year"),
                       "de": ("Jahren", "Jahre", "Jahr", "Jährige", "Jährigen", "Jähriger", "jährig")}),
    # "times" may take a period ("3 times a day"); see PERIODS and TIMES_WORDS
    Unit("times", ("x", "×"), {"en": ("times",), "de": ("mal",)}),
    # the large numbers differ: an English billion is a German Milliarde
    Unit("thousand", (), {"en": ("thousand",), "de": ("Tausend",)}),
    Unit("million", (), {"en": ("millions", "million"), "de": ("Millionen", "Million", "Mio.")}),
    Unit("billion (10⁹)", (), {"en": ("billions", "billion", "bn"), "de": ("Milliarden", "Milliarde", "Mrd.")}),
    Unit("trillion (10¹²)", (), {"en": ("trillions", "trillion"), "de": ("Billionen", "Billion")}),
)

# Units one language says and the other leaves out: "children under 12" are "Kinder unter 12
# Jahren". A number with one of these matches the same number without a unit.
UNSAID_UNITS = frozenset({"years"})

# How often: after any amount ("10 mg weekly", "3 times a day", "2 tablets a day"), before one
# ("täglich 10 mg"), after a word that counts ("twice a day") or on its own ("take it weekly"):
# "10 mg weekly" -> "10 mg täglich" is the fatal methotrexate error, so a period is part of a dose.
PERIODS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "an hour": {"en": ("an hour", "per hour", "hourly", "each hour", "every hour"),
                "de": ("stündlich", "pro Stunde", "in der Stunde", "die Stunde", "jede Stunde")},
    "every other day": {"en": ("every other day", "every second day", "every two days"),
                        "de": ("jeden zweiten Tag", "alle zwei Tage", "jeden 2. Tag")},
    "a day": {"en": ("a day", "per day", "daily", "each day", "every day"),
              "de": ("täglich", "am Tag", "pro Tag", "jeden Tag", "den Tag")},
    "a week": {"en": ("a week", "per week", "weekly", "each week", "every week"),
               "de": ("wöchentlich", "pro Woche", "in der Woche", "die Woche", "jede Woche")},
    "a month": {"en": ("a month", "per month", "monthly", "each month", "every month"),
                "de": ("monatlich", "im Monat", "pro Monat", "jeden Monat")},
}
# Spellings of a period that say one only next to an amount: "have a nice day" is no dose.
UNSAID_ALONE = frozenset({"a", "an", "am", "den", "die", "in", "im"})
# English "daily" is also an adjective ("the daily dose"): before a word, it is a period only if
# that word is one of these ("take it daily with water").
ADVERB_FOLLOWERS = frozenset({"with", "for", "and", "or", "at", "in", "on", "after", "before", "until", "to", "as",
                              "from", "during", "while", "unless", "if", "but", "by", "without", "instead"})
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")
# A compound unit per time unit is a period: "5 mg/h" is "5 mg pro Stunde", "10 mg/kg/day" "10 mg/kg daily".
PERIOD_OF_UNIT: Mapping[str, str] = {"h": "an hour", "days": "a day", "weeks": "a week", "months": "a month"}
# Before a number, these bound it from below ("min": >, ≥, "at least") or above ("max": <, ≤,
# "at most"); after it, "or more" and the like. Only the direction is compared: "over 12" and
# "ab 12" differ at the edge, "≥ 38 °C" and "≤ 38 °C" everywhere.
BOUNDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "min": {"en": ("more than", "greater than", "higher than", "above", "over", "at least", "no less than",
                   "not less than", "exceeding"),
            "de": ("mehr als", "größer als", "höher als", "über", "oberhalb von", "mindestens", "wenigstens",
                   "nicht weniger als", "ab")},
    "max": {"en": ("less than", "fewer than", "lower than", "below", "under", "at most", "up to", "no more than",
                   "not more than", "maximum of", "a maximum of"),
            "de": ("weniger als", "kleiner als", "niedriger als", "unter", "unterhalb von", "höchstens", "maximal",
                   "bis zu", "nicht mehr als")},
}
BOUND_SIGNS: Mapping[str, str] = {">": "min", "≥": "min", ">=": "min", "≧": "min", "<": "max", "≤": "max",
                                  "<=": "max", "≦": "max"}
BOUNDS_AFTER: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "min": {"en": ("or more", "or over", "and over", "or above", "and above", "or older", "and older", "or higher",
                   "or greater"),
            "de": ("oder mehr", "und mehr", "oder älter", "und älter", "oder höher", "und darüber", "oder darüber")},
    "max": {"en": ("or less", "or fewer", "or under", "and under", "or below", "and below", "or younger",
                   "and younger", "or lower"),
            "de": ("oder weniger", "und weniger", "oder jünger", "und jünger", "oder niedriger", "und darunter",
                   "oder darunter")},
}
# A number after these names a part of a document, compared as written: "Abschnitt 4.2" is correct German.
SECTION_WORDS: Mapping[str, tuple[str, ...]] = {
    "en": ("section", "sections", "chapter", "chapters", "version", "paragraph", "annex", "appendix", "table",
           "figure", "item", "§"),
    "de": ("Abschnitt", "Abschnitte", "Abschnitten", "Kapitel", "Version", "Absatz", "Anhang", "Tabelle",
           "Abbildung", "Punkt", "Ziffer", "§"),
}
MINUS_WORDS: Mapping[str, tuple[str, ...]] = {"en": ("minus",), "de": ("minus",)}
# Words that count times; one counts only with its period, since "once" alone means "as soon as"
# and "einmal" alone "ever".
TIMES_WORDS: Mapping[str, Mapping[str, int]] = {
    "en": {"once": 1, "twice": 2, "thrice": 3, "one time": 1, "two times": 2, "three times": 3, "four times": 4,
           "five times": 5, "six times": 6},
    "de": {"einmal": 1, "zweimal": 2, "dreimal": 3, "viermal": 4, "fünfmal": 5, "sechsmal": 6,
           "ein Mal": 1, "zwei Mal": 2, "drei Mal": 3, "vier Mal": 4, "fünf Mal": 5, "sechs Mal": 6},
}
# Between two numbers, these make a range; the pair ("between", "and") only after the first word.
RANGE_WORDS: Mapping[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "en": (("to", "through"), (("between", "and"), ("from", "to"))),
    "de": (("bis",), (("zwischen", "und"), ("von", "bis"))),
}
ORDINAL_SUFFIXES: Mapping[str, tuple[str, ...]] = {"en": ("st", "nd", "rd", "th")}
TIME_SUFFIXES: Mapping[str, Mapping[str, int]] = {  # the hours each adds: "8 pm" is 20:00
    "en": {"am": 0, "a.m.": 0, "pm": 12, "p.m.": 12, "o'clock": 0, "o’clock": 0},
    "de": {"Uhr": 0},
}
LANGUAGES_WITH_WORDS = frozenset(TIMES_WORDS)  # words are compared only between two of these


def _needles(words) -> tuple[str, ...]:
    """Strings one of which every counting word holds: ("mal", "once", "thrice", "time", "twice")."""
    endings = {w.split()[-1].casefold() for w in words}
    return tuple(e for e in sorted(endings) if not any(o != e and o in e for o in endings))


_COUNTING_NEEDLES = _needles([w for words in TIMES_WORDS.values() for w in words])


def _alone(spellings) -> list[str]:
    return [s for s in spellings if s.split()[0].casefold() not in UNSAID_ALONE]


# the first word of a period that counts on its own, to find one ("täglich", "every") without a scan
_PERIOD_NEEDLES = tuple(sorted({s.split()[0].casefold() for by_lang in PERIODS.values() for spellings in
                                by_lang.values() for s in _alone(spellings)}))
_PERIOD_SPELLINGS = tuple(sorted({s.casefold() for by_lang in PERIODS.values() for spellings in by_lang.values()
                                  for s in _alone(spellings)}))

_SPACE = "[ \u00a0\u202f\u2009]"  # between a number and its unit, or grouping digits
_FRACTIONS = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_DIGITS = re.compile(rf"[\d{_FRACTIONS}]+")
_DASHES = "-–—‒"
_SIGNS = "-−–+"
_WORD = 12  # the longest counting word or month's name, and then some
_SEPARATOR = re.compile("[.,'’\u00a0\u202f\u2009]")
_LINK = re.compile(r"\]\([^)\s]+")
_IDENT = re.compile(r"(?P<ident>[^\W\d_]+\d\w*(?:[.,]\d+)*)")
_SECTION = re.compile(r"(?P<ident>\d+(?:\.\d+)*)")
_LEAD = 48  # the longest lead before a number ("nicht weniger als", "jeden zweiten Tag", "minus") and then some
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# symbols that look like units (a prefix and a base) but are in no registry entry: compared as written
_SI = r"(?:[kmµμunpfcd]?(?:mol|Eq|IU|Hz|Pa|Bq|Gy|Sv|kat|g|l|L|m|s|U|J|W|V)[²³]?)"
_PER = re.compile(r"\s*/\s*|\s+(?i:per|pro|je)\s+")


class Reading(NamedTuple):
    """What a text says in numbers (a tuple: two are made per entry with a digit)."""

    found: list[tuple]  # each quantity, sorted, e.g. ("n", Decimal("2.5"), "mg a day", "min"); "" for none
    spans: list[tuple[tuple, int, int]]  # each quantity with where the text writes it
    text: str  # the text, link targets left out
    unreadable: tuple[str, ...]  # tokens that are no number in the text's language, e.g. German "2.5"

    def written(self, key: tuple) -> str:
        """A quantity as the text first writes it, for a finding's message."""
        start, end = next((start, end) for k, start, end in self.spans if k == key)
        return " ".join(self.text[start:end].split())


class _Amount(NamedTuple):
    """A number with its unit, where the text writes it (a tuple: one is made per number)."""

    value: int | Decimal | Fraction
    unit: str  # with its period ("mg a day"); "" for none
    bound: str  # "min" for "at least", ">" and the like, "max" for "at most", "<"; "" for none
    start: int
    end: int
    plain: bool  # a bare one-digit integer, the "1" of "1/2"


def may_hold(source: str, target: str) -> bool:
    """Whether a text or its translation could hold a quantity at all: most units of a page
    have no digit and no counting word, and are passed over with this."""
    if _DIGITS.search(source) or _DIGITS.search(target):
        return True
    folded = f"{source}\n{target}".casefold()
    if any(map(folded.__contains__, _COUNTING_NEEDLES)):
        return True
    # "per" is in "person": the whole spellings only where a first word is
    return any(map(folded.__contains__, _PERIOD_NEEDLES)) and any(map(folded.__contains__, _PERIOD_SPELLINGS))


def read(text: str, lang: str, words: bool) -> Reading:
    """The quantities in ``text`` as a reader of ``lang`` reads them; with ``words`` off, only the
    spellings every language shares count (for a language the registry has no words for)."""
    grammar = _grammar(lang, words)
    if "](" in text:
        text = _LINK.sub("](", text)  # a link target's digits are compared as link targets
    quantities: list[tuple[tuple, int, int]] = []  # each with where the text writes it
    if grammar.needles:
        quantities += ((_once(grammar.quantity(m)), m.start(), m.end()) for m in grammar.counts(text))
    taken = sorted((start, end) for _, start, end in quantities)  # a period in "twice a day" is the count's
    unreadable: list[str] = []
    amounts: list[_Amount] = []
    end = 0
    for digit in _DIGITS.finditer(text):
        if digit.start() < end:
            continue
        match = grammar.at(text, digit.start())
        if match is None:
            end = digit.end()
            continue
        kind = match.lastgroup
        lead = grammar.lead_of(text, match.start(), end) if kind in ("number", "dotted", "dmdot") else None
        if lead is not None and lead.group("sect"):  # "Abschnitt 4.2": a name, not a value
            match, kind = _SECTION.match(text, digit.start()), "ident"
        if lead is not None and lead.group("lperiod") and _within(taken, lead.start("lperiod")):
            lead = None
        end = match.end()
        if kind == "number":
            amount = grammar.amount(text, match, lead)
            if amount is None:
                unreadable.append(match.group("num"))
            else:
                amounts.append(amount)
                end = amount.end
        elif kind == "ident":
            quantities.append((("id", match.group().replace(",", ".")), match.start(), end))
        else:
            key = grammar.quantity(match)
            if key is None:
                unreadable.append(match.group())
            else:
                quantities.append((key, match.start(), end))
    if amounts:
        taken = sorted(taken + [(a.start, a.end) for a in amounts])
        quantities += grammar.combine(text, amounts)
    if grammar.alone_needles:
        quantities += ((("every", key), start, stop) for key, start, stop in grammar.periods_alone(text, taken))
    found = [q[0] for q in quantities]
    found.sort()
    return Reading(found, quantities, text, tuple(unreadable))


def _once(key: tuple) -> tuple:
    """"Once a week" ("einmal wöchentlich", "1-mal pro Woche") says what "weekly" says."""
    if key[1] == 1 and key[2].startswith("times ") and key[2][6:] in PERIODS and not key[3]:
        return ("every", key[2][6:])
    return key


def _within(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether ``at`` is inside one of the sorted, non-overlapping ``spans``."""
    i = bisect.bisect_right(spans, (at, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


def unsaid(missing, extra) -> None:
    """Take out of two Counters of quantities the pairs that say the same in the way of each
    language: a unit one leaves out ("under 12" / "unter 12 Jahren"), a bound one leaves out
    ("ab 60 Jahren" / "aged 60"; only opposite bounds differ) and a period that stands apart from
    its amount in one ("Täglich 1.000 I.E." / "1,000 IU of vitamin D daily")."""
    for own, other in ((missing, extra), (extra, missing)):
        for key in [k for k in own if k[0] == "n"]:
            period, unit = _period_of(key[2])
            if period:
                base, alone = ("n", key[1], unit, key[3]), ("every", period)
                while own[key] > 0 and other[base] > 0 and other[alone] > 0:
                    own[key], other[base], other[alone] = own[key] - 1, other[base] - 1, other[alone] - 1
    by_value: dict = {}
    for key in extra:
        if key[0] == "n":
            by_value.setdefault(key[1], []).append(key)
    for key in [k for k in missing if k[0] == "n"]:
        for other in by_value.get(key[1], ()):
            while missing[key] > 0 and extra[other] > 0 and _alike(key, other):
                missing[key] -= 1
                extra[other] -= 1
    for counter in (missing, extra):
        for key in [k for k, n in counter.items() if n <= 0]:
            del counter[key]


def _alike(one: tuple, other: tuple) -> bool:
    units = {one[2], other[2]}
    bounds = {one[3], other[3]}
    return (len(units) == 1 or any(units == {u, ""} for u in UNSAID_UNITS)) and (len(bounds) == 1 or "" in bounds)


def _period_of(unit: str) -> tuple[str, str]:
    """The period a unit ends with and the unit without it: ("a day", "mg") for "mg a day"."""
    for period in PERIODS:
        if unit == period:
            return period, ""
        if unit.endswith(period) and unit[-len(period) - 1] == " ":
            return period, unit[:-len(period) - 1]
    return "", unit


def plain(key: tuple) -> str:
    """A quantity as no language writes it, to tell two apart that are written alike."""
    def amount(value, unit) -> str:
        number = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
        return f"{number} {unit}" if unit else number

    kind = key[0]
    if kind == "n":
        return {"min": "at least ", "max": "at most ", "": ""}[key[3]] + amount(key[1], key[2])
    if kind == "range":
        return f"{amount(key[1], key[2])} to {amount(key[3], key[4])}"
    if kind == "pair":
        return f"{amount(key[1], None)}/{amount(key[2], key[3])}"
    if kind == "date":
        return "-".join(f"{part:02d}" if part else "?" for part in key[1:])
    if kind == "time":
        return f"{key[1]:02d}:{key[2]:02d}"
    return key[1]


def describe(lang: str) -> str:
    """How ``lang`` writes numbers, for a finding: 'German, which writes two and a half as 2,5 ...'."""
    locale = _locale(lang)
    return (f"{locale.get_display_name('en')}, which writes two and a half as 2{get_decimal_symbol(locale)}5 "
            f"and a thousand as 1{get_group_symbol(locale)}000")


# ---------------------------------------------------------------- the grammar of one language

@functools.lru_cache(maxsize=1024)
def _locale(lang: str) -> Locale:
    for name in (lang.replace("-", "_"), lang.replace("-", "_").split("_")[0], "en"):
        try:
            return Locale.parse(name)
        except (ValueError, UnknownLocaleError):
            continue
    raise AssertionError("Babel knows English")


def _alternatives(spellings, lower: bool = True) -> str:
    """A regex that matches any of the spellings (lowered, for a case-blind group), longest
    first, a space as any spaces. A trie, not a list: the engine tries a list's 150 units one by
    one after every number."""
    trie: dict = {}
    for spelling in spellings:
        node = trie
        for char in spelling.lower() if lower else spelling:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(trie)


def _branches(node: dict) -> str:
    branches = [(r"\s+" if char == " " else re.escape(char)) + _branches(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


class _Grammar:
    """The patterns of one language, built once from the registry and Babel's data."""

    def __init__(self, lang: str, words: bool) -> None:
        locale = _locale(lang)
        base = locale.language
        words = words and base in LANGUAGES_WITH_WORDS
        self.decimal = get_decimal_symbol(locale)
        self.group = get_group_symbol(locale)
        self.groups = {self.group, "\u00a0", "\u202f", "\u2009"}
        # A unit or period in words is read in any language of the registry, the text's own
        # last, so that it decides where two differ (German "Billion" is an English trillion):
        # a German text that writes "42 minutes" says 42 minutes, untranslated but not wrong.
        spoken = sorted(LANGUAGES_WITH_WORDS, key=lambda lang: lang == base) if words else []
        self.units: dict[str, str] = {}
        for spellings, key in [(u.symbols, u.key) for u in UNITS] + [(u.words.get(lang, ()), u.key)
                                                                     for lang in spoken for u in UNITS]:
            for spelling in spellings:
                self.units[_folded(spelling)] = self.units[spelling] = key
        self.periods = {f: key for lang in spoken for key, by_lang in PERIODS.items() for s in by_lang.get(lang, ())
                        for f in (s, _folded(s))}
        counting = {w: n for lang in spoken for w, n in TIMES_WORDS.get(lang, {}).items()}
        self.counting = {_folded(w): n for w, n in counting.items()}
        to, pairs = RANGE_WORDS.get(base, ((), ())) if words else ((), ())
        # "3- bis 5-mal": German leaves the hyphen of the first number of a range
        self.range_gap = re.compile(rf"{_SPACE}*[{_DASHES}]{_SPACE}*|(?i:-?\s+(?:{_alternatives(to)})\s+)"
                                    if to else rf"{_SPACE}*[{_DASHES}]{_SPACE}*")
        self.paired = [(re.compile(rf"(?i)(?<!\w){re.escape(first)}\s+$"), re.compile(rf"(?i)\s+{re.escape(then)}\s+"))
                       for first, then in pairs]
        ordinal = ORDINAL_SUFFIXES.get(base, ()) if words else ()
        suffixes = TIME_SUFFIXES.get(base, {}) if words else {}
        self.time_suffixes = {s.casefold(): h for s, h in suffixes.items()}
        months = self._months(locale)
        self.months = {name.casefold(): n for name, n in months.items()}
        self.month_words = {w for name in months for w in (name, name + ".")}  # as they stand before a day
        month = _alternatives(months, lower=False)
        self.day_first = get_date_format("short", locale).pattern.lower().find("d") < \
            get_date_format("short", locale).pattern.lower().find("m")
        unit = _alternatives(self.units)
        period = _alternatives(self.periods)
        alone = [s for lang in spoken for by_lang in PERIODS.values() for s in _alone(by_lang.get(lang, ()))]
        # one scan of the lowered text (a case-blind scan costs twice as much), or of the text where
        # lowering it moves positions ("İ")
        self.alone_lowered = re.compile(rf"(?<!\w){_alternatives(alone) or '(?!)'}(?!\w)")
        self.alone = re.compile(rf"(?<!\w)(?i:{_alternatives(alone) or '(?!)'})(?!\w)")
        self.alone_needles = tuple(sorted({s.split()[0].casefold() for s in alone}))
        self.bounds = {_folded(s): key for lang in spoken for key, by_lang in BOUNDS.items()
                       for s in by_lang.get(lang, ())}
        self.bounds_after = {_folded(s): key for lang in spoken for key, by_lang in BOUNDS_AFTER.items()
                             for s in by_lang.get(lang, ())}
        sections = [w for lang in spoken for w in SECTION_WORDS.get(lang, ())] or ["§"]
        minus = [w for lang in spoken for w in MINUS_WORDS.get(lang, ())]
        # What stands right before a number and belongs to it: a section word (the number is a
        # name), else a period ("täglich 10 mg"), a bound ("mindestens", "≥") and "minus".
        # Searched backwards from the number within _LEAD characters; every part may be missing.
        self.lead = re.compile(
            rf"(?i:(?<!\w)(?P<sect>{_alternatives(sections)})\s*"
            rf"|(?:(?<!\w)(?P<lperiod>{period or '(?!)'})\s+)?"
            rf"(?:(?<!\w)(?P<bound>{_alternatives(self.bounds) or '(?!)'})\s+|(?P<bsign>[<>≤≥≦≧]=?){_SPACE}*)?"
            rf"(?:(?<!\w)(?P<minus>{_alternatives(minus) or '(?!)'})\s+)?)$")
        # the last word of each lead, to search for one only where it may end ("42 times" has none)
        self.lead_words = frozenset(_folded(s).split()[-1] for s in
                                    [*sections, *self.periods, *self.bounds, *minus] if s.strip())
        self.after = re.compile(rf"(?i:\s+(?P<after>{_alternatives(self.bounds_after) or '(?!)'}))(?!\w)")
        number = (rf"\d+(?:[.,'’\u00a0\u202f\u2009]\d+)*(?:{_SPACE}?[{_FRACTIONS}])?|[{_FRACTIONS}]"
                  rf"|[.,]\d+")  # ".5 mg" is 0.5 mg to an English reader
        # "mg/kg/day", "ml pro kg": a unit per unit is one unit; a symbol in no registry entry
        # ("mval/l") is compared as written
        part = rf"(?:(?i:{unit})|{_SI})"
        compound = rf"{part}(?:(?:{_SPACE}*/{_SPACE}*|{_SPACE}+(?i:per|pro|je){_SPACE}+){part}){{0,2}}"
        # "2 tablets a day", "2 litres of water a day": a period after a number and up to two words is the number's
        counter = _alternatives(list(counting) + ["times", "mal"])  # "2.5 mg twice a day" is counted
        words_between = rf"(?:{_SPACE}+(?!(?i:{counter})(?!\w))[^\W\d_]{{2,24}}){{0,2}}"
        bare_period = rf"{words_between}{_SPACE}+(?i:(?P<bperiod>{period or '(?!)'}))(?!\w)"
        ordinal_part = rf"(?:{'|'.join(ordinal)})(?!\w)|" if ordinal else ""
        time_suffix = rf"(?:{_SPACE}*(?i:(?P<suffix>{_alternatives(suffixes)}))(?!\w))?" if suffixes else ""
        hour_suffix = rf"(?i:(?P<hsuffix>{_alternatives(suffixes)}))(?!\w)" if suffixes else "(?!)"
        # Each pattern is tried only where a digit is (or, for "twice a day", a counting word):
        # scanning every position of every text with them cost six times the rest of the QA.
        self.at_digit = re.compile("|".join([
            r"(?P<iso>(?<![\w.,])(\d{4})-(\d{2})-(\d{2})(?!\d))",
            r"(?P<dotted>(?<![\w.,])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d))",
            # "Ab 1.3.": a date without a year, where "." is no decimal mark
            r"(?P<dmdot>(?<![\w.,])(\d{1,2})\.(\d{1,2})\.(?!\w))" if self.decimal != "." else "(?!)",
            r"(?P<slashed>(?<![\w.,/])(\d{1,2})/(\d{1,2})/(\d{4})(?!\d))",
            rf"(?P<dm>(?<![\w.,])(\d{{1,2}})(?:\.|{'|'.join(ordinal) or '(?!)'})?\s+(?:of\s+)?({month})\.?"
            rf"(?!\w)(?:,?\s+(\d{{4}})(?!\d))?)",
            rf"(?P<clock>(?<![\w.,:])(\d{{1,2}}):(\d{{2}})(?![\d:]){time_suffix})",
            rf"(?P<hour>(?<![\w.,:])(\d{{1,2}})(?:[.:](\d{{2}}))?{_SPACE}*{hour_suffix})",
            rf"(?P<number>(?P<sign>[-−–+])?(?<![\w.,])(?P<num>{number})(?P<exp>[{_SUPERSCRIPTS}]{{1,3}})?"
            rf"(?:{ordinal_part}(?:{_SPACE}|-)?(?P<unit>{compound})(?!\w)"
            rf"(?:{words_between}{_SPACE}+(?i:(?P<period>{period or '(?!)'}))(?!\w))?|{bare_period})?)",
        ]))
        self.month_first = re.compile(
            rf"(?P<md>({month})\.?\s+(\d{{1,2}})(?:{'|'.join(ordinal) or '(?!)'})?(?!\d|[.,]\d)(?:,?\s+(\d{{4}})(?!\d))?)"
            rf"|(?P<my>({month})\.?\s+(\d{{4}})(?!\d))")
        self.counted = re.compile(
            rf"(?P<counted>(?i:(?<!\w)({_alternatives(counting) or '(?!)'})){_SPACE}+(?i:({period or '(?!)'}))(?!\w))")
        self.needles = _needles(counting)

    def counts(self, text: str) -> list[re.Match]:
        """The counts in words ("twice a day"), tried only at the words that hold a needle:
        a scan of every position cost more than the rest of the entry's checks."""
        folded = text.lower()
        if len(folded) != len(text):  # a letter that lowers to two: positions would shift
            return list(self.counted.finditer(text))
        found: dict[int, re.Match] = {}
        for needle in self.needles:
            at = folded.find(needle)
            while at != -1:
                # a counting word is short: looking back further would make a translator's
                # "malmalmal..." cost the square of its length
                start = at
                while start > at - _WORD and start and folded[start - 1].isalpha():
                    start -= 1
                before = start
                while before > start - _WORD and before and not folded[before - 1].isalnum():
                    before -= 1
                while before > start - 2 * _WORD and before and folded[before - 1].isalpha():
                    before -= 1
                for word in (before, start):  # "drei Mal täglich" starts a word earlier
                    match = self.counted.match(text, word)
                    if match and word not in found:
                        found[word] = match
                        break
                at = folded.find(needle, at + len(needle))
        return [found[start] for start in sorted(found)]

    def at(self, text: str, digit: int) -> re.Match | None:
        """The quantity that the digit at ``digit`` is part of, if any."""
        before = text[digit - 1] if digit else " "
        if before.isalpha():  # glued to a word: a name like B12, PM2.5 or H1N1
            start = digit - 1
            while start and text[start - 1].isalpha():
                start -= 1
            return _IDENT.match(text, start)  # consumes the digits after it: each letter is passed once
        if before.isspace() and digit > 1 and (text[digit - 2].isalpha() or text[digit - 2] == "."):
            # after a month's name: "February 13", "Feb. 13"
            space = text.rfind(" ", max(0, digit - 1 - _WORD), digit - 1)  # a month's name is short
            word = text[space + 1:digit - 1] if space != -1 or digit - 1 <= _WORD else ""
            if word in self.month_words:
                found = self.month_first.match(text, digit - 1 - len(word))
                if found:
                    return found
        if (before in _SIGNS or before in ".,") and (digit == 1 or text[digit - 2].isspace()
                                                     or text[digit - 2] in "(["):
            return self.at_digit.match(text, digit - 1)
        return self.at_digit.match(text, digit)

    @staticmethod
    def _months(locale: Locale) -> dict[str, int]:
        names: dict[str, int] = {}
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for n, name in get_month_names(width, context, locale).items():
                    names.setdefault(name.rstrip("."), n)
        if locale.language == "en":
            names.setdefault("Sept", 9)
        return names

    def value(self, token: str) -> Decimal | Fraction | None:
        """The value of a number token as this language writes it, None if it writes it otherwise."""
        if token.isdecimal():
            # an int equals the Decimal and Fraction of its value and hashes alike; past 4,300
            # digits Python refuses to make one from a string
            return int(token) if len(token) <= 18 else Decimal(token)
        fraction = None
        if token[-1] in _FRACTIONS:
            fraction = Fraction(unicodedata.numeric(token[-1])).limit_denominator(10)
            token = token[:-1].rstrip(" \u00a0\u202f\u2009")  # "2 ½"
            if not token:
                return fraction
        whole, _, decimals = token.partition(self.decimal)
        if _ and not decimals.isdecimal():
            return None
        groups = _SEPARATOR.split(whole)
        if whole == "" and decimals:
            return Decimal("." + decimals)
        if len(groups) > 1 and (not set(_SEPARATOR.findall(whole)) <= self.groups or not 1 <= len(groups[0]) <= 3
                                or any(len(g) != 3 for g in groups[1:])):
            return None
        number = Decimal("".join(groups) + ("." + decimals if decimals else ""))
        return Fraction(number) + fraction if fraction is not None else number

    def amount(self, text: str, match: re.Match, lead: re.Match | None) -> _Amount | None:
        """A number with its unit, period and bound, and what stands before it (``lead``)."""
        num, sign, spelling, exp, period, bperiod = match.group("num", "sign", "unit", "exp", "period", "bperiod")
        value = self.value(num)
        if value is None:
            return None
        start, end = match.start(), match.end()
        if sign in ("-", "−", "–") or lead is not None and lead.group("minus"):
            value = value.copy_negate() if isinstance(value, Decimal) else -value  # exact, however long
        period = period or bperiod
        key = self.periods.get(period) or self.periods[_folded(period)] if period else ""
        unit = f"^{exp.translate(_FROM_SUPERSCRIPT)}" if exp else ""  # 10⁶ is not 10⁹: an exponent, as written
        if spelling is not None and ("/" in spelling or " " in spelling):
            parts = [self.units.get(p) or self.units.get(_folded(p)) or p for p in _PER.split(spelling)]
            if len(parts) > 1 and parts[-1] in PERIOD_OF_UNIT:  # "5 mg/h" is "5 mg pro Stunde"
                key = key or PERIOD_OF_UNIT[parts.pop()]
            unit = f"{unit} {'/'.join(parts)}" if unit else "/".join(parts)
        elif spelling is not None:
            named = self.units.get(spelling) or self.units.get(_folded(spelling)) or spelling
            unit = f"{unit} {named}" if unit else named
        bound = ""
        if lead is not None and lead.start() < start:
            if lead.group("lperiod") and not key:
                key = self.periods[_folded(lead.group("lperiod"))]
            bound = self.bounds.get(_folded(lead.group("bound") or "")) or BOUND_SIGNS.get(lead.group("bsign") or "", "")
            start = lead.start()
        after = self.after.match(text, end) if not bound and text[end:end + 1].isspace() else None
        if after is not None:
            bound, end = self.bounds_after[_folded(after.group("after"))], after.end()
        if key:
            unit = f"{unit} {key}" if unit else key
        plain = spelling is None and not exp and len(num) == 1 and num.isdigit() and not sign and not key
        return _Amount(value, unit, bound, start, end, plain)

    def lead_of(self, text: str, start: int, after: int) -> re.Match | None:
        """What stands right before the number at ``start`` and belongs to it, if anything; not
        before ``after``. The search costs 10 us, so it runs only after a word a lead ends with."""
        end = start - 1 if start > after and text[start - 1] in " \u00a0\u202f\u2009" else start
        if end <= after:
            return None
        if text[end - 1] in "<>≤≥≦≧=§" or text[end - 1] in " \u00a0\u202f\u2009":
            return self.lead.search(text, max(after, start - _LEAD), start)
        space = text.rfind(" ", max(after, end - _WORD), end)
        if text[space + 1:end].casefold() not in self.lead_words:
            return None
        return self.lead.search(text, max(after, start - _LEAD), start)

    def periods_alone(self, text: str, taken: list[tuple[int, int]]) -> Iterator[tuple[str, int, int]]:
        """The periods that stand on their own ("take it weekly"), outside the sorted ``taken`` spans."""
        lowered = text.lower()
        found = self.alone_lowered.finditer(lowered) if len(lowered) == len(text) else self.alone.finditer(text)
        for m in found:
            after = _NEXT_WORD.match(text, m.end()) if m.group().endswith("ly") else None
            if after is not None and after.group(1).lower() not in ADVERB_FOLLOWERS:
                continue  # "the daily dose"
            if not _within(taken, m.start()):
                yield self.periods.get(m.group()) or self.periods[_folded(m.group())], m.start(), m.end()

    def quantity(self, match: re.Match) -> tuple | None:
        """A date, a time of day, or a count in words; None when it names no real one."""
        kind = match.lastgroup
        inner = match.groups()[match.re.groupindex[kind]:]
        if kind == "iso":
            return _date(int(inner[0]), int(inner[1]), int(inner[2]))
        if kind == "dotted":
            return _date(int(inner[2]), int(inner[1]), int(inner[0]))
        if kind == "slashed":
            first, second, year = int(inner[0]), int(inner[1]), int(inner[2])
            day, month = (first, second) if self.day_first else (second, first)
            return _date(year, month, day)
        if kind == "dmdot":
            return _date(None, int(inner[1]), int(inner[0]))
        if kind == "dm":
            return _date(int(inner[2]) if inner[2] else None, self._month(inner[1]), int(inner[0]))
        if kind == "md":
            return _date(int(inner[2]) if inner[2] else None, self._month(inner[0]), int(inner[1]))
        if kind == "my":
            return _date(int(inner[1]), self._month(inner[0]), None)
        if kind == "clock":
            hours = self.time_suffixes.get(match.group("suffix").casefold(), 0) if match.group("suffix") else 0
            return _time(int(inner[0]), int(inner[1]), hours)
        if kind == "hour":
            hours = self.time_suffixes[match.group("hsuffix").casefold()]
            return _time(int(inner[0]), int(inner[1] or 0), hours)
        return ("n", Decimal(self.counting[_folded(inner[0])]), f"times {self.periods[_folded(inner[1])]}", "")

    def _month(self, name: str) -> int:
        return self.months[name.rstrip(".").casefold()]

    def combine(self, text: str, amounts: list[_Amount]) -> list[tuple[tuple, int, int]]:
        """Amounts as quantities: two joined by a range word are a range, by a slash a fraction
        (1/2) or a pair (120/80 mmHg)."""
        if len(amounts) == 1:
            a = amounts[0]
            return [(_once(("n", a.value, a.unit, a.bound)), a.start, a.end)]
        return list(self._combined(text, amounts))

    def _combined(self, text: str, amounts: list[_Amount]) -> Iterator[tuple[tuple, int, int]]:
        i = 0
        while i < len(amounts):
            a = amounts[i]
            b = amounts[i + 1] if i + 1 < len(amounts) else None
            joined = self._joined(text, a, b) if b is not None else None
            if joined is None:
                yield _once(("n", a.value, a.unit, a.bound)), a.start, a.end
                i += 1
                continue
            assert b is not None
            if joined == "/" and a.plain and b.plain and not a.unit and 0 < a.value < b.value:
                yield ("n", Fraction(int(a.value), int(b.value)), b.unit, a.bound or b.bound), a.start, b.end
            elif joined == "/":
                yield ("pair", a.value, b.value, b.unit or a.unit), a.start, b.end
            else:
                yield ("range", a.value, a.unit or b.unit, b.value, b.unit or a.unit), a.start, b.end
            i += 2

    def _joined(self, text: str, a: _Amount, b: _Amount) -> str | None:
        gap = text[a.end:b.start]
        if gap == "/":
            return "/"
        if self.range_gap.fullmatch(gap):
            return "range"
        before = text[max(0, a.start - 20):a.start]
        for first, then in self.paired:
            if then.fullmatch(gap) and first.search(before):
                return "range"
        return None


_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789")


def _folded(spelling: str) -> str:
    return " ".join(spelling.casefold().split())


def _date(year: int | None, month: int, day: int | None) -> tuple | None:
    if not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        return None
    return ("date", year or 0, month, day or 0)


def _time(hour: int, minute: int, add: int) -> tuple | None:
    if add and hour == 12:
        add -= 12  # 12 am is midnight, 12 pm noon
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    return ("time", (hour + add) % 24, minute)


@functools.lru_cache(maxsize=256)
def _grammar(lang: str, words: bool) -> _Grammar:
    return _compiled(str(_locale(lang)), words)


@functools.lru_cache(maxsize=None)
def _compiled(locale: str, words: bool) -> _Grammar:
    """One grammar per locale Babel knows, however a header spells it ("de-AT", "de_XX")."""
    return _Grammar(locale, words)


@functools.lru_cache(maxsize=1024)
def words_shared(source_lang: str, target_lang: str) -> bool:
    """Whether the registry has words for both languages; without, only symbols (mg, %) count,
    so a word of one language never stands against nothing in the other."""
    return all(_locale(lang).language in LANGUAGES_WITH_WORDS for lang in (source_lang, target_lang))

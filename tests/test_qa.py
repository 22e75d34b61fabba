"""Translation QA: what must survive translation in health content."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.pofile import Entry
from pipeline.qa import check_entry


def kinds(source: str, target: str) -> list[str]:
    return [kind for kind, _ in check_entry(Entry(source, target), "en", "de")]


@pytest.mark.parametrize(("source", "target"), [
    ("60 to 120 minutes of exercise per week", "60 bis 120 Minuten Bewegung pro Woche"),
    ("1.5 to 2 litres a day", "1,5 bis 2 Liter am Tag"),
    ("about 1,000 steps", "etwa 1.000 Schritte"),
    ("Walk **30 minutes** ([guide](https://example.org/a-1))", "**30 Minuten** gehen ([Ratgeber](https://example.org/a-1))"),
    ("Created on %(date)s", "Erstellt am %(date)s"),
    ("OK", "OK"),
])
def test_faithful_translations_pass(source, target):
    assert kinds(source, target) == []


@pytest.mark.parametrize(("source", "target", "kind"), [
    ("60 to 120 minutes", "60 bis 12 Minuten", "i18n.number-mismatch"),
    ("3 sets of 10", "3 Sätze", "i18n.number-mismatch"),
    ("see [the guide](https://example.org/a)", "siehe [Ratgeber](https://example.org/b)", "i18n.link-mismatch"),
    ("a **very** important point", "ein sehr wichtiger Punkt", "i18n.markup-mismatch"),
    ("Written by %(publisher)s.", "Herausgegeben.", "i18n.placeholder-mismatch"),
    ("Drink water", "Wasser trinken ", "i18n.whitespace"),
    ("This sentence is long enough to need a translation.", "This sentence is long enough to need a translation.",
     "i18n.untranslated"),
])
def test_each_problem_is_found(source, target, kind):
    assert kind in kinds(source, target)


def test_a_number_finding_says_what_is_missing():
    [(kind, message)] = list(check_entry(Entry("30 minutes, 3 times", "30 Minuten, 4-mal"), "en", "de"))
    assert message == "numbers differ (missing in the translation: 3 times; not in the source: 4-mal)"


def _every_rule(source: str, target: str) -> set[str]:
    """The rules as plainly as they can be said: count everything, for every entry. (Numbers are
    read per language; their properties are in test_qa_quantities.py.)"""
    def markup(text: str) -> Counter:
        text = re.sub(r"\]\([^)\s]+", "](", text)
        return Counter({"**": text.count("**"), "*": text.count("*") - 2 * text.count("**"), "`": text.count("`"),
                        "link": text.count("](")})

    def count(pattern: str, text: str) -> Counter:
        return Counter(re.findall(pattern, text))

    found = {"i18n.link-mismatch": count(r"\]\(([^)\s]+)", source) != count(r"\]\(([^)\s]+)", target),
             "i18n.markup-mismatch": markup(source) != markup(target),
             "i18n.placeholder-mismatch": count(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", source)
             != count(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", target)}
    return {kind for kind, differs in found.items() if differs}


TEXTS = st.lists(st.sampled_from(["1", "2,5", "1.000", "3\u202f000", " ", "a", "**", "*", "`", "[", "](", ")",
                                  "](https://x.org/1)", "%s", "%(n)d", "{}", "{x}", "%", "{"]), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS, TEXTS)
def test_the_quick_checks_find_what_counting_everything_finds(source, target):
    assert set(kinds(source, target)) - {"i18n.whitespace", "i18n.untranslated", "i18n.number-mismatch",
                                         "i18n.number-format"} == _every_rule(source, target)

"""Translation QA: what must survive translation in health content."""

from __future__ import annotations

import pytest

from pipeline.pofile import Entry
from pipeline.qa import check_entry


def kinds(source: str, target: str) -> list[str]:
    return [kind for kind, _ in check_entry(Entry(source, target))]


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
    [(kind, message)] = list(check_entry(Entry("30 minutes, 3 times", "30 Minuten, 4-mal")))
    assert message == "numbers differ (missing in the translation: 3; not in the source: 4)"

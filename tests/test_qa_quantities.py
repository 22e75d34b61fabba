"""Translation QA of numbers and units: a dose, a temperature or a date must not change in translation."""

from __future__ import annotations

import datetime as dt
import time
import shutil
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline import catalogs
from pipeline.qa import check_catalog
from pipeline.quantities import UNITS
from tests.helpers import DATA, run_cli

PHRASES = DATA / "qa" / "dosage-phrases.tsv"
NUMBER_KINDS = {"i18n.number-mismatch", "i18n.number-format"}


def _rows() -> list[tuple[str, str, str, str, str]]:
    lines = PHRASES.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def _po(source: str, target: str, source_lang: str | None, target_lang: str, folder: str | None = None):
    """A real catalog with one confirmed translation, read as the pipeline reads one."""
    source, target = (t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for t in (source, target))
    source_header = f'"X-Source-Language: {source_lang}\\n"\n' if source_lang else ""
    text = (f'msgid ""\nmsgstr ""\n"Language: {target_lang}\\n"\n{source_header}'
            f'"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'#. paragraph\n#: sources/a.md:9\nmsgid "{source}"\nmsgstr "{target}"\n')
    path = f"locales/{folder or target_lang}/LC_MESSAGES/a-01.po"
    return path, catalogs.parse(path, text.encode(), folder or target_lang)


def findings(source: str, target: str, source_lang: str | None, target_lang: str, folder: str | None = None):
    path, po = _po(source, target, source_lang, target_lang, folder)
    return [f for f in check_catalog("a-01", path, po, source_lang) if f.kind in NUMBER_KINDS]


@pytest.mark.parametrize(("source_lang", "target_lang", "source", "correct", "dangerous"), _rows(),
                         ids=[f"{r[0]}-{r[1]}:{r[2][:40]}" for r in _rows()])
def test_a_correct_translation_passes_and_a_dangerous_one_is_found(source_lang, target_lang, source, correct,
                                                                   dangerous):
    assert findings(source, correct, source_lang, target_lang) == []
    [finding] = findings(source, dangerous, source_lang, target_lang)
    assert finding.path == f"locales/{target_lang}/LC_MESSAGES/a-01.po" and finding.line == 7  # the entry's first


@pytest.mark.parametrize(("source", "target", "said"), [
    ("Take 2.5 mg.", "25 mg einnehmen.", "missing in the translation: 2.5 mg; not in the source: 25 mg"),
    ("Fever above 38.5 °C", "Fieber über 385 °C", "missing in the translation: above 38.5 °C; not in the source: über 385 °C"),
    ("Fill 450 into the cup.", "4,50 ml in den Becher füllen.",
     "missing in the translation: 450; not in the source: 4,50 ml"),
    ("Give 400 ml.", "400 l geben.", "missing in the translation: 400 ml; not in the source: 400 l"),
])
def test_the_cases_of_the_issue_name_value_and_unit(source, target, said):
    [finding] = findings(source, target, "en", "de")
    assert finding.kind == "i18n.number-mismatch" and said in finding.message


def test_a_number_its_language_does_not_write_so_is_reported():
    [german] = findings("Take 2.5 mg.", "2.5 mg einnehmen.", "en", "de")
    assert german.kind == "i18n.number-format"
    assert "'2.5' in the translation is not a number in German, which writes two and a half as 2,5" in german.message
    [english] = findings("Etwa 1,5 l am Tag.", "About 15 l a day.", "de", "en")  # the issue's "1,5 l" -> "15 l"
    assert "missing in the translation: 1,5 l am Tag; not in the source: 15 l a day" in english.message
    [copied] = findings("Etwa 1,5 l am Tag.", "About 1,5 l a day.", "de", "en")
    assert "'1,5' in the translation is not a number in English" in copied.message


def test_numbers_written_alike_but_read_apart_say_how_each_side_reads_them():
    [finding] = findings("Walk 10,000 steps.", "Gehen Sie 10,000 Schritte.", "en", "de")
    assert finding.message == ("article a-01, paragraph: numbers differ (missing in the translation: 10,000 (read as 10000); "
                               "not in the source: 10,000 (read as 10))")


def test_the_languages_come_from_the_folder_and_the_caller():
    # an English catalog of a German article: "1,5" is the German way of writing 1.5
    assert findings("Etwa 1,5 Liter am Tag.", "About 1.5 litres a day.", "de", "en") == []
    path, po = _po("Etwa 1,5 Liter am Tag.", "About 1.5 litres a day.", None, "en")
    assert [f.kind for f in check_catalog("a-01", path, po, "de")] == []
    assert [f.kind for f in check_catalog("a-01", path, po)] == ["i18n.number-format"]  # read as English


def test_a_language_without_words_in_the_registry_compares_numbers_and_symbols():
    assert findings("Rest for 30 minutes; take 2.5 mg.", "Reposez-vous 30 minutes ; prenez 2,5 mg.", "en", "fr") == []
    [finding] = findings("Take 2.5 mg.", "Prenez 25 mg.", "en", "fr")
    assert "missing in the translation: 2.5 mg; not in the source: 25 mg" in finding.message


def test_a_translators_language_header_decides_nothing():
    # the header a translator edits once said which number rules apply: "Language: en" in a German
    # catalog made "2.5 mg" pass as German and flagged the correct "2,5 mg"
    def lying(target: str):
        text = (f'msgid ""\nmsgstr ""\n"Language: en\\n"\n"X-Source-Language: de\\n"\n'
                f'"Content-Type: text/plain; charset=UTF-8\\n"\n\n#. paragraph\nmsgid "Take 2.5 mg."\n'
                f'msgstr "{target}"\n')
        path = "locales/de/LC_MESSAGES/a-01.po"
        with pytest.raises(catalogs.CatalogError, match="the header says Language: en"):
            catalogs.parse(path, text.encode(), "de")  # as tracking reads a catalog of its folder
        return [f.kind for f in check_catalog("a-01", path, catalogs.parse(path, text.encode()), "en")]

    assert lying("Nehmen Sie 2,5 mg ein.") == []
    assert lying("Nehmen Sie 2.5 mg ein.") == ["i18n.number-format"]
    assert lying("Nehmen Sie 25 mg ein.") == ["i18n.number-mismatch"]


def test_a_number_format_finding_does_not_hide_a_wrong_dose_beside_it():
    format_, mismatch = findings("Take 2.5 mg and then 10 ml.", "Nehmen Sie 2.5 mg und dann 100 ml.", "en", "de")
    assert format_.kind == "i18n.number-format" and "'2.5' in the translation" in format_.message
    assert mismatch.kind == "i18n.number-mismatch"
    assert "missing in the translation: 10 ml; not in the source: 100 ml" in mismatch.message
    [dose] = findings("Take 2.5 mg (see section 4.2).", "Nehmen Sie 25 mg ein (siehe Abschnitt 4.2).", "en", "de")
    assert "missing in the translation: 2.5 mg; not in the source: 25 mg" in dose.message


@pytest.mark.parametrize(("source", "target", "said"), [
    ("Take 10 mg weekly.", "Nehmen Sie 10 mg täglich.",
     "missing in the translation: 10 mg weekly; not in the source: 10 mg täglich"),
    ("Call a doctor at ≥ 38 °C.", "Rufen Sie bei ≤ 38 °C einen Arzt.",
     "missing in the translation: ≥ 38 °C; not in the source: ≤ 38 °C"),
    ("Each dose holds 10⁶ cells.", "Jede Dosis enthält 10⁹ Zellen.",
     "missing in the translation: 10⁶; not in the source: 10⁹"),
])
def test_a_finding_shows_the_dose_with_its_period_bound_and_exponent(source, target, said):
    [finding] = findings(source, target, "en", "de")
    assert said in finding.message


# ---------------------------------------------------------------- properties

SPELLINGS = [(unit.key, tuple(unit.symbols + unit.words.get("en", ())), tuple(unit.symbols + unit.words.get("de", ())))
             for unit in UNITS]
SPELLINGS = [(key, en, de) for key, en, de in SPELLINGS if en and de]
VALUES = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def units(draw, key: str | None = None):
    choices = [s for s in SPELLINGS if s[0] != key]
    unit_key, en, de = draw(st.sampled_from(choices))
    return unit_key, draw(st.sampled_from(en)), draw(st.sampled_from(de))


def _kinds(source: str, target: str) -> list[str]:
    return [f.kind for f in findings(source, target, "en", "de")]


@settings(max_examples=300, deadline=None)
@given(VALUES, units(), st.data())
def test_a_value_as_babel_writes_it_in_english_and_in_german_is_the_same_value(value, unit, data):
    key, en_unit, de_unit = unit
    english = f"Take {format_decimal(value, locale='en')} {en_unit} in the morning."
    german = f"Morgens {format_decimal(value, locale='de')} {de_unit} einnehmen."
    assert _kinds(english, german) == []
    other = data.draw(VALUES)
    assume(other != value)
    assert _kinds(english, f"Morgens {format_decimal(other, locale='de')} {de_unit} einnehmen.") == [
        "i18n.number-mismatch"]
    _, _, other_unit = data.draw(units(key))
    assert _kinds(english, f"Morgens {format_decimal(value, locale='de')} {other_unit} einnehmen.") == [
        "i18n.number-mismatch"]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["long", "medium"]), st.sampled_from(["long", "medium"]), st.integers(1, 40))
def test_a_date_as_babel_writes_it_in_english_and_in_german_is_the_same_date(date, en_format, de_format, days):
    english = f"Updated on {format_date(date, en_format, locale='en')}."
    assert _kinds(english, f"Aktualisiert am {format_date(date, de_format, locale='de')}.") == []
    later = date + dt.timedelta(days=days)
    assert _kinds(english, f"Aktualisiert am {format_date(later, de_format, locale='de')}.") == ["i18n.number-mismatch"]


@settings(max_examples=200, deadline=None)
@given(VALUES, VALUES)
def test_a_range_compares_as_a_range(low, high):
    assume(low < high)
    en, de = (lambda v: format_decimal(v, locale="en")), (lambda v: format_decimal(v, locale="de"))
    english = f"every {en(low)} to {en(high)} hours"
    assert _kinds(english, f"alle {de(low)} bis {de(high)} Stunden") == []
    assert _kinds(english, f"alle {de(low)}–{de(high)} Std.") == []
    assert _kinds(english, f"alle {de(low)} bis {de(high)} Tage") == ["i18n.number-mismatch"]
    assert _kinds(english, f"alle {de(high)} Stunden") == ["i18n.number-mismatch"]


# ---------------------------------------------------------------- through the command line

def test_a_dangerous_translation_fails_publish_strict_naming_the_file_and_line(tmp_path: Path):
    root = tmp_path / "tiny"
    shutil.copytree(DATA / "site-tiny", root)
    legs = root / "sources/legs.md"  # not due for review, so that only a translation can fail --strict
    legs.write_text(legs.read_text(encoding="utf-8").replace("next_review: 2025", "next_review: 2027"), encoding="utf-8")
    po = root / "locales/de/LC_MESSAGES/t-legs-01.po"
    text = po.read_text(encoding="utf-8")
    assert run_cli(root, "publish", "--strict").returncode == 0  # its English catalog of a German article too
    entry = 'msgstr "Wadenheben: 3 Sätze zu je 10."'
    line = text[:text.index("#. image caption\n#: sources/legs.md:34")].count("\n") + 1  # where the entry starts
    po.write_text(text.replace(entry, 'msgstr "Wadenheben: 3 Sätze zu je 10 kg."'), encoding="utf-8")
    strict = run_cli(root, "publish", "--strict")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert f"locales/de/LC_MESSAGES/t-legs-01.po:{line}: i18n.number-mismatch" in strict.stderr
    assert "not in the source: 10 kg" in strict.stderr


@pytest.mark.parametrize("hostile", ["mal" * 60_000, "a\n1" * 60_000, "1." * 90_000, "1,5 " * 45_000,
                                     "Mai 1 " * 30_000, "x" * 90_000 + " 1" * 30_000, "1-" * 90_000,
                                     "zwischen 1 und " * 12_000, "9" * 180_000, "täglich " * 22_000,
                                     "1 mg/" * 36_000, "≥ " * 90_000 + "1", "Abschnitt 1." * 15_000,
                                     "jeden zweiten " * 12_000 + "1", "1 x " * 45_000, "9⁹⁹⁹" * 45_000,
                                     "daily " * 30_000, ".5 " * 60_000, "1 ½ " * 45_000])
def test_a_translators_hostile_text_is_checked_without_hanging(hostile):
    started = time.monotonic()
    findings("Take 2.5 mg twice a day.", hostile, "en", "de")
    assert time.monotonic() - started < 20  # a generous bound: the square of these would be hours


def test_ingest_takes_a_pair_whose_numbers_disagree_as_doubtful():
    from pipeline.ingest import align
    from pipeline.model import Origin, Segment

    def units(*texts):
        return tuple(Segment(text, "paragraph", Origin("x", 0)) for text in texts)

    source = units("Take 2.5 mg twice a day.", "Drink 1.5 litres a day.", "Give 400 ml.")
    page = units("Nehmen Sie 2,5 mg zweimal täglich.", "Trinken Sie 1.5 Liter am Tag.", "Geben Sie 400 l.")
    assert [sure for _, _, sure in align(source, page, "en", "de")[0]] == [True, False, False]

"""Catalogs: templates, merging after source changes, zero churn, and GNU gettext's view of them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import catalogs, pofile
from pipeline.config import load_config
from pipeline.errors import CatalogError
from pipeline.publish import update_catalogs
from pipeline.segment import localize, segments
from pipeline.sources import read_sources
from tests.helpers import BUILD_TIME, ROOT

MSGFMT, MSGCAT = shutil.which("msgfmt"), shutil.which("msgcat")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="GNU gettext (msgfmt) is not installed")
needs_msgcat = pytest.mark.skipif(MSGCAT is None, reason="GNU gettext (msgcat) is not installed")
LEGS_PO = "locales/de/LC_MESSAGES/t-legs-01.po"


def msgfmt_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MSGFMT, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)


def article(root: Path, article_id: str):
    return next(a for a in read_sources(root, load_config(root)) if a.id == article_id)


def read(root: Path, rel: str) -> pofile.PoFile:
    return pofile.read(rel, (root / rel).read_text())


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "sources" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def entry(po: pofile.PoFile, msgid: str, obsolete: bool = False) -> pofile.Entry:
    return next(e for e in po.entries if e.msgid == msgid and e.obsolete == obsolete)


def test_template_names_source_line_and_kind(tiny_site):
    entries = catalogs.template_entries(segments(article(tiny_site, "t-legs-01")))
    heading = next(e for e in entries if e.msgid == "How often should I exercise?")
    assert (heading.extracted, heading.locations) == (("heading",), ("sources/legs.md:22",))
    caption = next(e for e in entries if e.msgid == "Calf lifts: 3 sets of 10.")
    assert caption.extracted == ("image caption",)
    text = (tiny_site / "locales/t-legs-01.pot").read_text()
    assert '#. heading\n#: sources/legs.md:22\nmsgid "How often should I exercise?"\nmsgstr ""' in text


def test_identity_translation_round_trip_reproduces_the_source(tiny_site):
    """parse -> segment -> catalog file -> merge -> catalog file -> localize gives the article back."""
    legs = article(tiny_site, "t-legs-01")
    template = catalogs.template_entries(segments(legs))
    header = catalogs.template_header("Legs", "t", "a@b.c", "en", BUILD_TIME)
    merged = catalogs.merge(None, catalogs.catalog_header(header, "Legs", "de", BUILD_TIME), template)
    filled = pofile.PoFile(merged.header, tuple(e.__class__(**{**e.__dict__, "msgstr": e.msgid}) for e in merged.entries))
    reread = catalogs.parse("t.po", catalogs.serialize(filled), "de")
    assert catalogs.progress(reread, (s.msgid for s in segments(legs))).complete
    assert localize(legs, catalogs.translations(reread), legs.lang) == legs


def test_a_changed_unit_becomes_fuzzy_with_the_previous_source(tiny_site):
    edit(tiny_site, "legs.md", "lift your heels", "lift both heels")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, LEGS_PO)
    changed = entry(po, "lift both heels")
    assert changed.fuzzy and changed.msgstr == "die Fersen heben" and changed.previous == "lift your heels"
    assert entry(po, "stand up").translated
    text = (tiny_site / LEGS_PO).read_text()
    assert '#, fuzzy\n#| msgid "lift your heels"\nmsgid "lift both heels"\nmsgstr "die Fersen heben"' in text


def test_a_unit_rewritten_in_place_starts_untranslated_and_keeps_the_old_one_as_obsolete(tiny_site):
    edit(tiny_site, "legs.md", "lift your heels", "breathe out while you count to ten")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, LEGS_PO)
    rewritten = entry(po, "breathe out while you count to ten")
    assert rewritten.msgstr == "" and not rewritten.fuzzy  # too unlike the old unit to inherit its translation
    assert entry(po, "lift your heels", obsolete=True).msgstr == "die Fersen heben"


def test_a_second_change_keeps_the_last_translated_source_as_previous(tiny_site):
    edit(tiny_site, "legs.md", "lift your heels", "lift both heels")
    update_catalogs(tiny_site, BUILD_TIME)
    edit(tiny_site, "legs.md", "lift both heels", "lift both heels slowly")
    update_catalogs(tiny_site, BUILD_TIME)
    assert entry(read(tiny_site, LEGS_PO), "lift both heels slowly").previous == "lift your heels"


def test_new_units_are_untranslated_and_removed_ones_obsolete(tiny_site):
    edit(tiny_site, "legs.md", "- with *rests*\n", "- with *rests*\n- with water\n")
    edit(tiny_site, "legs.md", "  - in the evening\n", "")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, LEGS_PO)
    new = entry(po, "with water")
    assert new.msgstr == "" and not new.fuzzy
    gone = entry(po, "in the evening", obsolete=True)
    assert gone.msgstr == "abends"
    assert po.entries[-1] == gone  # obsolete entries go last
    assert '#~ msgid "in the evening"\n#~ msgstr "abends"' in (tiny_site / LEGS_PO).read_text()


def test_a_unit_that_comes_back_gets_its_obsolete_translation_back(tiny_site):
    edit(tiny_site, "legs.md", "  - in the evening\n", "")
    update_catalogs(tiny_site, BUILD_TIME)
    edit(tiny_site, "legs.md", "  - in the morning\n", "  - in the morning\n  - in the evening\n")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, LEGS_PO)
    assert entry(po, "in the evening").msgstr == "abends"
    assert not any(e.obsolete and e.msgid == "in the evening" for e in po.entries)


def test_translator_comments_flags_and_order_survive(tiny_site):
    path = tiny_site / LEGS_PO
    text = path.read_text()
    path.write_text(text.replace('#. heading\n#: sources/legs.md:22\n',
                                 '# Keep this short: it is a heading.\n#. heading\n#: sources/legs.md:22\n#, no-wrap\n'))
    order = [e.msgid for e in read(tiny_site, LEGS_PO).entries]
    edit(tiny_site, "legs.md", "lift your heels", "lift both heels")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, LEGS_PO)
    heading = entry(po, "How often should I exercise?")
    assert heading.comments == ("Keep this short: it is a heading.",) and heading.flags == ("no-wrap",)
    assert [e.msgid for e in po.entries] == [m if m != "lift your heels" else "lift both heels" for m in order]


def test_a_unit_shared_with_another_article_is_prefilled_as_fuzzy(tiny_site):
    edit(tiny_site, "sleep.md", "Keep the room dark.", "Keep the room dark.\n\nWalking **30 minutes** a day can help. "
         "See [our guide](https://tiny.example.org/guide).")
    update_catalogs(tiny_site, BUILD_TIME)
    po = read(tiny_site, "locales/de/LC_MESSAGES/t-sleep-03.po")
    reused = entry(po, "Walking **30 minutes** a day can help. See [our guide](https://tiny.example.org/guide).")
    assert reused.fuzzy and reused.msgstr.startswith("**30 Minuten** Gehen")
    assert reused.comments == ("Pre-filled from the translation in t-legs-01; check it and remove the fuzzy flag.",)


def test_second_update_writes_nothing_even_at_another_time(tiny_site):
    update_catalogs(tiny_site, BUILD_TIME)
    before = {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")}
    assert update_catalogs(tiny_site, BUILD_TIME + dt.timedelta(days=400)) == ()
    assert {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")} == before


def test_moving_a_paragraph_down_changes_no_line_numbers(tiny_site):
    edit(tiny_site, "legs.md", "Walking **30 minutes**", "\n\n\nWalking **30 minutes**")
    before = {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")}
    assert update_catalogs(tiny_site, BUILD_TIME) == ()
    assert {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")} == before


@needs_msgcat
def test_a_file_saved_by_a_gettext_tool_comes_back_unchanged(tiny_site):
    path = tiny_site / LEGS_PO
    # Babel-style wrapping at 76 columns, as another tool might leave it; msgcat rewraps it.
    subprocess.run([MSGCAT, "--width=60", "-o", str(path), str(path)], check=True)
    subprocess.run([MSGCAT, "-o", str(path), str(path)], check=True)
    saved = path.read_bytes()
    update_catalogs(tiny_site, BUILD_TIME)
    assert path.read_bytes() == saved


@needs_msgcat
def test_after_a_one_sentence_change_only_that_entry_differs(sample_site):
    path = sample_site / "locales/de/LC_MESSAGES/3f8a2c71.po"
    subprocess.run([MSGCAT, "--width=70", "-o", str(path), str(path)], check=True)  # a translator's own layout
    before = path.read_text().split("\n\n")
    edit(sample_site, "varicose-veins-exercise.md", "Exercise cannot make varicose veins disappear",
         "Exercise alone cannot make varicose veins go away")
    update_catalogs(sample_site, BUILD_TIME)
    after = path.read_text().split("\n\n")
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(changed) == 1 and "go away" in after[changed[0]] and "#| msgid" in after[changed[0]]


def test_a_broken_catalog_names_file_and_line_and_loses_nothing(tiny_site):
    path = tiny_site / LEGS_PO
    text = path.read_text()
    path.write_text(text.replace('msgstr "aufstehen"', 'msgstr "aufstehen'))
    broken = path.read_bytes()
    with pytest.raises(CatalogError) as info:
        update_catalogs(tiny_site, BUILD_TIME)
    line = text.splitlines().index('msgstr "aufstehen"') + 1
    assert str(info.value).startswith(f"{LEGS_PO}:{line}: ")
    assert path.read_bytes() == broken


def test_a_catalog_in_the_wrong_language_folder_is_refused(tiny_site):
    path = tiny_site / LEGS_PO
    path.write_text(path.read_text().replace('"Language: de\\n"', '"Language: fr\\n"'))
    with pytest.raises(CatalogError, match="the header says Language: fr"):
        update_catalogs(tiny_site, BUILD_TIME)


def test_a_new_site_gets_a_template_and_a_catalog_per_target_language(tiny_site):
    shutil.rmtree(tiny_site / "locales")
    written = update_catalogs(tiny_site, BUILD_TIME)
    assert "locales/t-water-02.pot" in written
    assert "locales/en/LC_MESSAGES/t-water-02.po" in written
    assert "locales/de/LC_MESSAGES/t-legs-01.po" in written and "locales/de/LC_MESSAGES/site.po" in written
    assert "locales/en/LC_MESSAGES/site.po" not in written  # the templates are English already
    po = read(tiny_site, "locales/en/LC_MESSAGES/t-water-02.po")
    assert po.header_field("Language") == "en" and po.header_field("X-Source-Language") == "de"
    assert po.header_field("PO-Revision-Date") == "2025-11-24 17:00+0100"


@needs_msgfmt
def test_every_catalog_of_the_repository_passes_msgfmt_check():
    files = sorted((ROOT / "locales").rglob("*.po")) + sorted((ROOT / "locales").glob("*.pot"))
    assert len(files) == 10
    for path in files:
        result = msgfmt_check(path)
        assert result.returncode == 0, result.stderr


@needs_msgfmt
@needs_msgcat
def test_catalogs_after_updates_pass_msgfmt_check_and_survive_msgcat(tiny_site):
    shutil.rmtree(tiny_site / "locales" / "en")
    edit(tiny_site, "legs.md", "3. stand up", '3. stand "up" and\\ wait')
    edit(tiny_site, "legs.md", "lift your heels", "lift both heels")
    edit(tiny_site, "legs.md", "  - in the evening\n", "")
    update_catalogs(tiny_site, BUILD_TIME)
    for path in sorted((tiny_site / "locales").rglob("*.po*")):
        assert msgfmt_check(path).returncode == 0, msgfmt_check(path).stderr
        copy = path.with_suffix(".msgcat")
        subprocess.run([MSGCAT, "-o", str(copy), str(path)], check=True)
        assert copy.read_bytes() == path.read_bytes(), path.name

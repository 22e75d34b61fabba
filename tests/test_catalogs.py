"""Catalogs: templates, merging, reading and writing, and GNU gettext's view of them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import catalogs
from pipeline.config import load_config
from pipeline.errors import CatalogError
from pipeline.publish import update_catalogs
from pipeline.segment import localize, segments
from pipeline.sources import read_sources
from tests.helpers import BUILD_TIME, ROOT

MSGFMT = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="GNU gettext (msgfmt) is not installed")


def msgfmt_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MSGFMT, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)


def article(root: Path, article_id: str):
    return next(a for a in read_sources(root, load_config(root)) if a.id == article_id)


def test_template_names_source_line_and_kind(tiny_site):
    legs = article(tiny_site, "t-legs-01")
    template = catalogs.make_template(legs.id, segments(legs), load_config(tiny_site), BUILD_TIME, "Legs")
    text = catalogs.serialize(template).decode()
    assert '#. heading\n#: sources/legs.md:22\nmsgid "How often should I exercise?"\nmsgstr ""' in text
    assert '#. image caption\n#: sources/legs.md:34\nmsgid "Calf lifts: 3 sets of 10."' in text


def test_identity_translation_round_trip_reproduces_the_source(tiny_site):
    """parse -> segment -> catalog file -> merge -> catalog file -> localize gives the article back."""
    config = load_config(tiny_site)
    legs = article(tiny_site, "t-legs-01")
    template = catalogs.parse("t.pot", catalogs.serialize(
        catalogs.make_template(legs.id, segments(legs), config, BUILD_TIME, "Legs")), None, legs.id)
    catalog = catalogs.merge(template, None, "de", "Legs")
    for message in catalog:
        if message.id:
            message.string = message.id
    reread = catalogs.parse("t.po", catalogs.serialize(catalog), "de", legs.id)
    assert catalogs.progress(reread, (s.msgid for s in segments(legs))).complete
    back = localize(legs, catalogs.translations(reread), legs.lang)
    assert back == legs


def test_merge_keeps_translations_and_marks_changed_units_fuzzy(tiny_site):
    config = load_config(tiny_site)
    path = tiny_site / catalogs.catalog_path("de", "t-legs-01")
    existing = catalogs.parse("x.po", path.read_bytes(), "de", "t-legs-01")
    source = tiny_site / "sources" / "legs.md"
    source.write_text(source.read_text().replace("lift your heels", "lift both heels"))
    legs = article(tiny_site, "t-legs-01")
    template = catalogs.make_template(legs.id, segments(legs), config, BUILD_TIME, "Legs")
    merged = catalogs.merge(template, existing, "de", "Legs")
    assert merged["stand up"].string == "aufstehen" and not merged["stand up"].fuzzy
    assert merged["lift both heels"].fuzzy and merged["lift both heels"].string == "die Fersen heben"
    progress = catalogs.progress(merged, (s.msgid for s in segments(legs)))
    assert (progress.fuzzy, progress.complete) == (1, False)


def test_second_update_writes_nothing_even_at_another_time(tiny_site):
    update_catalogs(tiny_site, BUILD_TIME)
    before = {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")}
    assert update_catalogs(tiny_site, BUILD_TIME + dt.timedelta(days=400)) == ()
    assert {p: p.read_bytes() for p in (tiny_site / "locales").rglob("*.po*")} == before


def test_a_new_site_gets_a_template_and_a_catalog_per_target_language(tiny_site):
    shutil.rmtree(tiny_site / "locales")
    written = update_catalogs(tiny_site, BUILD_TIME)
    assert "locales/t-water-02.pot" in written
    assert "locales/en/LC_MESSAGES/t-water-02.po" in written
    assert "locales/de/LC_MESSAGES/t-legs-01.po" in written and "locales/de/LC_MESSAGES/site.po" in written
    assert "locales/en/LC_MESSAGES/site.po" not in written  # the templates are English already


@pytest.mark.parametrize(("good", "bad"), [
    ('msgstr "aufstehen"', 'msgstr "aufstehen'),
    ('msgstr "aufstehen"', 'msgstr aufstehen'),
    ('msgstr "aufstehen"', 'msgtsr "aufstehen"'),
])
def test_a_broken_catalog_names_file_and_line_and_loses_nothing(tiny_site, good, bad):
    path = tiny_site / catalogs.catalog_path("de", "t-legs-01")
    text = path.read_text()
    path.write_text(text.replace(good, bad))
    broken = path.read_bytes()
    with pytest.raises(CatalogError) as info:
        update_catalogs(tiny_site, BUILD_TIME)
    line = text.splitlines().index(good) + 1
    assert str(info.value).startswith(f"locales/de/LC_MESSAGES/t-legs-01.po:{line}: ")
    assert path.read_bytes() == broken


@needs_msgfmt
def test_every_catalog_of_the_repository_passes_msgfmt_check():
    files = sorted((ROOT / "locales").rglob("*.po")) + sorted((ROOT / "locales").glob("*.pot"))
    assert files
    for path in files:
        result = msgfmt_check(path)
        assert result.returncode == 0, result.stderr


@needs_msgfmt
def test_fresh_and_updated_catalogs_pass_msgfmt_check(tiny_site):
    shutil.rmtree(tiny_site / "locales" / "en")
    source = tiny_site / "sources" / "legs.md"
    source.write_text(source.read_text().replace("- stand up", '- stand "up" and\\ wait'))
    update_catalogs(tiny_site, BUILD_TIME)
    for path in sorted((tiny_site / "locales").rglob("*.po*")):
        result = msgfmt_check(path)
        assert result.returncode == 0, result.stderr

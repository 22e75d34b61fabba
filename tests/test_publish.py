"""The whole build: what gets published, what is held back, and byte-identical rebuilds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from lxml import html

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.publish import build_time, publish
from tests.helpers import BUILD_TIME, EPOCH, run_cli, tree


def test_sample_site_publishes_complete_translations_and_holds_back_the_rest(sample_site):
    report = publish(sample_site, BUILD_TIME)
    assert report.published == {"en": 4, "de": 3}
    assert [(h.article.id, h.lang) for h in report.held_back] == [("c5e72a94", "de")]
    assert "locales/de/LC_MESSAGES/c5e72a94.po: 59% translated" in report.held_back[0].reason
    output = sample_site / "output"
    assert (output / "en/sleep-shift-work.html").is_file()
    assert not (output / "de/schichtarbeit-und-schlaf.html").exists()
    assert (output / "de/trinken-im-alter.html").is_file() and (output / "en/drinking-enough-in-older-age.html").is_file()
    assert report.files_written == ()  # the committed catalogs and ledgers are up to date
    assert report.new_versions == ()


def test_publishing_twice_with_source_date_epoch_is_byte_identical(sample_site):
    first = run_cli(sample_site, "publish")
    assert first.returncode == 0, first.stderr
    before = tree(sample_site / "output") | tree(sample_site / "locales")
    second = run_cli(sample_site, "publish")
    assert second.returncode == 0, second.stderr
    assert tree(sample_site / "output") | tree(sample_site / "locales") == before
    assert "(nothing changed since the last publish)" in second.stdout


def test_a_fresh_site_is_reproducible_from_scratch(tiny_site, tmp_path):
    """Two builds of the same inputs in different places give the same bytes."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(tiny_site, other)
    publish(tiny_site, BUILD_TIME)
    publish(other, BUILD_TIME)
    assert tree(tiny_site / "output") == tree(other / "output")
    assert tree(tiny_site / "locales") == tree(other / "locales")


def test_an_incomplete_site_catalog_never_complete_before_holds_back_the_whole_language(tiny_site):
    (tiny_site / "locales/de/published/site.json").unlink()  # no last complete copy to stand in
    site_po = tiny_site / "locales/de/LC_MESSAGES/site.po"
    site_po.write_text(site_po.read_text().replace('msgstr "Quellen"', 'msgstr ""'))
    report = publish(tiny_site, BUILD_TIME)
    assert report.published == {"en": 3, "de": 0}
    assert [(h.article, h.lang) for h in report.held_back] == [(None, "de")]
    assert "site.po" in report.held_back[0].reason
    assert not (tiny_site / "output/de").exists()


def test_a_fuzzy_unit_of_a_never_published_translation_holds_back_the_page(tiny_site):
    (tiny_site / "locales/de/published/t-legs-01.json").unlink()
    po = tiny_site / "locales/de/LC_MESSAGES/t-legs-01.po"
    po.write_text(po.read_text().replace('msgid "stand up"', '#, fuzzy\nmsgid "stand up"'))
    report = publish(tiny_site, BUILD_TIME)
    held = {(h.article.id, h.lang): h.reason for h in report.held_back if h.article}
    assert "1 fuzzy" in held[("t-legs-01", "de")]
    assert not (tiny_site / "output/de/beinuebungen.html").exists()


def test_a_translation_marked_for_review_keeps_its_published_page(tiny_site):
    publish(tiny_site, BUILD_TIME)
    page = (tiny_site / "output/de/beinuebungen.html").read_bytes()
    po = tiny_site / "locales/de/LC_MESSAGES/t-legs-01.po"
    po.write_text(po.read_text().replace('msgid "stand up"', '#, fuzzy\nmsgid "stand up"'))
    publish(tiny_site, BUILD_TIME)
    assert (tiny_site / "output/de/beinuebungen.html").read_bytes() == page


def test_a_changed_original_leaves_the_last_complete_translation_online(sample_site):
    """The foundation of trust: a new English sentence never reaches the German page."""
    publish(sample_site, BUILD_TIME)
    german = sample_site / "output/de/krampfadern-und-bewegung.html"
    before = html.fromstring(german.read_bytes())
    source = sample_site / "sources/varicose-veins-exercise.md"
    source.write_text(source.read_text().replace("Exercise cannot make varicose veins disappear",
                                                 "Exercise alone cannot make varicose veins go away"))
    assert run_cli(sample_site, "catalogs").returncode == 0
    result = run_cli(sample_site, "publish")
    assert result.returncode == 0, result.stderr
    after = html.fromstring(german.read_bytes())
    assert "go away" not in german.read_text() and "alone" not in german.read_text()
    assert after.xpath("//article/p[not(@class)]/text()") == before.xpath("//article/p[not(@class)]/text()")
    notice = after.xpath("//p[contains(@class, 'notice-outdated')]")[0].text_content()
    assert "Diese Übersetzung beruht auf dem Original (Englisch) vom 8. November 2023." in notice
    assert after.xpath("//p[contains(@class, 'notice-outdated')]/a/@href") == ["../en/varicose-veins-exercise.html"]
    assert "go away" in (sample_site / "output/en/varicose-veins-exercise.html").read_text()
    status = json.loads(run_cli(sample_site, "status", "--json").stdout)["translations"]
    row = next(r for r in status if r["domain"] == "3f8a2c71")
    assert (row["state"], row["fuzzy"], row["published_version"], row["current_version"]) == ("outdated", 1, 1, 2)


def test_an_updated_translation_replaces_the_outdated_page(sample_site):
    source = sample_site / "sources/varicose-veins-exercise.md"
    source.write_text(source.read_text().replace("Exercise cannot make varicose veins disappear",
                                                 "Exercise alone cannot make varicose veins go away"))
    publish(sample_site, BUILD_TIME)
    po = sample_site / "locales/de/LC_MESSAGES/3f8a2c71.po"
    text = po.read_text()
    start = text.index("#, fuzzy\n#| msgid")
    block = text[start:text.index("\n\n", start)]
    fixed = block.replace("#, fuzzy\n", "").split("#| ")[0] + "\n".join(
        line for line in block.splitlines() if not line.startswith(("#|", "#,")))
    po.write_text(text.replace(block, fixed.strip("\n")).replace("Bewegung kann Krampfadern nicht", "Bewegung allein kann Krampfadern nicht"))
    report = publish(sample_site, BUILD_TIME + dt.timedelta(days=1))
    assert report.published["de"] == 3
    german = (sample_site / "output/de/krampfadern-und-bewegung.html").read_text()
    assert "notice-outdated" not in german
    stored = json.loads((sample_site / "locales/de/published/3f8a2c71.json").read_text())
    assert stored["source_version"] == 2
    ledger = (sample_site / "sources/versions/3f8a2c71.toml").read_text()
    assert '[[translations]]\nlang = "de"\nversion = 2\ncompleted = 2025-11-25' in ledger


def test_a_german_original_is_guarded_the_same_way(sample_site):
    publish(sample_site, BUILD_TIME)
    source = sample_site / "sources/trinken-im-alter.md"
    source.write_text(source.read_text().replace("Im Alter trinken viele Menschen weniger",
                                                 "Im Alter trinken sehr viele Menschen weniger"))
    publish(sample_site, BUILD_TIME)
    english = (sample_site / "output/en/drinking-enough-in-older-age.html").read_text()
    assert "sehr viele" not in english
    assert "This translation is based on the original (German) of April 10, 2024." in english


def test_pages_of_a_removed_article_are_removed(tiny_site):
    publish(tiny_site, BUILD_TIME)
    assert (tiny_site / "output/de/wasser.html").exists()
    (tiny_site / "sources/wasser.md").unlink()
    report = publish(tiny_site, BUILD_TIME)
    assert not (tiny_site / "output/de/wasser.html").exists()
    assert not (tiny_site / "output/en/water.html").exists()
    assert report.output_removed == 4 + 6  # two pages, their version lists, and the water topic feeds


def test_build_time_comes_from_source_date_epoch(tiny_site):
    config = load_config(tiny_site)
    assert build_time(config, {"SOURCE_DATE_EPOCH": str(EPOCH)}) == BUILD_TIME
    assert build_time(config, {"SOURCE_DATE_EPOCH": str(EPOCH)}).utcoffset() == dt.timedelta(hours=1)
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        build_time(config, {"SOURCE_DATE_EPOCH": "yesterday"})

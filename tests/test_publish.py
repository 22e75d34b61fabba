"""The whole build: what gets published, what is held back, and byte-identical rebuilds."""

from __future__ import annotations

import datetime as dt

import pytest

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
    assert report.catalogs_written == ()  # the committed catalogs are up to date


def test_publishing_twice_with_source_date_epoch_is_byte_identical(sample_site):
    first = run_cli(sample_site, "publish")
    assert first.returncode == 0, first.stderr
    before = tree(sample_site / "output") | tree(sample_site / "locales")
    second = run_cli(sample_site, "publish")
    assert second.returncode == 0, second.stderr
    assert tree(sample_site / "output") | tree(sample_site / "locales") == before
    assert "(0 files written, 0 removed)" in second.stdout


def test_a_fresh_site_is_reproducible_from_scratch(tiny_site, tmp_path):
    """Two builds of the same inputs in different places give the same bytes."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(tiny_site, other)
    publish(tiny_site, BUILD_TIME)
    publish(other, BUILD_TIME)
    assert tree(tiny_site / "output") == tree(other / "output")
    assert tree(tiny_site / "locales") == tree(other / "locales")


def test_an_incomplete_site_catalog_holds_back_the_whole_language(tiny_site):
    site_po = tiny_site / "locales/de/LC_MESSAGES/site.po"
    site_po.write_text(site_po.read_text().replace('msgstr "Quellen"', 'msgstr ""'))
    report = publish(tiny_site, BUILD_TIME)
    assert report.published == {"en": 3, "de": 0}
    assert [(h.article, h.lang) for h in report.held_back] == [(None, "de")]
    assert "site.po" in report.held_back[0].reason
    assert not (tiny_site / "output/de").exists()


def test_a_fuzzy_unit_holds_back_the_page(tiny_site):
    po = tiny_site / "locales/de/LC_MESSAGES/t-legs-01.po"
    po.write_text(po.read_text().replace('msgid "stand up"', '#, fuzzy\nmsgid "stand up"'))
    report = publish(tiny_site, BUILD_TIME)
    held = {(h.article.id, h.lang): h.reason for h in report.held_back if h.article}
    assert "1 fuzzy" in held[("t-legs-01", "de")]
    assert not (tiny_site / "output/de/beinuebungen.html").exists()


def test_pages_of_a_removed_article_are_removed(tiny_site):
    publish(tiny_site, BUILD_TIME)
    assert (tiny_site / "output/de/wasser.html").exists()
    (tiny_site / "sources/wasser.md").unlink()
    report = publish(tiny_site, BUILD_TIME)
    assert not (tiny_site / "output/de/wasser.html").exists()
    assert not (tiny_site / "output/en/water.html").exists()
    assert report.output_removed == 2


def test_build_time_comes_from_source_date_epoch(tiny_site):
    config = load_config(tiny_site)
    assert build_time(config, {"SOURCE_DATE_EPOCH": str(EPOCH)}) == BUILD_TIME
    assert build_time(config, {"SOURCE_DATE_EPOCH": str(EPOCH)}).utcoffset() == dt.timedelta(hours=1)
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        build_time(config, {"SOURCE_DATE_EPOCH": "yesterday"})
